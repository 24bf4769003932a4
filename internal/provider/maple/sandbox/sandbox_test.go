package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
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

func do(t *testing.T, base, method, path, body string, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := sandboxtest.CheckResponse(sandboxtest.Spec(maple.Name), req, res.StatusCode, res.Header, b); err != nil {
		t.Error(err)
	}
	return answer{res.StatusCode, res.Header, b}
}

var co = "/api/v1/companies/" + maple.DemoCompany

func body(customer string) string {
	return `{"type":"CHECKOUT_SESSION","customer_id":"` + customer + `","config_items":[{"product_pricing_id":"` + maple.DemoPricingPro + `","num_licenses":2}],"auto_renews":true,"term":{"count":12,"frequency":"MONTH"}}`
}

func TestSandboxCreateGet(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	a := do(t, sb.URL, "POST", co+"/checkout", body(maple.DemoCustomerAda))
	if a.status != 200 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	m := a.json(t)
	id := m["id"].(string)
	if !strings.HasPrefix(id, "chk_") || m["url"] != sb.URL+"/checkout/"+id || len(m) != 2 {
		t.Errorf("create answer: %s", a.body)
	}
	g := do(t, sb.URL, "GET", co+"/checkout/"+id, "")
	s := g.json(t)
	if g.status != 200 || s["status"] != "DRAFT" || s["customer_id"] != maple.DemoCustomerAda || s["type"] != "CHECKOUT_SESSION" ||
		s["auto_renews"] != true || s["auto_charges"] != nil || s["url"] == nil {
		t.Errorf("get: %d %s", g.status, g.body)
	}
	if _, err := sb.Store.Pay(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if s := do(t, sb.URL, "GET", co+"/checkout/"+id, "").json(t); s["status"] != "COMPLETE" || s["url"] != nil {
		t.Errorf("after payment: %v", s)
	}
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		typ                      string
	}{
		{"unknown session", "GET", co + "/checkout/chk_nothing", "", nil, 404, "request_error"},
		{"no token", "GET", co + "/checkout/" + id, "", []string{"Authorization", ""}, 401, "auth_error"},
		{"not bearer", "POST", co + "/checkout", body(maple.DemoCustomerAda), []string{"Authorization", "Token x"}, 401, "auth_error"},
		{"other company", "POST", "/api/v1/companies/cmp_other/checkout", body(maple.DemoCustomerAda), nil, 403, "auth_error"},
		{"not JSON", "POST", co + "/checkout", `{"type":`, nil, 400, "validation_error"},
		{"missing config_items", "POST", co + "/checkout", `{"type":"CHECKOUT_SESSION","customer_id":"` + maple.DemoCustomerAda + `"}`, nil, 400, "validation_error"},
		{"bad enum", "POST", co + "/checkout", `{"type":"INVOICE","customer_id":"x","config_items":[]}`, nil, 400, "validation_error"},
		{"unknown customer", "POST", co + "/checkout", body("cus_nobody"), nil, 400, "validation_error"},
		{"key too long", "POST", co + "/checkout", body(maple.DemoCustomerAda), []string{"Idempotency-Key", strings.Repeat("k", 65)}, 400, "validation_error"},
		{"unserved path", "GET", co + "/invoices", "", nil, 404, "request_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, sb.URL, tc.method, tc.path, tc.body, tc.hdr...)
			m := r.json(t)
			if r.status != tc.status || m["error_type"] != tc.typ || m["error_status"] != float64(tc.status) || m["error_message"] == "" {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tc.status, tc.typ)
			}
			for _, k := range []string{"error_message", "error_type", "error_code", "error_status", "validation_errors"} {
				if _, ok := m[k]; !ok {
					t.Errorf("key %s missing: %s", k, r.body)
				}
			}
		})
	}
	bad := do(t, sb.URL, "POST", co+"/checkout", `{"type":"CHECKOUT_SESSION","customer_id":"`+maple.DemoCustomerAda+`","config_items":[{"product_pricing_id":"pp_none"}]}`).json(t)
	ve, _ := bad["validation_errors"].([]any)
	if len(ve) != 1 || ve[0].(map[string]any)["field"] != "config_items[0].product_pricing_id" {
		t.Errorf("unknown pricing: %v", bad)
	}
}

func TestSandboxFind(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	r := do(t, sb.URL, "POST", co+"/customers/find", `{"pagination":{"limit":1},"sort_key":"createdAtDesc"}`)
	m := r.json(t)
	if r.status != 200 || len(m["results"].([]any)) != 1 || m["pagination"].(map[string]any)["from_key"] != maple.DemoCustomerGrace {
		t.Fatalf("find page 1: %d %s", r.status, r.body)
	}
	r = do(t, sb.URL, "POST", co+"/customers/find", `{"pagination":{"limit":1,"from_key":"`+maple.DemoCustomerGrace+`"},"sort_key":"createdAtDesc"}`)
	if m := r.json(t); m["results"].([]any)[0].(map[string]any)["id"] != maple.DemoCustomerGrace || m["pagination"].(map[string]any)["from_key"] != nil {
		t.Errorf("find page 2: %s", r.body)
	}
	if r := do(t, sb.URL, "POST", co+"/pricing/find", `{"pagination":{"limit":100},"sort_key":"createdAtDesc"}`); len(r.json(t)["results"].([]any)) != 3 {
		t.Errorf("pricings: %s", r.body)
	}
	if r := do(t, sb.URL, "POST", co+"/pricing/find", `{"pagination":{"limit":0}}`); r.status != 400 || len(r.json(t)["validation_errors"].([]any)) != 2 {
		t.Errorf("bad find: %d %s", r.status, r.body)
	}
}

// Idempotency: the first answer is replayed with Idempotency-Used: true,
// another body with the same key is 409, and both survive a restart.
func TestSandboxIdempotencyAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.db")
	open := func() *sandboxtest.Sandbox {
		st, err := sandbox.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return sandboxtest.Start(t, sandbox.Options{Store: st})
	}
	sb := open()
	first := do(t, sb.URL, "POST", co+"/checkout", body(maple.DemoCustomerAda), "Idempotency-Key", "job-1")
	if first.status != 200 || first.header.Get("Idempotency-Used") != "" || first.header.Get("Idempotency-Key") != "job-1" {
		t.Fatalf("first: %d %s %v", first.status, first.body, first.header)
	}
	refused := do(t, sb.URL, "POST", co+"/checkout", body("cus_nobody"), "Idempotency-Key", "job-2")
	sb.HTTP.Close()
	sb.Store.Close()

	sb = open()
	again := do(t, sb.URL, "POST", co+"/checkout", body(maple.DemoCustomerAda), "Idempotency-Key", "job-1")
	if again.status != 200 || string(again.body) != string(first.body) || again.header.Get("Idempotency-Used") != "true" {
		t.Errorf("replay after restart: %d %s %v", again.status, again.body, again.header)
	}
	other := do(t, sb.URL, "POST", co+"/checkout", body(maple.DemoCustomerGrace), "Idempotency-Key", "job-1")
	if m := other.json(t); other.status != 409 || m["error_type"] != "idempotency_error" {
		t.Errorf("conflict after restart: %d %s", other.status, other.body)
	}
	// An error answer is replayed too.
	rep := do(t, sb.URL, "POST", co+"/checkout", body("cus_nobody"), "Idempotency-Key", "job-2")
	if rep.status != 400 || string(rep.body) != string(refused.body) || rep.header.Get("Idempotency-Used") != "true" {
		t.Errorf("error replay: %d %s", rep.status, rep.body)
	}
	if n, _ := sb.Store.Count(context.Background()); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	// After 24 hours the key is free again.
	sb.Store.SetClock(func() time.Time { return time.Now().Add(sandbox.KeyTTL + time.Minute) })
	late := do(t, sb.URL, "POST", co+"/checkout", body(maple.DemoCustomerGrace), "Idempotency-Key", "job-1")
	if late.status != 200 || late.header.Get("Idempotency-Used") != "" || late.json(t)["id"] == first.json(t)["id"] {
		t.Errorf("after 24 h: %d %s", late.status, late.body)
	}
}

// The sandbox answers as Maple's spec allows and refuses what it refuses:
// a bundle pricing the company lacks is a validation error as an unknown
// customer is; an unconfirmed enum (term.frequency, a discount's type)
// takes any string, and properties the spec does not list are allowed.
func TestSandboxFollowsItsSpec(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	create := func(extra string) answer {
		return do(t, sb.URL, "POST", co+"/checkout", `{"type":"CHECKOUT_SESSION","customer_id":"`+maple.DemoCustomerAda+`","config_items":[]`+extra+`}`)
	}
	a := create(`,"bundle_pricing_id":"bp_4Rt8KzW2"`)
	if m := a.json(t); a.status != 400 || m["error_type"] != "validation_error" ||
		!strings.Contains(string(a.body), `{"field":"bundle_pricing_id","message":"bundle pricing bp_4Rt8KzW2 not found"}`) {
		t.Errorf("unknown bundle: %d %s", a.status, a.body)
	}
	if a := create(`,"bundle_pricing_id":"` + maple.DemoBundleStarter + `"`); a.status != 200 {
		t.Errorf("demo bundle: %d %s", a.status, a.body)
	}
	for _, extra := range []string{
		`,"term":{"count":1,"frequency":"QUARTER"}`,
		`,"trial_term":{"count":2,"frequency":"FORTNIGHT"},"trial":true`,
		`,"discounts":[{"name":"Launch","type":"DISCOUNT_FIXED","amount":{"currency":"USD","value_in_cents":500}}]`,
		`,"source":"crm","options":{"theme":"dark"}`,
	} {
		if a := create(extra); a.status != 200 {
			t.Errorf("%s: %d %s", extra, a.status, a.body)
		}
	}
	for extra, field := range map[string]string{
		`,"term":{"count":1,"frequency":12}`:      "term.frequency",
		`,"term":{"count":0,"frequency":"MONTH"}`: "term.count",
		`,"auto_renews":"yes"`:                    "auto_renews",
	} {
		if a := create(extra); a.status != 400 || !strings.Contains(string(a.body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 on %s", extra, a.status, a.body, field)
		}
	}
	// The same key with the same JSON, spaced and ordered otherwise.
	first := do(t, sb.URL, "POST", co+"/checkout", body(maple.DemoCustomerGrace), "Idempotency-Key", "ws-1")
	var v map[string]any
	_ = json.Unmarshal([]byte(body(maple.DemoCustomerGrace)), &v)
	spaced, _ := json.MarshalIndent(v, "", "   ")
	again := do(t, sb.URL, "POST", co+"/checkout", string(spaced), "Idempotency-Key", "ws-1")
	if first.status != 200 || again.status != 200 || string(again.body) != string(first.body) || again.header.Get("Idempotency-Used") != "true" {
		t.Errorf("same JSON written otherwise: %d %s, then %d %s", first.status, first.body, again.status, again.body)
	}
}
