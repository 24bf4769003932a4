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
	noURLs   map[string]bool // sessions of cus_nourl (APIs that may omit a URL)
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
		for _, api := range APIs() {
			items := api.Catalog()
			if k := kitOf(&api); k.Fixtures != nil {
				items = append(items, k.Fixtures(append(TestCustomers[:len(TestCustomers):len(TestCustomers)], customers...))...)
			}
			if err := st.Seed(ctx, api.Name, items); err != nil {
				st.Close()
				return nil, err
			}
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
	for _, api := range APIs() {
		if err := a.Store.Seed(ctx, api.Name, api.Catalog()); err != nil {
			return err
		}
	}
	return a.Store.Reset(ctx)
}

// AddSession stores a session as if it had been created; one of no
// provider is the first API's.
func (a *API) AddSession(ss *sandbox.Session) {
	if ss.Provider == "" {
		ss.Provider = APIs()[0].Name
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
	api := owner(r.URL.Path)
	k := kitOf(api)
	if tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); tok == RevokedToken || (a.Token != "" && tok != a.Token) {
		k.Error(w, http.StatusUnauthorized, "UNAUTHORIZED", k.Revoked)
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
	if a.hostile(w, r, api, id) || fault(w, k, id) {
		return
	}
	if a.Delay > 0 && r.Method == http.MethodPost {
		time.Sleep(a.Delay)
	}
	if k.DropURL != nil && a.noURL(w, r, k, id) {
		return
	}
	if r.Method == http.MethodPost && k.Created != nil && advance[id] != nil {
		a.createAdvanced(w, r, k, id)
		return
	}
	a.Sandbox.ServeHTTP(w, r)
}

// owner is the API whose path it is; a path no API owns (a page) is
// answered in the first API's shape.
func owner(path string) *sandbox.API {
	apis := APIs()
	for i := range apis {
		if apis[i].Owns(path) {
			return &apis[i]
		}
	}
	return &apis[0]
}

// kitOf is the test kit's cases of api, with the API's own error shape
// where it gives no other.
func kitOf(api *sandbox.API) *sandbox.Kit {
	var k sandbox.Kit
	if kit := sandbox.KitOf(api.Name); kit != nil {
		k = *kit
	}
	if k.Error == nil {
		k.Error = api.Error
	}
	return &k
}
