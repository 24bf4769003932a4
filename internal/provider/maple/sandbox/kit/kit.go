// Package kit is Maple's cases for the sandbox's test kit (sandboxtest):
// test records, error and fault bodies, hostile answers. Only the test kit
// links it (through provider/registry/kits), so none of it is in billctl.
package kit

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/maple"
	"net/http"

	"github.com/billctl/billctl/internal/sandbox"
)

// Test records the test kit adds to the catalogue, so that tests can name
// short companies, pricings and bundle pricings (cmp_1, pp_1, bp_1) the sandbox then knows.
var (
	testCompanies = []string{"cmp_1", "cmp_2MkGNwZq", "cmp_b", "cmp_other", "cmp_from"}
	testPricings  = []string{"pp_1", "pp_2", "pp_3"}
	testBundles   = []string{"bp_1"}
)

func init() { sandbox.RegisterKit(maple.Name, Kit) }

// Kit is Maple's cases for the sandbox's test kit.
func Kit() *sandbox.Kit {
	return &sandbox.Kit{
		Spec:     "maple-openapi.yaml",
		Fixtures: fixtures,
		Error:    kitError,
		Revoked:  "invalid API key",
		BadRequest: func(w http.ResponseWriter) {
			sandbox.JSON(w, 400, map[string]any{"error_message": "Invalid request", "error_type": "validation_error", "error_code": "invalid_field", "error_status": 400,
				"validation_errors": []any{map[string]any{"field": "config_items[0].product_pricing_id", "message": "product pricing not found"}}})
		},
		Hostile: hostile,
		// Maple may answer a session without its url.
		DropURL: func(v map[string]any) string {
			v["url"] = nil
			id, _ := v["id"].(string)
			return id
		},
	}
}

// kitError is Maple's error body, its error_type following the status as
// Maple's does.
func kitError(w http.ResponseWriter, status int, _, msg string) {
	typ := "request_error"
	switch status {
	case 400, 422:
		typ = "validation_error"
	case 401, 403:
		typ = "auth_error"
	case 409:
		typ = "idempotency_error"
	}
	sandbox.JSON(w, status, map[string]any{"error_message": msg, "error_type": typ, "error_code": nil, "error_status": status, "validation_errors": nil})
}

func fixture(kind, id string, v map[string]any) sandbox.Item {
	b, _ := json.Marshal(v)
	return sandbox.Item{Kind: kind, ID: id, Name: id, Data: b}
}

func fixtures(customers []string) []sandbox.Item {
	var items []sandbox.Item
	for _, id := range testCompanies {
		items = append(items, fixture("companies", id, map[string]any{"id": id, "name": "Test " + id}))
	}
	for _, id := range customers {
		items = append(items, fixture("customers", id, map[string]any{
			"id": id, "name": "Test " + id, "email": nil, "identifier": nil, "org_name": nil, "status": "ACTIVE",
		}))
	}
	for _, id := range testPricings {
		items = append(items, fixture("pricings", id, map[string]any{
			"id": id, "name": "Test " + id, "external_name": "Test " + id, "currency": "USD", "product_id": "prod_1", "state": "ACTIVE", "type": "PRICING",
		}))
	}
	for _, id := range testBundles {
		items = append(items, fixture("bundles", id, map[string]any{
			"id": id, "name": "Test " + id, "currency": "USD", "state": "ACTIVE", "type": "BUNDLE_PRICING",
		}))
	}
	return items
}

// hostile is a hostile server's answers in Maple's shape: a session whose
// customer and status clear the terminal and whose type holds C1 controls.
func hostile(id, url, text string) sandbox.Hostile {
	return sandbox.Hostile{
		Created: map[string]any{"id": id, "url": url},
		Got: map[string]any{
			"id":          id,
			"customer_id": "cus_hostile\x1b[2J",
			"status":      "DRAFT\x1b[2J\x1b[H",
			"type":        "CHECKOUT_SESSION\u009d0;c1\u009c",
			"url":         url,
			"created_at":  "2026-01-05T10:00:00Z\rlater",
		},
		Error: map[string]any{"error_message": text, "error_type": "validation_error\x1b[2J", "error_code": nil, "error_status": 400,
			"validation_errors": []any{map[string]any{"field": "customer_id\r", "message": "\x1b]8;;https://evil.example/\x1b\\not found\x1b]8;;\x1b\\"}}},
		Tenant: "cmp_2MkGNwZq",
	}
}
