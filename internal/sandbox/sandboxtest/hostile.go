package sandboxtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
)

// Some IDs make the API answer as a hostile server, or a proxy in front of
// one, would: with text that a terminal obeys, or that quotes the caller's
// token back. A create reads the customer ID, a get the session ID; both
// APIs answer in their own shapes.
//
//   - cus_hostile (create, and the list's customer_id filter), che_hostile
//     (get): a session whose ID retitles the terminal (OSC 0), whose status
//     clears it (CSI 2J), whose URL plants a hyperlink (OSC 8), whose plan
//     version holds a carriage return and whose other fields hold C1
//     controls and a bidirectional override. The created one is also
//     stored in the sandbox, so that an unfiltered list shows its ID, plan
//     version and coupon code.
//   - cus_hostile_error, che_hostile_error: an error in the API's JSON
//     shape whose code and message hold the same.
//   - cus_hostile_text, che_hostile_text: a plain-text error body holding them.
//   - cus_echo_token, che_echo_token: 401 whose JSON message quotes the
//     bearer token back; cus_echo_token_text, che_echo_token_text in a
//     plain-text body.
const (
	HostileID   = "che_hostile\x1b]0;owned\x07"
	HostileURL  = "https://checkout.example.com/hostile\x1b]8;;https://evil.example/\x1b\\pay here\x1b]8;;\x1b\\"
	hostileText = "\x1b]0;owned\x07\x1b[2Jcheck\rOK: all paid"
)

// hostile answers a request that names one of the IDs above.
func (a *API) hostile(w http.ResponseWriter, r *http.Request, maple bool, id string) bool {
	if r.Method == http.MethodGet && r.URL.Path == "/api/v1/checkout-sessions" && r.URL.Query().Get("customer_id") == "cus_hostile" {
		sandbox.JSON(w, 200, map[string]any{"sessions": []any{hostileSession(false)}})
		return true
	}
	prefix, name, ok := strings.Cut(id, "_")
	if !ok || !(prefix == "cus" || prefix == "che") {
		return false
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch name {
	case "hostile":
		if r.Method == http.MethodPost {
			a.keepHostile(maple)
		}
		switch {
		case r.Method == http.MethodPost && maple:
			sandbox.JSON(w, 200, map[string]any{"id": HostileID, "url": HostileURL})
		case maple:
			sandbox.JSON(w, 200, hostileSession(true))
		default:
			sandbox.JSON(w, 200, map[string]any{"session": hostileSession(false)})
		}
	case "hostile_error":
		if maple {
			sandbox.JSON(w, 400, map[string]any{"error_message": hostileText, "error_type": "validation_error\x1b[2J", "error_code": nil, "error_status": 400,
				"validation_errors": []any{map[string]any{"field": "customer_id\r", "message": "\x1b]8;;https://evil.example/\x1b\\not found\x1b]8;;\x1b\\"}}})
		} else {
			sandbox.JSON(w, 400, map[string]any{"code": "BAD_REQUEST\x1b[2J", "message": hostileText})
		}
	case "hostile_text":
		sandbox.Text(w, 422, hostileText)
	case "echo_token":
		apiError(w, maple, 401, "UNAUTHORIZED", "invalid token: "+tok)
	case "echo_token_text":
		sandbox.Text(w, 401, "401 invalid token: "+tok)
	default:
		return false
	}
	return true
}

// hostileSession is the session of cus_hostile in the API's shape.
func hostileSession(maple bool) map[string]any {
	if maple {
		return map[string]any{
			"id":          HostileID,
			"customer_id": "cus_hostile\x1b[2J",
			"status":      "DRAFT\x1b[2J\x1b[H",
			"type":        "CHECKOUT_SESSION\u009d0;c1\u009c",
			"url":         HostileURL,
			"created_at":  "2026-01-05T10:00:00Z\rlater",
		}
	}
	return map[string]any{
		"id":                     HostileID,
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
		"checkout_url":           HostileURL,
		"payment_methods_config": nil,
	}
}

// keepHostile stores the hostile session in the sandbox, once.
func (a *API) keepHostile(asMaple bool) {
	ctx := context.Background()
	if _, err := a.Store.Session(ctx, HostileID); err == nil {
		return
	}
	provider, company := meteroid.Name, ""
	if asMaple {
		provider, company = maple.Name, "cmp_2MkGNwZq"
	}
	req, _ := json.Marshal(map[string]any{"plan_version_id": "plv_1\rOVERWRITTEN", "coupon_code": "\u202eEERF", "type": "CHECKOUT_SESSION"})
	ss := &sandbox.Session{
		ID: HostileID, Provider: provider, Company: company, Customer: "cus_hostile",
		Status: sandbox.Created, CreatedAt: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), Request: req,
	}
	_ = a.Store.Update(ctx, func(tx *sandbox.Tx) error { return tx.InsertSession(ss) })
}
