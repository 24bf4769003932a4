package meteroid

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/google/uuid"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
)

func TestIsCustomerID(t *testing.T) {
	for s, want := range map[string]bool{
		"cus_7n42DGM5Tflk9n8mt7Fhc7": true,
		"cus_1":                      true,
		"cus_":                       false,
		"acme-corp":                  false,
		"cus_acme-corp":              false,
		"CUS_1":                      false,
		"":                           false,
		"cus_é":                      false,
	} {
		if got := isCustomerID(s); got != want {
			t.Errorf("isCustomerID(%q) = %v, want %v", s, got, want)
		}
	}
}

// lostCreates answers every create with a 502 (the answer was lost on
// the way) and lists the sessions given.
type lostCreates struct {
	sessions []map[string]any
	// customers maps an alias to its customer's ID.
	customers map[string]string
	listQuery string
	posts     atomic.Int32
	lists     atomic.Int32
	key       atomic.Value
}

func (s *lostCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.posts.Add(1)
		s.key.Store(r.Header.Get("Idempotency-Key"))
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if alias, ok := strings.CutPrefix(r.URL.Path, "/api/v1/customers/"); ok {
		id, found := s.customers[alias]
		if !found {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"id": id, "name": alias})
		return
	}
	s.lists.Add(1)
	s.listQuery = r.URL.RawQuery
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"sessions": s.sessions})
}

func session(id string, created time.Time) map[string]any {
	return map[string]any{"id": id, "customer_id": "cus_1", "plan_version_id": "plv_1", "status": "CREATED",
		"checkout_type": "SELF_SERVE", "created_at": created.UTC().Format(time.RFC3339)}
}

func newTestClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return New(httpx.New(httpx.Options{BaseURL: srv.URL, Token: "t", Timeout: 10 * time.Second, Retries: 3}))
}

const createBody = `{"customer_id":"cus_1","plan_version_id":"plv_1"}`

// createReq is createBody as the engine hands it over: the subject comes
// from the typed request, not from the bytes.
var createReq = provider.Request{Body: []byte(createBody), Subject: provider.Subject{Customer: "cus_1", Plan: "plv_1"}}

func TestReconcileAdoptsTheOneSessionMadeSinceTheAttempt(t *testing.T) {
	h := &lostCreates{sessions: []map[string]any{
		session("che_new", time.Now()),
		session("che_old", time.Now().Add(-time.Hour)),
		{"id": "che_other_plan", "customer_id": "cus_1", "plan_version_id": "plv_2", "status": "CREATED", "checkout_type": "SELF_SERVE", "created_at": time.Now().UTC().Format(time.RFC3339)},
	}}
	c := newTestClient(t, h)
	s, err := c.Create(context.Background(), createReq, "k-1")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "che_new" {
		t.Errorf("adopted %s, want che_new", s.ID)
	}
	if h.posts.Load() != 1 || h.lists.Load() != 1 {
		t.Errorf("%d create(s) and %d list(s), want one of each", h.posts.Load(), h.lists.Load())
	}
	if h.key.Load() != "k-1" {
		t.Errorf("Idempotency-Key %q, want it sent as given", h.key.Load())
	}
	// Once handed out, a session is never adopted again by this client.
	_, err = c.Create(context.Background(), createReq, "k-2")
	var u *uncertain
	if !errors.As(err, &u) {
		t.Fatalf("second create: err = %v, want the outcome reported unknown", err)
	}
}

func TestReconcileRefusesToChooseBetweenSessions(t *testing.T) {
	h := &lostCreates{sessions: []map[string]any{session("che_b", time.Now()), session("che_a", time.Now())}}
	c := newTestClient(t, h)
	_, err := c.Create(context.Background(), createReq, "k")
	if err == nil {
		t.Fatal("a session was adopted among two")
	}
	for _, want := range []string{"session(s) che_a, che_b for customer cus_1 and plan version plv_1 were created since", "cannot tell which one", "Check with: billctl checkout list --customer cus_1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if exitcode.Code(err) != exitcode.Failure {
		t.Errorf("exit code %d, want %d", exitcode.Code(err), exitcode.Failure)
	}
	var api *provider.APIError
	if !errors.As(err, &api) || api.Status != http.StatusBadGateway {
		t.Errorf("the 502 is not kept in the error chain: %v", err)
	}
}

// A create whose answer was lost while another create of the same pair is
// in flight waits for that one to end, rather than give up: then the
// session found can only be its own.
func TestReconcileWaitsForTheOtherCreateOfThePair(t *testing.T) {
	h := &lostCreates{sessions: []map[string]any{session("che_1", time.Now())}}
	c := newTestClient(t, h)
	pair := target{"cus_1", "plv_1"}
	if err := c.begin(context.Background(), pair); err != nil { // another document of the batch, in flight
		t.Fatal(err)
	}
	type outcome struct {
		s   *provider.Session
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		s, err := c.Create(context.Background(), createReq, "k")
		done <- outcome{s, err}
	}()
	// Until the reconcile has started to wait, nothing can be checked.
	for !c.isSettling(pair) {
		runtime.Gosched()
	}
	select {
	case o := <-done:
		t.Fatalf("settled while the other create was in flight: %v, %v", o.s, o.err)
	default:
	}
	c.end(pair)
	o := <-done
	if o.err != nil || o.s.ID != "che_1" {
		t.Fatalf("Create = %v, %v; want che_1 adopted", o.s, o.err)
	}
}

func (c *Client) isSettling(t target) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.settling[t]) > 0
}

// Two sessions of the pair, each showing what its own request sent: each
// create whose answer was lost takes the one that shows its fields.
func TestReconcileTellsSessionsApartByTheirFields(t *testing.T) {
	a, b := session("che_a", time.Now()), session("che_b", time.Now())
	a["net_terms"], b["net_terms"] = 7, 30
	h := &lostCreates{sessions: []map[string]any{a, b}}
	c := newTestClient(t, h)
	req := provider.Request{Body: []byte(`{"customer_id":"cus_1","plan_version_id":"plv_1","net_terms":30}`), Subject: createReq.Subject}
	s, err := c.Create(context.Background(), req, "k")
	if err != nil || s.ID != "che_b" {
		t.Fatalf("Create = %v, %v; want che_b, the session with net_terms 30", s, err)
	}
}

// A create sent by an earlier run: the session found for it is adopted,
// one the journal already holds is not, and when none exists the request
// may be sent again.
func TestSettle(t *testing.T) {
	h := &lostCreates{sessions: []map[string]any{session("che_old", time.Now())}}
	c := newTestClient(t, h)
	since := time.Now().Add(-time.Minute)
	s, err := c.Settle(context.Background(), createReq, since)
	if err != nil || s == nil || s.ID != "che_old" {
		t.Fatalf("Settle = %v, %v; want che_old", s, err)
	}
	c2 := newTestClient(t, h)
	c2.Claim("che_old")
	s, err = c2.Settle(context.Background(), createReq, since)
	if err != nil || s != nil {
		t.Fatalf("Settle = %v, %v; want none made (nil, nil)", s, err)
	}
	if h.posts.Load() != 0 {
		t.Errorf("Settle sent %d create(s)", h.posts.Load())
	}
}

// A session of the pair that shows other values of the fields the
// request set (another document's, not yet claimed by it) is not this
// create's: none was made, and the request may be sent again.
func TestSettleIgnoresSessionsShowingOtherFields(t *testing.T) {
	other := session("che_other", time.Now())
	other["net_terms"] = 925
	h := &lostCreates{sessions: []map[string]any{other}}
	c := newTestClient(t, h)
	req := provider.Request{Body: []byte(`{"customer_id":"cus_1","plan_version_id":"plv_1","net_terms":921}`), Subject: createReq.Subject}
	s, err := c.Settle(context.Background(), req, time.Now().Add(-time.Minute))
	if err != nil || s != nil {
		t.Fatalf("Settle = %v, %v; want none made (nil, nil)", s, err)
	}
	// The document whose fields it shows takes it.
	mine := provider.Request{Body: []byte(`{"customer_id":"cus_1","plan_version_id":"plv_1","net_terms":925}`), Subject: createReq.Subject}
	s, err = c.Settle(context.Background(), mine, time.Now().Add(-time.Minute))
	if err != nil || s == nil || s.ID != "che_other" {
		t.Fatalf("Settle = %v, %v; want che_other", s, err)
	}
}

func TestCreateRetriesOnlyWhatWasNotProcessed(t *testing.T) {
	var posts atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io := `{"session":` + string(mustJSON(session("che_1", time.Now()))) + `}`
		w.Write([]byte(io))
	}))
	s, err := c.Create(context.Background(), createReq, "k")
	if err != nil || s.ID != "che_1" || posts.Load() != 2 {
		t.Fatalf("Create = %v, %v after %d posts; want che_1 after 2", s, err, posts.Load())
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// The server's IDs are a UUID in base62 behind a prefix; the vectors are
// the server's own test (Uuid::max) and values worked out by hand from its
// encoding (u128 rotated left by 67 bits, alphabet 0-9A-Za-z).
func TestCanonicalID(t *testing.T) {
	for _, tt := range []struct{ uuid, id string }{
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", "cus_7n42DGM5Tflk9n8mt7Fhc7"},
		{"00000000-0000-0000-0000-000000000001", "plv_2ppSGe8nKGQ4"},
		{"0190a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b", "plv_6L91OaVQf7Id906PmtXFyG"},
	} {
		prefix := tt.id[:4]
		if got := canonicalID(prefix, tt.id); got != tt.uuid {
			t.Errorf("canonicalID(%s) = %s, want %s", tt.id, got, tt.uuid)
		}
		if got := canonicalID(prefix, strings.ToUpper(tt.uuid)); got != tt.uuid {
			t.Errorf("canonicalID(%s) = %s, want %s", strings.ToUpper(tt.uuid), got, tt.uuid)
		}
		u := uuid.MustParse(tt.uuid)
		if got := ID(prefix, UUID{Hi: binary.BigEndian.Uint64(u[:8]), Lo: binary.BigEndian.Uint64(u[8:])}); got != tt.id {
			t.Errorf("ID(%s) = %s, want %s", tt.uuid, got, tt.id)
		}
	}
	for _, s := range []string{"acme", "plv_", "plv_not-base62", "plv_" + strings.Repeat("z", 23), "cus_1"} {
		if got := canonicalID("plv_", s); got != s && s != "cus_1" {
			t.Errorf("canonicalID(%q) = %q, want it as given", s, got)
		}
	}
}

// A plan version given as a UUID is the one the server answers in its
// plv_ form: the session made is adopted.
func TestReconcileComparesPlanVersionsInOneForm(t *testing.T) {
	const u = "0190a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"
	s := session("che_new", time.Now())
	s["plan_version_id"] = "plv_6L91OaVQf7Id906PmtXFyG"
	c := newTestClient(t, &lostCreates{sessions: []map[string]any{s}})
	req := provider.Request{Body: []byte(`{}`), Subject: provider.Subject{Customer: "cus_1", Plan: u}}
	got, err := c.Create(context.Background(), req, "k")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "che_new" {
		t.Errorf("adopted %s", got.ID)
	}
}

// Only a session the create could have made (SELF_SERVE, CREATED) is
// adopted.
func TestReconcileAdoptsOnlyASelfServeSessionStillCreated(t *testing.T) {
	for _, change := range []map[string]any{{"checkout_type": "SUBSCRIPTION_ACTIVATION"}, {"status": "COMPLETED"}, {"status": "EXPIRED"}} {
		s := session("che_new", time.Now())
		for k, v := range change {
			s[k] = v
		}
		c := newTestClient(t, &lostCreates{sessions: []map[string]any{s}})
		_, err := c.Create(context.Background(), createReq, "k")
		var un *uncertain
		if !errors.As(err, &un) || len(un.found) != 0 {
			t.Errorf("%v: err = %v, want nothing adopted or found", change, err)
		}
	}
}

// An alias is looked up (GET /api/v1/customers/{id_or_alias}) and the
// list filtered by the customer's ID, which the filter takes.
func TestReconcileResolvesAnAliasCustomer(t *testing.T) {
	s := session("che_new", time.Now())
	s["customer_id"] = "cus_7n42DGM5Tflk9n8mt7Fhc7"
	h := &lostCreates{sessions: []map[string]any{s}, customers: map[string]string{"acme": "cus_7n42DGM5Tflk9n8mt7Fhc7"}}
	c := newTestClient(t, h)
	req := provider.Request{Body: []byte(`{}`), Subject: provider.Subject{Customer: "acme", Plan: "plv_1"}}
	got, err := c.Create(context.Background(), req, "k")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "che_new" || h.listQuery != "customer_id=cus_7n42DGM5Tflk9n8mt7Fhc7" {
		t.Errorf("adopted %s after listing with %q", got.ID, h.listQuery)
	}
}

// The sessions a completion offers come from the unpaginated list, read
// only as far as needed, however long it is.
func TestSessionLookupReadsALongListOnlyAsFarAsNeeded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"sessions":[`)
		for i := range 20000 { // some 3 MiB
			if i > 0 {
				io.WriteString(w, ",")
			}
			fmt.Fprintf(w, `{"id":"che_%06d","customer_id":"cus_1","plan_version_id":"plv_1","status":"CREATED","checkout_type":"SELF_SERVE","created_at":"2026-05-01T12:00:00Z","checkout_url":"https://pay.example/%06d"}`, i, i)
		}
		io.WriteString(w, `]}`)
	}))
	t.Cleanup(srv.Close)
	items, err := Descriptor().Lookups[provider.Sessions](context.Background(), httpx.New(httpx.Options{BaseURL: srv.URL, Token: "t"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != maxSessionItems || items[0].ID != "che_000000" || items[0].Status != "CREATED" {
		t.Errorf("%d items, first %+v", len(items), items[0])
	}
}

// A 429 whose Retry-After is beyond the request's budget is not waited for
// here: the error keeps it, for a caller that asks again later
// (checkout --wait).
func TestGetKeepsRetryAfter(t *testing.T) {
	var gets atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		w.Header().Set("Retry-After", "90")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	_, err := c.Get(context.Background(), "che_4Qh5L7lvEqL7VRB7pZf7p6")
	var api *provider.APIError
	if !errors.As(err, &api) || api.Status != 429 || api.RetryAfter != 90*time.Second || gets.Load() != 1 {
		t.Fatalf("err = %#v after %d gets; want a 429 with RetryAfter 90s after 1", err, gets.Load())
	}
}
