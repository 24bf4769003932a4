package sandboxtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

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
//   - cus_hostile_error, che_hostileError: an error in the API's JSON
//     shape whose code and message hold the same.
//   - cus_hostile_text, che_hostileText: a plain-text error body holding them.
//   - cus_echo_token, che_echoToken: 401 whose JSON message quotes the
//     bearer token back; cus_echo_token_text, che_echoTokenText in a
//     plain-text body.
//
// The session IDs are base62 after che_, as the client checks a Meteroid
// session ID before sending it; either spelling names the same case.
const (
	HostileID   = "che_hostile\x1b]0;owned\x07"
	HostileURL  = "https://checkout.example.com/hostile\x1b]8;;https://evil.example/\x1b\\pay here\x1b]8;;\x1b\\"
	hostileText = "\x1b]0;owned\x07\x1b[2Jcheck\rOK: all paid"
)

// hostile answers a request that names one of the IDs above, in the
// shape of api (the API that owns the path).
func (a *API) hostile(w http.ResponseWriter, r *http.Request, api *sandbox.API, id string) bool {
	k := kitOf(api)
	if k.Hostile == nil {
		return false
	}
	h := k.Hostile(HostileID, HostileURL, hostileText)
	if r.Method == http.MethodGet && h.ListPath != "" && r.URL.Path == h.ListPath && r.URL.Query().Get("customer_id") == "cus_hostile" {
		sandbox.JSON(w, 200, h.Listed)
		return true
	}
	prefix, name, ok := strings.Cut(id, "_")
	if !ok || !(prefix == "cus" || prefix == "che") {
		return false
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch strings.ToLower(strings.ReplaceAll(name, "_", "")) {
	case "hostile":
		if r.Method == http.MethodPost {
			a.keepHostile(api.Name, h.Tenant)
			sandbox.JSON(w, 200, h.Created)
		} else {
			sandbox.JSON(w, 200, h.Got)
		}
	case "hostileerror":
		sandbox.JSON(w, 400, h.Error)
	case "hostiletext":
		sandbox.Text(w, 422, hostileText)
	case "echotoken":
		k.Error(w, 401, "UNAUTHORIZED", "invalid token: "+tok)
	case "echotokentext":
		sandbox.Text(w, 401, "401 invalid token: "+tok)
	default:
		return false
	}
	return true
}

// keepHostile stores the hostile session in the sandbox, once, as a
// session of provider in tenant.
func (a *API) keepHostile(provider, tenant string) {
	ctx := context.Background()
	if _, err := a.Store.Session(ctx, HostileID); err == nil {
		return
	}
	req, _ := json.Marshal(map[string]any{"plan_version_id": "plv_1\rOVERWRITTEN", "coupon_code": "\u202eEERF", "type": "CHECKOUT_SESSION"})
	ss := &sandbox.Session{
		ID: HostileID, Provider: provider, Company: tenant, Customer: "cus_hostile",
		Status: sandbox.Created, CreatedAt: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), Request: req,
	}
	_ = a.Store.Update(ctx, func(tx *sandbox.Tx) error { return tx.InsertSession(ss) })
}
