package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", a.status, a.body)
	}
	return m
}

type client struct {
	t    *testing.T
	base string
}

// do sends one request with a token and checks any JSON answer against
// Meteroid's spec.
func (c client) do(method, path, body string, hdr ...string) answer {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer sk_test")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := sandboxtest.CheckResponse(sandboxtest.Spec(meteroid.Name), req, res.StatusCode, res.Header, b); err != nil {
		c.t.Error(err)
	}
	return answer{res.StatusCode, res.Header, b}
}

func start(t *testing.T) (client, *sandboxtest.Sandbox) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	return client{t, sb.URL}, sb
}

func create(t *testing.T, c client, body string) map[string]any {
	t.Helper()
	a := c.do("POST", "/api/v1/checkout-sessions", body)
	if a.status != 200 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	return a.json(t)["session"].(map[string]any)
}

var microTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$`)

func TestSandboxCreate(t *testing.T) {
	c, _ := start(t)
	s := create(t, c, `{"customer_id":"acme","plan_version_id":"`+meteroid.DemoPlanVersionPro+`","trial_duration_days":14,"coupon_code":"WELCOME10","unknown_field":1}`)
	// Every key of the server's CheckoutSession, null where empty.
	keys := []string{"id", "customer_id", "plan_version_id", "coupon_code", "billing_start_date", "billing_day_anchor", "net_terms",
		"trial_duration_days", "status", "checkout_type", "created_at", "expires_at", "completed_at", "subscription_id",
		"checkout_url", "payment_methods_config", "success_url", "cancel_url"}
	for _, k := range keys {
		if _, ok := s[k]; !ok {
			t.Errorf("key %s missing", k)
		}
	}
	if len(s) != len(keys) {
		t.Errorf("%d keys, want %d: %v", len(s), len(keys), s)
	}
	id := s["id"].(string)
	if _, err := meteroid.ParseID("che_", id); err != nil || !strings.HasPrefix(id, "che_") {
		t.Errorf("id %q: %v", id, err)
	}
	if s["customer_id"] != meteroid.DemoCustomerAcme {
		t.Errorf("alias not resolved: %v", s["customer_id"])
	}
	if s["status"] != "CREATED" || s["checkout_type"] != "SELF_SERVE" || s["coupon_code"] != "WELCOME10" || s["trial_duration_days"] != 14.0 {
		t.Errorf("session: %v", s)
	}
	if s["completed_at"] != nil || s["subscription_id"] != nil || s["net_terms"] != nil || s["success_url"] != nil || s["cancel_url"] != nil {
		t.Errorf("empty fields not null: %v", s)
	}
	created, _ := time.Parse(time.RFC3339Nano, s["created_at"].(string))
	expires, _ := time.Parse(time.RFC3339Nano, s["expires_at"].(string))
	if !microTime.MatchString(s["created_at"].(string)) || expires.Sub(created) != time.Hour {
		t.Errorf("times: %v %v", s["created_at"], s["expires_at"])
	}
	if !strings.HasSuffix(s["checkout_url"].(string), "/checkout/"+id) {
		t.Errorf("checkout_url %v", s["checkout_url"])
	}
	never := create(t, c, `{"customer_id":"`+meteroid.DemoCustomerGlobex+`","plan_version_id":"`+meteroid.DemoPlanVersionStarter+`","expires_in_hours":0}`)
	if never["expires_at"] != nil {
		t.Errorf("expires_in_hours 0: expires_at %v", never["expires_at"])
	}
	// The fields of Meteroid's current API are stored and returned.
	urls := create(t, c, `{"customer_id":"acme","plan_version_id":"`+meteroid.DemoPlanVersionPro+
		`","success_url":"https://app.example.com/welcome?plan=pro","cancel_url":"https://app.example.com/pricing"}`)
	if urls["success_url"] != "https://app.example.com/welcome?plan=pro" || urls["cancel_url"] != "https://app.example.com/pricing" {
		t.Errorf("success_url / cancel_url: %v %v", urls["success_url"], urls["cancel_url"])
	}
	got := c.do("GET", "/api/v1/checkout-sessions/"+urls["id"].(string), "")
	if !strings.Contains(string(got.body), `"success_url":"https://app.example.com/welcome?plan=pro","cancel_url":"https://app.example.com/pricing"`) {
		t.Errorf("get: %s", got.body)
	}
}

func TestSandboxCreateErrors(t *testing.T) {
	c, sb := start(t)
	plv := meteroid.DemoPlanVersionPro
	for _, tc := range []struct {
		name, body string
		hdr        []string
		status     int
		json       bool
		want       string
	}{
		{"content type", `{}`, []string{"Content-Type", "text/plain"}, 415, false, "Expected request with `Content-Type: application/json`"},
		{"no content type", `{}`, []string{"Content-Type", ""}, 415, false, "Content-Type: application/json"},
		// axum's Json rejections: serde_json's texts, positioned as it does.
		{"not JSON", `{"customer_id":`, nil, 400, false, "Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 15"},
		{"empty", ``, []string{"Content-Type", "application/json"}, 400, false, "Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0"},
		{"syntax", "{\"customer_id\": \"acme\",\n \"plan_version_id\" 1}", nil, 400, false, "Failed to parse the request body as JSON: expected `:` at line 2 column 20"},
		{"trailing", `{"customer_id":"acme","plan_version_id":"` + plv + `"} x`, nil, 400, false, "Failed to parse the request body as JSON: trailing characters at line 1 column 71"},
		{"wrong type", `{"customer_id":"acme","plan_version_id":12}`, nil, 422, false, "Failed to deserialize the JSON body into the target type: plan_version_id: invalid type: integer `12`, expected a string at line 1 column 42"},
		{"string for i32", `{"customer_id":"acme","plan_version_id":"` + plv + `","trial_duration_days":"30"}`, nil, 422, false,
			"Failed to deserialize the JSON body into the target type: trial_duration_days: invalid type: string \"30\", expected i32 at line 1 column 95"},
		{"missing field", `{"customer_id":"acme"}`, nil, 422, false, "Failed to deserialize the JSON body into the target type: missing field `plan_version_id` at line 1 column 22"},
		{"nested missing field", `{"customer_id":"acme","plan_version_id":"` + plv + `","add_ons":[{"quantity":2}]}`, nil, 422, false,
			"Failed to deserialize the JSON body into the target type: add_ons[0]: missing field `add_on_id` at line 1 column 94"},
		{"union tag", `{"customer_id":"acme","plan_version_id":"` + plv + `","payment_methods_config":{"type":"cash"}}`, nil, 422, false,
			"Failed to deserialize the JSON body into the target type: payment_methods_config: unknown variant `cash`, expected one of `online`, `bank_transfer`, `external` at line 1 column 109"},
		{"array", `[]`, nil, 422, false, "Failed to deserialize the JSON body into the target type"},
		{"negative", `{"customer_id":"acme","plan_version_id":"` + plv + `","expires_in_hours":-1}`, nil, 422, false,
			"Failed to deserialize the JSON body into the target type: expires_in_hours: invalid value: integer `-1`, expected u32 at line 1 column 90"},
		{"duplicate", `{"customer_id":"acme","customer_id":"globex","plan_version_id":"` + plv + `"}`, nil, 422, false,
			"Failed to deserialize the JSON body into the target type: duplicate field `customer_id` at line 1 column 35"},
		{"bad plan version ID", `{"customer_id":"acme","plan_version_id":"plv_!!"}`, nil, 422, false, "plan_version_id: IdError"},
		{"unknown alias", `{"customer_id":"nobody","plan_version_id":"` + plv + `"}`, nil, 404, true, `{"code":"NOT_FOUND","message":"Resource not found"}`},
		{"UUID customer is an alias", `{"customer_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","plan_version_id":"` + plv + `"}`, nil, 404, true, `{"code":"NOT_FOUND","message":"Resource not found"}`},
		{"unknown customer ID", `{"customer_id":"` + meteroid.NewID("cus_", time.Now()) + `","plan_version_id":"` + plv + `"}`, nil, 500, true,
			`{"code":"INTERNAL_SERVER_ERROR","message":"Internal server error. Please refer to logs or support."}`},
		{"unknown plan version", `{"customer_id":"acme","plan_version_id":"` + meteroid.NewID("plv_", time.Now()) + `"}`, nil, 500, true, `"INTERNAL_SERVER_ERROR"`},
		{"no token", `{}`, []string{"Authorization", ""}, 401, true, `{"code":"UNAUTHORIZED","message":"Invalid or missing Authorization header"}`},
		{"empty token", `{}`, []string{"Authorization", "Bearer "}, 401, true, `{"code":"UNAUTHORIZED","message":"Invalid or missing Authorization header"}`},
		{"basic auth", `{}`, []string{"Authorization", "Basic eDp5"}, 401, true, `Invalid or missing Authorization header`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.do("POST", "/api/v1/checkout-sessions", tc.body, tc.hdr...)
			if a.status != tc.status || !strings.Contains(string(a.body), tc.want) {
				t.Errorf("got %d %q, want %d containing %q", a.status, a.body, tc.status, tc.want)
			}
			isJSON := strings.HasPrefix(a.header.Get("Content-Type"), "application/json")
			if isJSON != tc.json {
				t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
			}
		})
	}
	if n, _ := sb.Store.Count(context.Background()); n != 0 {
		t.Errorf("%d sessions stored by refused requests", n)
	}
}

func TestSandboxGetListCancel(t *testing.T) {
	c, sb := start(t)
	body := func(customer string) string {
		return `{"customer_id":"` + customer + `","plan_version_id":"` + meteroid.DemoPlanVersionPro + `"}`
	}
	a := create(t, c, body("acme"))
	b := create(t, c, body("globex"))
	d := create(t, c, body("acme"))

	got := c.do("GET", "/api/v1/checkout-sessions/"+a["id"].(string), "")
	if got.status != 200 || got.json(t)["session"].(map[string]any)["id"] != a["id"] {
		t.Errorf("get: %d %s", got.status, got.body)
	}
	if r := c.do("GET", "/api/v1/checkout-sessions/"+meteroid.NewID("che_", time.Now()), ""); r.status != 404 || string(r.body) != `{"code":"NOT_FOUND","message":"Resource not found"}` {
		t.Errorf("get unknown: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/api/v1/checkout-sessions/che_!x", ""); r.status != 400 || !strings.HasPrefix(string(r.body), "Invalid URL: ") {
		t.Errorf("get malformed: %d %s", r.status, r.body)
	}

	ids := func(r answer) []string {
		var out []string
		for _, s := range r.json(t)["sessions"].([]any) {
			out = append(out, s.(map[string]any)["id"].(string))
		}
		return out
	}
	all := c.do("GET", "/api/v1/checkout-sessions", "")
	if got, want := ids(all), []string{d["id"].(string), b["id"].(string), a["id"].(string)}; !slices.Equal(got, want) {
		t.Errorf("list: %v, want newest first %v", got, want)
	}
	acme := c.do("GET", "/api/v1/checkout-sessions?customer_id="+meteroid.DemoCustomerAcme, "")
	if got := ids(acme); len(got) != 2 {
		t.Errorf("list by customer: %v", got)
	}
	if r := c.do("GET", "/api/v1/checkout-sessions?customer_id=acme", ""); r.status != 400 || !strings.HasPrefix(string(r.body), "Failed to deserialize query string: ") {
		t.Errorf("list by alias: %d %s (the filter takes an ID only)", r.status, r.body)
	}
	if r := c.do("GET", "/api/v1/checkout-sessions?status=PAID", ""); r.status != 400 || !strings.Contains(string(r.body), "unknown variant `PAID`") {
		t.Errorf("list bad status: %d %s", r.status, r.body)
	}

	// Cancel: from CREATED, then never again; nor after payment.
	r := c.do("POST", "/api/v1/checkout-sessions/"+a["id"].(string)+"/cancel", "")
	s := r.json(t)["session"].(map[string]any)
	if r.status != 200 || s["status"] != "CANCELLED" || s["checkout_url"] != nil {
		t.Errorf("cancel: %d %s", r.status, r.body)
	}
	notCancel := `{"code":"BAD_REQUEST","message":"Invalid input: Checkout session not found or cannot be cancelled"}`
	if r := c.do("POST", "/api/v1/checkout-sessions/"+a["id"].(string)+"/cancel", ""); r.status != 400 || string(r.body) != notCancel {
		t.Errorf("cancel twice: %d %s", r.status, r.body)
	}
	if r := c.do("POST", "/api/v1/checkout-sessions/"+meteroid.NewID("che_", time.Now())+"/cancel", ""); r.status != 400 || string(r.body) != notCancel {
		t.Errorf("cancel unknown: %d %s", r.status, r.body)
	}
	ctx := context.Background()
	if _, err := sb.Store.Opened(ctx, b["id"].(string)); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Store.Pay(ctx, b["id"].(string)); err != nil {
		t.Fatal(err)
	}
	paid := c.do("GET", "/api/v1/checkout-sessions/"+b["id"].(string), "").json(t)["session"].(map[string]any)
	if paid["status"] != "COMPLETED" || paid["completed_at"] == nil || !strings.HasPrefix(paid["subscription_id"].(string), "sub_") || paid["checkout_url"] != nil {
		t.Errorf("paid: %v", paid)
	}
	if r := c.do("POST", "/api/v1/checkout-sessions/"+b["id"].(string)+"/cancel", ""); r.status != 400 {
		t.Errorf("cancel completed: %d %s", r.status, r.body)
	}
	if got := ids(c.do("GET", "/api/v1/checkout-sessions?status=COMPLETED", "")); !slices.Equal(got, []string{b["id"].(string)}) {
		t.Errorf("list COMPLETED: %v", got)
	}

	// Expiry: an hour later the open session reads EXPIRED, has no URL, and
	// cannot be cancelled.
	sb.Store.SetClock(func() time.Time { return time.Now().Add(61 * time.Minute) })
	exp := c.do("GET", "/api/v1/checkout-sessions/"+d["id"].(string), "").json(t)["session"].(map[string]any)
	if exp["status"] != "EXPIRED" || exp["checkout_url"] != nil {
		t.Errorf("expired: %v", exp)
	}
	if got := ids(c.do("GET", "/api/v1/checkout-sessions?status=EXPIRED", "")); !slices.Equal(got, []string{d["id"].(string)}) {
		t.Errorf("list EXPIRED: %v", got)
	}
	if r := c.do("POST", "/api/v1/checkout-sessions/"+d["id"].(string)+"/cancel", ""); r.status != 400 {
		t.Errorf("cancel expired: %d", r.status)
	}
}

func TestSandboxCatalog(t *testing.T) {
	c, _ := start(t)
	names := func(r answer, key string) []string {
		var out []string
		for _, x := range r.json(t)["data"].([]any) {
			out = append(out, x.(map[string]any)[key].(string))
		}
		return out
	}
	cust := c.do("GET", "/api/v1/customers", "")
	if got := names(cust, "name"); len(got) != 4 || got[0] != "Acme Corp" {
		t.Errorf("customers: %v", got)
	}
	page := c.do("GET", "/api/v1/customers?per_page=3&page=1", "").json(t)
	if meta := page["pagination_meta"].(map[string]any); meta["total_items"] != 4.0 || meta["total_pages"] != 2.0 || len(page["data"].([]any)) != 1 {
		t.Errorf("page 1: %v", page)
	}
	if r := c.do("GET", "/api/v1/customers?per_page=101", ""); r.status != 400 {
		t.Errorf("per_page 101: %d", r.status)
	}
	if r := c.do("GET", "/api/v1/customers/acme", ""); r.status != 200 || r.json(t)["id"] != meteroid.DemoCustomerAcme {
		t.Errorf("customer by alias: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/api/v1/customers/"+meteroid.DemoCustomerGlobex, ""); r.status != 200 || r.json(t)["alias"] != "globex" {
		t.Errorf("customer by ID: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/api/v1/customers/nobody", ""); r.status != 404 {
		t.Errorf("unknown customer: %d", r.status)
	}
	if got := names(c.do("GET", "/api/v1/plans?status=ACTIVE", ""), "name"); !slices.Equal(got, []string{"Starter", "Pro"}) {
		t.Errorf("active plans: %v", got)
	}
	if got := names(c.do("GET", "/api/v1/plans", ""), "name"); len(got) != 3 {
		t.Errorf("plans: %v", got)
	}
	if r := c.do("GET", "/api/v1/plans/"+meteroid.DemoPlanPro, ""); r.status != 200 || r.json(t)["version_id"] != meteroid.DemoPlanVersionPro {
		t.Errorf("plan: %d %s", r.status, r.body)
	}
	if got := names(c.do("GET", "/api/v1/plans/"+meteroid.DemoPlanPro+"/versions", ""), "id"); !slices.Equal(got, []string{meteroid.DemoPlanVersionPro, meteroid.DemoPlanVersionProOld}) {
		t.Errorf("versions: %v", got)
	}
	if got := names(c.do("GET", "/api/v1/addons", ""), "name"); len(got) != 2 {
		t.Errorf("add-ons: %v", got)
	}
	if r := c.do("GET", "/api/v1/addons/"+meteroid.DemoAddOnSeats, ""); r.status != 200 {
		t.Errorf("add-on: %d", r.status)
	}
	if got := names(c.do("GET", "/api/v1/coupons?filter=ACTIVE", ""), "code"); !slices.Equal(got, []string{"WELCOME10"}) {
		t.Errorf("active coupons: %v", got)
	}
	if r := c.do("GET", "/api/v1/coupons/"+meteroid.NewID("cou_", time.Now()), ""); r.status != 404 {
		t.Errorf("unknown coupon: %d", r.status)
	}
	// The server's fallback (handler_404 in api_rest/server.rs) is JSON.
	if r := c.do("GET", "/api/v1/invoices", ""); r.status != 404 || string(r.body) != `{"code":"NOT_FOUND","message":"Resource not found"}` {
		t.Errorf("unserved path: %d %q", r.status, r.body)
	}
	if r := c.do("GET", "/api/v1/invoices", "", "Authorization", ""); r.status != 401 {
		t.Errorf("unserved path without token: %d (auth runs first)", r.status)
	}
}

func TestSandboxFaults(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{FailRate: 1})
	c := client{t, sb.URL}
	r := c.do("POST", "/api/v1/checkout-sessions", `{"customer_id":"acme","plan_version_id":"`+meteroid.DemoPlanVersionPro+`"}`)
	if r.status != 503 || r.json(t)["code"] == nil {
		t.Errorf("fail-rate 1: %d %s", r.status, r.body)
	}
	if n, _ := sb.Store.Count(context.Background()); n != 0 {
		t.Errorf("a failed request created %d sessions", n)
	}

	limited := sandboxtest.Start(t, sandbox.Options{RateLimit: 2})
	lc := client{t, limited.URL}
	var codes []int
	var retry string
	for i := 0; i < 3; i++ {
		r := lc.do("GET", "/api/v1/checkout-sessions", "")
		codes = append(codes, r.status)
		retry = r.header.Get("Retry-After")
	}
	if !slices.Equal(codes, []int{200, 200, 429}) || retry == "" {
		t.Errorf("rate limit 2: %v Retry-After %q", codes, retry)
	}
}

func TestSandboxSequentialIDs(t *testing.T) {
	c, sb := start(t)
	sb.Store.SequentialIDs()
	body := `{"customer_id":"acme","plan_version_id":"` + meteroid.DemoPlanVersionPro + `"}`
	for _, want := range []string{"che_000001", "che_000002"} {
		if s := create(t, c, body); s["id"] != want {
			t.Errorf("id %v, want %s", s["id"], want)
		}
	}
	if r := c.do("GET", "/api/v1/checkout-sessions/che_000002", ""); r.status != 200 {
		t.Errorf("get che_000002: %d %s", r.status, r.body)
	}
}

// raw sends a request without the spec check of client.do: the answers
// here are the framework's, which the spec does not document.
func raw(t *testing.T, method, url string, body io.Reader, length int64, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	req.ContentLength = length
	req.Header.Set("Authorization", "Bearer sk_test")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}
}

// A wrong method on a path the server routes is axum's 405: an Allow
// header in the order the server registers its handlers, an empty body,
// after the auth layer.
func TestSandboxWrongMethod(t *testing.T) {
	_, sb := start(t)
	id := meteroid.NewID("che_", time.Now())
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", "/api/v1/checkout-sessions/" + id + "/cancel", "POST"},
		{"DELETE", "/api/v1/checkout-sessions", "POST,GET,HEAD"},
		{"POST", "/api/v1/checkout-sessions/" + id, "GET,HEAD"},
		{"PUT", "/api/v1/plans/" + meteroid.DemoPlanVersionPro + "/versions", "GET,HEAD"},
		{"POST", "/api/v1/coupons/WELCOME10", "GET,HEAD,PATCH"},
	} {
		r := raw(t, tc.method, sb.URL+tc.path, nil, 0)
		if r.status != 405 || r.header.Get("Allow") != tc.allow || len(r.body) != 0 {
			t.Errorf("%s %s: %d Allow %q %q, want 405 Allow %q", tc.method, tc.path, r.status, r.header.Get("Allow"), r.body, tc.allow)
		}
	}
	if r := raw(t, "GET", sb.URL+"/api/v1/checkout-sessions/"+id+"/cancel", nil, 0, "Authorization", "Basic eDp5"); r.status != 401 {
		t.Errorf("wrong method without a token: %d, want the auth layer's 401", r.status)
	}
}

// A body over the server's 1 MiB limit: tower-http's layer refuses a
// declared length before auth; one that only outgrows the limit while it
// is read fails axum's buffering.
func TestSandboxBodyLimit(t *testing.T) {
	_, sb := start(t)
	big := `{"customer_id":"acme","plan_version_id":"` + meteroid.DemoPlanVersionPro + `","invoice_memo":"` + strings.Repeat("x", 1<<20) + `"}`
	r := raw(t, "POST", sb.URL+"/api/v1/checkout-sessions", strings.NewReader(big), int64(len(big)), "Authorization", "")
	if r.status != 413 || string(r.body) != "length limit exceeded" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("declared: %d %q %q", r.status, r.body, r.header.Get("Content-Type"))
	}
	r = raw(t, "POST", sb.URL+"/api/v1/checkout-sessions", io.MultiReader(strings.NewReader(big)), -1)
	if r.status != 413 || string(r.body) != "Failed to buffer the request body: length limit exceeded" {
		t.Errorf("streamed: %d %q", r.status, r.body)
	}
	small := `{"customer_id":"acme","plan_version_id":"` + meteroid.DemoPlanVersionPro + `","invoice_memo":"` + strings.Repeat("x", 1<<19) + `"}`
	if r := raw(t, "POST", sb.URL+"/api/v1/checkout-sessions", strings.NewReader(small), int64(len(small))); r.status != 200 {
		t.Errorf("half a MiB: %d", r.status)
	}
	if n, _ := sb.Store.Count(context.Background()); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
}
