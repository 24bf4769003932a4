package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"gopkg.in/yaml.v3"

	"github.com/billctl/billctl/internal/contract"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

// These tests build the answers of the get, list and cancel endpoints from
// the providers' OpenAPI schemas (CheckoutSession, ListCheckoutSessionsResponse,
// Maple's CheckoutSession), the way a mock server such as Prism does, check
// that those answers conform to the spec, serve them to the real clients,
// and check what the clients decode. The requests the clients send on the
// way are held to the spec too.

const (
	meteroidSpec = "../../testdata/specs/meteroid-openapi.sdk.strict.json"
	mapleSpec    = "../../testdata/specs/maple-openapi.yaml"
	company      = "cmp_2MkGNwZq"
)

type spec struct {
	tree map[string]any

	mu sync.Mutex // the validator's caches are not documented as concurrency-safe
	v  validator.Validator
}

var (
	specsMu sync.Mutex
	specs   = map[string]*spec{}
)

func loadSpec(t *testing.T, path string) *spec {
	t.Helper()
	specsMu.Lock()
	defer specsMu.Unlock()
	if s, ok := specs[path]; ok {
		return s
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &spec{}
	if err := yaml.Unmarshal(src, &s.tree); err != nil { // JSON is YAML too
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(src)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc, config.WithoutSecurityValidation(), config.WithFormatAssertions())
	if len(errs) > 0 {
		t.Fatalf("%s: %v", path, errs)
	}
	s.v = v
	specs[path] = s
	return s
}

func (s *spec) schema(t *testing.T, name string) map[string]any {
	t.Helper()
	comps, _ := s.tree["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	sch, ok := schemas[name].(map[string]any)
	if !ok {
		t.Fatalf("no schema %s", name)
	}
	return sch
}

// Example modes: minimal is every required field with a value and every
// nullable field null, other optional fields left out (what a mock server
// answers when the spec gives no example); full gives every field a value.
type mode int

const (
	minimal mode = iota
	full
)

func (m mode) String() string { return [...]string{"minimal", "full"}[m] }

// example builds a value that conforms to sch: the schema's own example
// when it has one, else a plain value of its type and format.
func (s *spec) example(t *testing.T, sch map[string]any, m mode) any {
	t.Helper()
	if ref, ok := sch["$ref"].(string); ok {
		return s.example(t, s.schema(t, ref[strings.LastIndex(ref, "/")+1:]), m)
	}
	if c, ok := sch["const"]; ok {
		return c
	}
	if ex, ok := sch["examples"].([]any); ok && len(ex) > 0 {
		return ex[0]
	}
	if ex, ok := sch["example"]; ok {
		return ex
	}
	if e, ok := sch["enum"].([]any); ok {
		return e[0]
	}
	if e, ok := sch["x-unconfirmed-enum"].([]any); ok {
		return e[0]
	}
	if list, ok := sch["allOf"].([]any); ok {
		out := map[string]any{}
		for _, part := range list {
			for k, v := range s.example(t, part.(map[string]any), m).(map[string]any) {
				out[k] = v
			}
		}
		return out
	}
	if list, ok := sch["oneOf"].([]any); ok {
		for _, v := range list {
			if v.(map[string]any)["type"] != "null" {
				return s.example(t, v.(map[string]any), m)
			}
		}
	}
	switch typeOf(sch) {
	case "object":
		props, _ := sch["properties"].(map[string]any)
		required := map[string]bool{}
		for _, r := range listOf(sch["required"]) {
			required[fmt.Sprint(r)] = true
		}
		out := map[string]any{}
		for name, p := range props {
			ps := p.(map[string]any)
			switch {
			case required[name] || m == full:
				out[name] = s.example(t, ps, m)
			case nullable(ps):
				out[name] = nil
			}
		}
		return out
	case "array":
		items, _ := sch["items"].(map[string]any)
		return []any{s.example(t, items, m)}
	case "integer", "number":
		if min, ok := sch["minimum"]; ok {
			return min
		}
		return 0
	case "boolean":
		return true
	case "string":
		switch sch["format"] {
		case "date-time":
			return "2026-05-01T12:00:00Z"
		case "date":
			return "2026-05-01"
		}
		return "string"
	}
	return map[string]any{}
}

// typeOf is the schema's type other than null.
func typeOf(sch map[string]any) string {
	switch v := sch["type"].(type) {
	case string:
		return v
	case []any:
		for _, x := range v {
			if x != "null" {
				return fmt.Sprint(x)
			}
		}
	}
	if sch["properties"] != nil {
		return "object"
	}
	return ""
}

func nullable(sch map[string]any) bool {
	for _, x := range listOf(sch["type"]) {
		if x == "null" {
			return true
		}
	}
	for _, v := range listOf(sch["oneOf"]) {
		if v.(map[string]any)["type"] == "null" {
			return true
		}
	}
	return false
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sent is one request as the test server saw it.
type sent struct {
	method, uri string
	body        []byte
}

// server answers every request with answer and records it.
func server(t *testing.T, answer []byte) (*httptest.Server, *[]sent) {
	t.Helper()
	var mu sync.Mutex
	var got []sent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, sent{r.Method, r.URL.RequestURI(), body})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func httpClient(srv *httptest.Server) *httpx.Client {
	return httpx.New(httpx.Options{BaseURL: srv.URL, Token: "tok", UserAgent: "billctl/test"})
}

// conforms holds a request and the answer served to it to the spec.
func (s *spec) conforms(t *testing.T, specPath string, req sent, answer []byte) {
	t.Helper()
	if err := contract.ValidateRequest(specPath, req.method, req.uri, req.body); err != nil {
		t.Errorf("request: %v", err)
	}
	if err := s.checkAnswer(t, req, answer); err != nil {
		t.Error(err)
	}
}

// checkAnswer validates a 200 answer to req against the spec.
func (s *spec) checkAnswer(t *testing.T, req sent, answer []byte) error {
	t.Helper()
	hreq, err := http.NewRequest(req.method, "https://api.invalid"+req.uri, bytes.NewReader(req.body))
	if err != nil {
		t.Fatal(err)
	}
	res := &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(answer)),
		Request:    hreq,
	}
	s.mu.Lock()
	ok, errs := s.v.ValidateHttpResponse(hreq, res)
	s.mu.Unlock()
	if ok && len(errs) == 0 {
		return nil
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Message+": "+e.Reason)
		for _, f := range e.SchemaValidationErrors {
			msgs = append(msgs, "  at "+f.FieldPath+": "+f.Reason)
		}
	}
	return fmt.Errorf("the answer to %s %s does not conform to the spec:\n%s\n%s", req.method, req.uri, strings.Join(msgs, "\n"), answer)
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// sameJSON compares two JSON texts as values.
func sameJSON(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

// checkMeteroid compares a decoded session with the example it came from.
func checkMeteroid(t *testing.T, got *provider.Session, ex map[string]any) {
	t.Helper()
	want := provider.Session{
		ID: str(ex, "id"), Status: str(ex, "status"), Customer: str(ex, "customer_id"), Plan: str(ex, "plan_version_id"),
		URL: str(ex, "checkout_url"), ExpiresAt: str(ex, "expires_at"), CreatedAt: str(ex, "created_at"),
	}
	raw := got.Raw
	got.Raw = nil
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("decoded %+v, want %+v", *got, want)
	}
	if !sameJSON(t, raw, mustJSON(t, ex)) {
		t.Errorf("Raw is not the session as sent:\n got %s\nwant %s", raw, mustJSON(t, ex))
	}
}

func TestMeteroidAnswersFromTheSpecDecode(t *testing.T) {
	s := loadSpec(t, meteroidSpec)
	for _, m := range []mode{minimal, full} {
		t.Run(m.String(), func(t *testing.T) {
			ex := s.example(t, s.schema(t, "CheckoutSession"), m).(map[string]any)
			id := str(ex, "id")
			if m == minimal && (ex["expires_at"] != nil || ex["checkout_url"] != nil) {
				t.Fatalf("minimal example has values for nullable fields: %v", ex)
			}
			if m == full && (str(ex, "expires_at") == "" || str(ex, "checkout_url") == "") {
				t.Fatalf("full example lacks nullable fields: %v", ex)
			}

			t.Run("get", func(t *testing.T) {
				answer := mustJSON(t, s.example(t, s.schema(t, "GetCheckoutSessionResponse"), m))
				srv, reqs := server(t, answer)
				got, err := meteroid.New(httpClient(srv)).Get(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				checkMeteroid(t, got, ex)
				if len(*reqs) != 1 || (*reqs)[0].method != "GET" || (*reqs)[0].uri != "/api/v1/checkout-sessions/"+id {
					t.Fatalf("requests %+v", *reqs)
				}
				s.conforms(t, meteroidSpec, (*reqs)[0], answer)
			})

			t.Run("cancel", func(t *testing.T) {
				answer := mustJSON(t, s.example(t, s.schema(t, "CancelCheckoutSessionResponse"), m))
				srv, reqs := server(t, answer)
				got, err := meteroid.New(httpClient(srv)).Cancel(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				checkMeteroid(t, got, ex)
				if len(*reqs) != 1 || (*reqs)[0].method != "POST" || (*reqs)[0].uri != "/api/v1/checkout-sessions/"+id+"/cancel" {
					t.Fatalf("requests %+v", *reqs)
				}
				s.conforms(t, meteroidSpec, (*reqs)[0], answer)
			})

			t.Run("list", func(t *testing.T) {
				list := s.example(t, s.schema(t, "ListCheckoutSessionsResponse"), m).(map[string]any)
				// Two sessions, to see order kept.
				second := s.example(t, s.schema(t, "CheckoutSession"), m).(map[string]any)
				second["id"] = "che_second"
				list["sessions"] = append(list["sessions"].([]any), second)
				answer := mustJSON(t, list)
				srv, reqs := server(t, answer)
				// An alias is looked up first (list_alias.txtar); a customer
				// ID in either form goes to the filter as it is.
				filters := []provider.ListFilter{{}, {Customer: "cus_7n42DGM5Tflk9n8mt7Fhc7"}, {Status: "AWAITING_PAYMENT"}, {Customer: "0192d7a1-7a2c-7c4e-9b3e-1f1e2d3c4b5a", Status: "EXPIRED"}}
				for _, f := range filters {
					var got []*provider.Session
					err := meteroid.New(httpClient(srv)).List(context.Background(), f, func(s *provider.Session) error {
						got = append(got, s)
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != 2 {
						t.Fatalf("decoded %d sessions, want 2", len(got))
					}
					checkMeteroid(t, got[0], ex)
					if got[1].ID != "che_second" {
						t.Errorf("second session %q", got[1].ID)
					}
				}
				wantURIs := []string{
					"/api/v1/checkout-sessions",
					"/api/v1/checkout-sessions?customer_id=cus_7n42DGM5Tflk9n8mt7Fhc7",
					"/api/v1/checkout-sessions?status=AWAITING_PAYMENT",
					"/api/v1/checkout-sessions?customer_id=0192d7a1-7a2c-7c4e-9b3e-1f1e2d3c4b5a&status=EXPIRED",
				}
				if len(*reqs) != len(wantURIs) {
					t.Fatalf("requests %+v", *reqs)
				}
				for i, r := range *reqs {
					if r.method != "GET" || r.uri != wantURIs[i] || len(r.body) != 0 {
						t.Errorf("request %d: %s %s %q, want GET %s", i, r.method, r.uri, r.body, wantURIs[i])
					}
					s.conforms(t, meteroidSpec, r, answer)
				}
			})
		})
	}
}

func TestMapleAnswerFromTheSpecDecodes(t *testing.T) {
	s := loadSpec(t, mapleSpec)
	for _, m := range []mode{minimal, full} {
		t.Run(m.String(), func(t *testing.T) {
			ex := s.example(t, s.schema(t, "CheckoutSession"), m).(map[string]any)
			answer := mustJSON(t, ex)
			srv, reqs := server(t, answer)
			got, err := maple.New(httpClient(srv), company).Get(context.Background(), "che_1")
			if err != nil {
				t.Fatal(err)
			}
			want := provider.Session{ID: str(ex, "id"), Status: str(ex, "status"), Customer: str(ex, "customer_id"), URL: str(ex, "url"), CreatedAt: str(ex, "created_at")}
			if m == minimal && (want.URL != "" || want.Status != "") {
				t.Fatalf("minimal example has optional values: %s", answer)
			}
			raw := got.Raw
			got.Raw = nil
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("decoded %+v, want %+v", *got, want)
			}
			if !sameJSON(t, raw, answer) {
				t.Errorf("Raw is not the session as sent: %s", raw)
			}
			if len(*reqs) != 1 || (*reqs)[0].method != "GET" || (*reqs)[0].uri != "/api/v1/companies/"+company+"/checkout/che_1" {
				t.Fatalf("requests %+v", *reqs)
			}
			s.conforms(t, mapleSpec, (*reqs)[0], answer)
		})
	}
}

// An ID that could leave its path segment ("/", "?", "#", "..", a control
// character) is refused before anything is sent; any other is one path
// segment however it is spelled: escaped, never able to reach another
// endpoint.
func TestSessionIDsArePathEscaped(t *testing.T) {
	s := loadSpec(t, meteroidSpec)
	answer := mustJSON(t, s.example(t, s.schema(t, "GetCheckoutSessionResponse"), minimal))
	srv, reqs := server(t, answer)
	mc := meteroid.New(httpClient(srv))
	mapleSrv, mapleReqs := server(t, mustJSON(t, map[string]any{"id": "che_1"}))
	mp := maple.New(httpClient(mapleSrv), company)
	for _, bad := range []string{"../x", "che_1/cancel", "che_1?x=1", "che_1#x", "che_..", "che_1\x1b]0;x\a", "che_1\r"} {
		for name, call := range map[string]func() error{
			"meteroid get":    func() error { _, err := mc.Get(context.Background(), bad); return err },
			"meteroid cancel": func() error { _, err := mc.Cancel(context.Background(), bad); return err },
			"maple get":       func() error { _, err := mp.Get(context.Background(), bad); return err },
		} {
			if err := call(); exitcode.Code(err) != exitcode.Usage {
				t.Errorf("%s %q: %v (exit %d), want a refusal (exit 2)", name, bad, err, exitcode.Code(err))
			}
		}
	}
	if len(*reqs)+len(*mapleReqs) != 0 {
		t.Fatalf("refused IDs were sent: %+v %+v", *reqs, *mapleReqs)
	}
	// Meteroid's session IDs have a known shape (che_ and base62, or a
	// UUID): one outside it is refused before sending, as the server's
	// parser would refuse it. Maple's have none: it is sent, escaped.
	const id = "che_x y%z"
	if _, err := mc.Get(context.Background(), id); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("meteroid get %q: %v, want a refusal (exit 2)", id, err)
	}
	if _, err := mc.Cancel(context.Background(), id); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("meteroid cancel %q: %v, want a refusal (exit 2)", id, err)
	}
	if len(*reqs) != 0 {
		t.Fatalf("refused IDs were sent: %+v", *reqs)
	}
	if _, err := mp.Get(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range append(*reqs, *mapleReqs...) {
		got = append(got, r.method+" "+r.uri)
	}
	want := []string{
		"GET /api/v1/companies/" + company + "/checkout/che_x%20y%25z",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The example builder must itself follow the schemas, or the tests above
// prove little: every required field, nullable ones null when minimal.
func TestExamplesFollowTheSchema(t *testing.T) {
	s := loadSpec(t, meteroidSpec)
	sch := s.schema(t, "CheckoutSession")
	ex := s.example(t, sch, minimal).(map[string]any)
	for _, r := range listOf(sch["required"]) {
		if _, ok := ex[fmt.Sprint(r)]; !ok {
			t.Errorf("minimal example lacks required %v", r)
		}
	}
	var keys []string
	for k, v := range ex {
		keys = append(keys, k)
		if v == nil && !nullable(sch["properties"].(map[string]any)[k].(map[string]any)) {
			t.Errorf("%s is null but not nullable", k)
		}
	}
	sort.Strings(keys)
	props := sch["properties"].(map[string]any)
	if len(keys) != len(props) {
		// CheckoutSession's optional fields are all nullable, so the
		// minimal example names every property.
		t.Errorf("minimal example has %v, schema has %d properties", keys, len(props))
	}
	if ex["status"] != "CREATED" || ex["checkout_type"] != "SELF_SERVE" || ex["created_at"] != "2026-05-01T12:00:00Z" {
		t.Errorf("enum or date-time values: %v", ex)
	}
}

// The answer check catches what a server could get wrong.
func TestAnswerCheckSeesViolations(t *testing.T) {
	s := loadSpec(t, meteroidSpec)
	good := s.example(t, s.schema(t, "CheckoutSession"), minimal).(map[string]any)
	get := sent{method: "GET", uri: "/api/v1/checkout-sessions/che_1"}
	if err := s.checkAnswer(t, get, mustJSON(t, map[string]any{"session": good})); err != nil {
		t.Fatalf("the good answer: %v", err)
	}
	for name, edit := range map[string]func(m map[string]any){
		"unknown status":   func(m map[string]any) { m["status"] = "PAID" },
		"missing required": func(m map[string]any) { delete(m, "created_at") },
		"null required":    func(m map[string]any) { m["customer_id"] = nil },
		"bad date-time":    func(m map[string]any) { m["expires_at"] = "tomorrow" },
	} {
		bad := map[string]any{}
		for k, v := range good {
			bad[k] = v
		}
		edit(bad)
		if err := s.checkAnswer(t, get, mustJSON(t, map[string]any{"session": bad})); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
