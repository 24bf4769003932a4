// Package local connects a command run with --sandbox to the sandbox: the
// `sandbox serve` listening at BILLCTL_SANDBOX_ADDR when one answers, else a
// sandbox inside the command, on the default database, reached through an
// in-memory transport. Either way the request goes through the same HTTP
// client as a request to a real account.
package local

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/endpoint"
)

// Transport decides on its first request: a server that accepts a
// connection at Addr gets the requests (over next, the real network);
// otherwise a sandbox is started in this process, on the default database,
// and answers them with no socket at all, serving the API shapes apis
// gives (the caller's catalogue of providers). Nothing is opened before a
// request is sent, so a --dry-run touches no database.
func Transport(getenv func(string) string, next http.RoundTripper, apis func() []sandbox.API) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{getenv: getenv, next: next, apis: apis}
}

type transport struct {
	getenv func(string) string
	next   http.RoundTripper
	apis   func() []sandbox.API

	once sync.Once
	rt   http.RoundTripper
	err  error
}

// probe is how long a connection to a running server may take: on
// loopback it is refused or accepted at once.
const probe = 300 * time.Millisecond

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.once.Do(func() { t.rt, t.err = t.connect(r.Context()) })
	if t.err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, t.err
	}
	return t.rt.RoundTrip(r)
}

func (t *transport) connect(ctx context.Context) (http.RoundTripper, error) {
	addr := endpoint.Addr(t.getenv)
	d := net.Dialer{Timeout: probe}
	if c, err := d.DialContext(ctx, "tcp", addr); err == nil {
		c.Close()
		return t.next, nil
	}
	path, err := sandbox.DefaultPathEnv(t.getenv)
	if err != nil {
		return nil, err
	}
	st, err := sandbox.Open(path)
	if err != nil {
		return nil, err
	}
	// The store stays open for the life of the command: every answer was
	// committed before it was given, so the process may end at any time.
	srv, err := sandbox.New(ctx, sandbox.Options{Store: st, BaseURL: "http://" + addr, APIs: t.apis()})
	if err != nil {
		st.Close()
		return nil, err
	}
	return srv.Transport(), nil
}
