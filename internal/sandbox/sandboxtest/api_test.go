package sandboxtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func do(t *testing.T, a *API, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return res.StatusCode, v
}

// The wrapper answers only what it names; the rest is the sandbox's, and
// every request is recorded.
func TestAPIWrapsTheSandbox(t *testing.T) {
	a := StartAPI(t)
	if code, v := do(t, a, "POST", "/api/v1/checkout-sessions", "sk_t", `{"customer_id":"cus_1","plan_version_id":"plv_1"}`); code != 200 || v["session"].(map[string]any)["id"] != "che_000001" {
		t.Fatalf("create: %d %v", code, v)
	}
	if code, v := do(t, a, "POST", "/api/v1/checkout-sessions", "sk_t", `{"customer_id":"cus_nobody","plan_version_id":"plv_1"}`); code != 500 || v["code"] != "INTERNAL_SERVER_ERROR" {
		t.Errorf("unknown customer: %d %v, want the sandbox's 500", code, v)
	}
	if code, v := do(t, a, "POST", "/api/v1/checkout-sessions", "sk_t", `{"customer_id":"cus_409","plan_version_id":"plv_1"}`); code != 409 || v["code"] != "CONFLICT" {
		t.Errorf("cus_409: %d %v", code, v)
	}
	if code, v := do(t, a, "GET", "/api/v1/checkout-sessions/che_000001", RevokedToken, ""); code != 401 || v["message"] != "Failed to resolve api key" {
		t.Errorf("revoked token: %d %v", code, v)
	}
	if code, v := do(t, a, "POST", "/api/v1/companies/cmp_1/checkout", "sk_t", `{"type":"CHECKOUT_SESSION","customer_id":"cus_echo_token","config_items":[]}`); code != 401 || v["error_message"] != "invalid token: sk_t" || v["error_type"] != "auth_error" {
		t.Errorf("maple echo: %d %v", code, v)
	}
	if code, v := do(t, a, "POST", "/api/v1/checkout-sessions", "sk_t", `{"customer_id":"cus_completed","plan_version_id":"plv_1"}`); code != 200 || v["session"].(map[string]any)["status"] != "COMPLETED" || v["session"].(map[string]any)["subscription_id"] == nil {
		t.Errorf("cus_completed: %d %v", code, v)
	}
	if a.Created() != 2 || len(a.Sessions()) != 2 || a.Sessions()[0].ID != "che_000001" {
		t.Errorf("created %d, sessions %v", a.Created(), a.Sessions())
	}
	if n := len(a.Requests()); n != 6 {
		t.Errorf("%d requests recorded, want 6", n)
	}
}

// A Fault answers first; returning false hands the request on.
func TestAPIFault(t *testing.T) {
	a := StartAPI(t)
	a.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		if strings.Contains(string(body), "cus_2") {
			next.ServeHTTP(w, r) // the sandbox acts…
			return true          // …and the test decides what else happens
		}
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}
	if code, _ := do(t, a, "POST", "/api/v1/checkout-sessions", "sk_t", `{"customer_id":"cus_1","plan_version_id":"plv_1"}`); code != 502 {
		t.Errorf("fault: %d", code)
	}
	if code, _ := do(t, a, "POST", "/api/v1/checkout-sessions", "sk_t", `{"customer_id":"cus_2","plan_version_id":"plv_1"}`); code != 200 {
		t.Errorf("handed on: %d", code)
	}
	if a.Created() != 1 {
		t.Errorf("created %d, want 1", a.Created())
	}
}
