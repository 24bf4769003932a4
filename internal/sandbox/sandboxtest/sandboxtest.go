// Package sandboxtest starts the sandbox for tests: both APIs over an
// in-memory (or file) store, behind a real listener, and checks answers
// against the providers' OpenAPI documents.
package sandboxtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/billctl/billctl/internal/provider/registry"
	_ "github.com/billctl/billctl/internal/provider/registry/kits" // each API's cases
	"github.com/billctl/billctl/internal/sandbox"
)

// Sandbox is a running sandbox.
type Sandbox struct {
	URL    string
	Store  *sandbox.Store
	Server *sandbox.Server
	HTTP   *httptest.Server
}

// APIs are the API shapes of every registered provider.
func APIs() []sandbox.API { return registry.SandboxAPIs() }

// Start runs a sandbox until the test ends. opts.Store nil is a fresh
// in-memory store; opts.APIs nil is both APIs; opts.BaseURL is the
// listener's.
func Start(t testing.TB, opts sandbox.Options) *Sandbox {
	t.Helper()
	if opts.Store == nil {
		st, err := sandbox.Open("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		opts.Store = st
	}
	if opts.APIs == nil {
		opts.APIs = APIs()
	}
	var h http.Handler = http.NotFoundHandler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	if opts.BaseURL == "" {
		opts.BaseURL = hs.URL
	}
	srv, err := sandbox.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	h = srv
	return &Sandbox{URL: hs.URL, Store: opts.Store, Server: srv, HTTP: hs}
}
