package sandboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
	mapsb "github.com/billctl/billctl/internal/provider/maple/sandbox"
	"github.com/billctl/billctl/internal/provider/meteroid"
	msb "github.com/billctl/billctl/internal/provider/meteroid/sandbox"
	"github.com/billctl/billctl/internal/sandbox"
)

// CheckoutBase is where the checkout pages of an API's sessions are said to
// be: fixed, so that expected outputs do not hold a port.
const CheckoutBase = "https://checkout.example.com"

// RevokedToken is refused with 401 by both APIs, so tests can reach an
// account whose key no longer works (the sandbox itself takes any token).
const RevokedToken = "sk_revoked"

// Request is one request as the API received it.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// API is the sandbox (both APIs, an in-memory store, sequential IDs) behind
// a listener, with what tests need beyond its public knobs, in front of it:
// it records the requests, lets a test answer first (Fault), refuses
// RevokedToken, and answers the customer and session IDs of faults.go and
// hostile.go as a failing or hostile server would. Everything else is the
// sandbox's own answer.
type API struct {
	*httptest.Server
	Sandbox *sandbox.Server
	Store   *sandbox.Store

	// Fault, when set, sees each request first; returning true means it
	// has answered (a reset after the server acted, a trickling body…).
	// next is the sandbox behind the wrapper.
	Fault func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool
	// Token, when set, is the one bearer token accepted: any other is
	// refused as RevokedToken is.
	Token string
	// Delay is waited before each create is handed to the sandbox.
	Delay time.Duration

	mu       sync.Mutex
	requests []Request
	noURLs   map[string]bool // Maple sessions of cus_nourl
}

// NewAPI starts the API; Close stops it. Its catalogue is the demo one plus
// the test records of fixtures.go and the customers named (of both APIs).
func NewAPI(customers ...string) (*API, error) { return newAPI(true, customers) }

// NewDemoAPI is NewAPI with the demo catalogue alone, for tests of what
// lists it.
func NewDemoAPI() (*API, error) { return newAPI(false, nil) }

func newAPI(fixtures bool, customers []string) (*API, error) {
	st, err := sandbox.Open("")
	if err != nil {
		return nil, err
	}
	st.SequentialIDs()
	ctx := context.Background()
	if fixtures {
		if err := st.Seed(ctx, meteroid.Name, append(msb.Catalog(), meteroidFixtures(customers)...)); err != nil {
			st.Close()
			return nil, err
		}
		if err := st.Seed(ctx, maple.Name, append(mapsb.Catalog(), mapleFixtures(customers)...)); err != nil {
			st.Close()
			return nil, err
		}
	}
	srv, err := sandbox.New(ctx, sandbox.Options{Store: st, BaseURL: CheckoutBase, APIs: APIs()})
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &API{Sandbox: srv, Store: st}
	a.Server = httptest.NewServer(a)
	return a, nil
}

// StartAPI is NewAPI for one test.
func StartAPI(t testing.TB, customers ...string) *API {
	t.Helper()
	a, err := NewAPI(customers...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// StartDemoAPI is NewDemoAPI for one test.
func StartDemoAPI(t testing.TB) *API {
	t.Helper()
	a, err := NewDemoAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// Close stops the listener and closes the store.
func (a *API) Close() {
	a.Server.Close()
	a.Store.Close()
}

// Requests returns what the API received so far.
func (a *API) Requests() []Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Request(nil), a.requests...)
}

// Created is the number of sessions the sandbox holds.
func (a *API) Created() int {
	n, err := a.Store.Count(context.Background())
	if err != nil {
		panic(err) // an in-memory store that fails to count is a broken test
	}
	return n
}

// Sessions are the sessions the sandbox holds, oldest first.
func (a *API) Sessions() []*sandbox.Session {
	list, err := a.Store.Sessions(context.Background(), sandbox.Filter{})
	if err != nil {
		panic(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

// DemoOnly makes the catalogue the demo one alone (and forgets every
// session), for tests of what lists it.
func (a *API) DemoOnly() error {
	ctx := context.Background()
	if err := a.Store.Seed(ctx, meteroid.Name, msb.Catalog()); err != nil {
		return err
	}
	if err := a.Store.Seed(ctx, maple.Name, mapsb.Catalog()); err != nil {
		return err
	}
	return a.Store.Reset(ctx)
}

// AddSession stores a session as if it had been created.
func (a *API) AddSession(ss *sandbox.Session) {
	if ss.Provider == "" {
		ss.Provider = meteroid.Name
	}
	if ss.Request == nil {
		ss.Request = []byte("{}")
	}
	if ss.CreatedAt.IsZero() {
		ss.CreatedAt = a.Store.Now().UTC()
	}
	if err := a.Store.Update(context.Background(), func(tx *sandbox.Tx) error { return tx.InsertSession(ss) }); err != nil {
		panic(err)
	}
}

// ServeHTTP records r, then lets Fault, the refused token, the fault and
// hostile IDs answer, else the sandbox.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	a.mu.Lock()
	a.requests = append(a.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	a.mu.Unlock()
	if a.Fault != nil && a.Fault(w, r, body, a.Sandbox) {
		return
	}
	maple := strings.HasPrefix(r.URL.Path, "/api/v1/companies/")
	if tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); tok == RevokedToken || (a.Token != "" && tok != a.Token) {
		// Meteroid's answer to a key it cannot find (api_rest/auth.rs).
		msg := "Failed to resolve api key"
		if maple {
			msg = "invalid API key"
		}
		apiError(w, maple, http.StatusUnauthorized, "UNAUTHORIZED", msg)
		return
	}
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if r.Method == http.MethodPost {
		var req struct {
			Customer string `json:"customer_id"`
		}
		_ = json.Unmarshal(body, &req)
		id = req.Customer
	}
	if a.hostile(w, r, maple, id) || fault(w, maple, id) {
		return
	}
	if a.Delay > 0 && r.Method == http.MethodPost {
		time.Sleep(a.Delay)
	}
	if maple && a.noURL(w, r, id) {
		return
	}
	if r.Method == http.MethodPost && !maple && advance[id] != nil {
		a.createAdvanced(w, r, id)
		return
	}
	a.Sandbox.ServeHTTP(w, r)
}

// apiError answers an error in the shape of the API that owns the path.
func apiError(w http.ResponseWriter, maple bool, status int, code, msg string) {
	if !maple {
		APIs()[0].Error(w, status, code, msg)
		return
	}
	// Maple's body, its error_type following the status as Maple's does.
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
