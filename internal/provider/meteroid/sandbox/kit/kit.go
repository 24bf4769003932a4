// Package kit is Meteroid's cases for the sandbox's test kit (sandboxtest):
// test records, error and fault bodies, hostile answers. Only the test kit
// links it (through provider/registry/kits), so none of it is in billctl.
package kit

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"net/http"

	"github.com/billctl/billctl/internal/sandbox"
)

// testPlanVersions are plan versions the test kit adds to the catalogue,
// so that tests can name short ones (plv_1) the sandbox then knows.
var testPlanVersions = []string{"plv_1", "plv_2", "plv_3", "plv_8", "plv_9", "plv_base", "plv_7n42DGM5Tflk9n8mt7Fhc7"}

func init() { sandbox.RegisterKit(meteroid.Name, Kit) }

// Kit is Meteroid's cases for the sandbox's test kit.
func Kit() *sandbox.Kit {
	return &sandbox.Kit{
		Spec:     "meteroid-openapi.sdk.strict.json",
		Fixtures: fixtures,
		Error:    apiError,
		// The server's answer to a key it cannot find (api_rest/auth.rs).
		Revoked: "Failed to resolve api key",
		BadRequest: func(w http.ResponseWriter) {
			apiError(w, 400, "BAD_REQUEST", "plan version not found")
		},
		Hostile: hostile,
		Created: func(answer []byte) (string, bool) {
			var created struct {
				Session struct {
					ID string `json:"id"`
				} `json:"session"`
			}
			if json.Unmarshal(answer, &created) != nil {
				return "", false
			}
			return created.Session.ID, true
		},
		SessionPath: func(id string) string { return "/api/v1/checkout-sessions/" + id },
	}
}

// apiError is the server's error body, as the sandbox's side writes it.
func apiError(w http.ResponseWriter, status int, code, message string) {
	sandbox.JSON(w, status, map[string]string{"code": code, "message": message})
}

func fixture(kind, id string, v map[string]any) sandbox.Item {
	b, _ := json.Marshal(v)
	return sandbox.Item{Kind: kind, ID: id, Name: id, Data: b}
}

func fixtures(customers []string) []sandbox.Item {
	var items []sandbox.Item
	for _, id := range customers {
		items = append(items, fixture("customers", id, map[string]any{
			"id": id, "name": "Test " + id, "alias": nil, "billing_email": nil, "invoicing_emails": []string{},
			"phone": nil, "currency": "EUR", "invoicing_entity_id": "ive_1", "vat_number": nil,
			"billing_address": nil, "shipping_address": nil, "custom_taxes": []any{}, "connected_account_id": nil,
		}))
	}
	for _, id := range testPlanVersions {
		items = append(items, fixture("plan_versions", id, map[string]any{
			"id": id, "version": 1, "is_draft": false, "currency": "EUR", "created_at": "2026-01-05T10:00:00Z",
		}))
	}
	return items
}

// hostile is a hostile server's answers in Meteroid's shape: a session
// whose status clears the terminal, whose plan version holds a carriage
// return and whose other fields hold C1 controls and a bidirectional
// override.
func hostile(id, url, text string) sandbox.Hostile {
	session := map[string]any{
		"id":                     id,
		"customer_id":            "cus_hostile",
		"plan_version_id":        "plv_1\rOVERWRITTEN",
		"coupon_code":            "\u202eEERF",
		"billing_start_date":     nil,
		"billing_day_anchor":     nil,
		"net_terms":              nil,
		"trial_duration_days":    nil,
		"status":                 "CREATED\x1b[2J\x1b[H",
		"checkout_type":          "SELF_SERVE\u009b2J",
		"created_at":             "2026-01-05T10:00:00Z",
		"expires_at":             nil,
		"completed_at":           nil,
		"subscription_id":        nil,
		"checkout_url":           url,
		"payment_methods_config": nil,
	}
	return sandbox.Hostile{
		Created:  map[string]any{"session": session},
		Got:      map[string]any{"session": session},
		ListPath: "/api/v1/checkout-sessions",
		Listed:   map[string]any{"sessions": []any{session}},
		Error:    map[string]any{"code": "BAD_REQUEST\x1b[2J", "message": text},
	}
}
