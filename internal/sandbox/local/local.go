// Package local connects a command run with --sandbox to the sandbox: the
// `sandbox serve` listening at BILLCTL_SANDBOX_ADDR when one answers, else a
// sandbox inside the command, on the default database, reached through an
// in-memory transport. Either way the request goes through the same HTTP
// client as a request to a real account.
package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/billctl/billctl/internal/safetext"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/endpoint"
)

// Transport decides on its first request: a server that accepts a
// connection at Addr gets the requests (over next, the real network);
// otherwise a sandbox is started in this process, on the default database,
// and answers them with no socket at all, serving the API shapes apis
// gives (the caller's catalogue of providers). Nothing is opened before a
// request is sent, so a --dry-run touches no database.
//
// A server that answers but does not say it is a billctl sandbox (its
// /readyz) is refused: it may be anything another program left on the
// port. note, when set (a terminal's stderr), is told once which server
// or database the command uses.
func Transport(getenv func(string) string, next http.RoundTripper, apis func() []sandbox.API, note io.Writer) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{getenv: getenv, next: next, apis: apis, note: note}
}

type transport struct {
	getenv func(string) string
	next   http.RoundTripper
	apis   func() []sandbox.API
	note   io.Writer

	once sync.Once
	rt   http.RoundTripper
	err  error
}

// probe is how long a connection to a running server may take: on
// loopback it is refused or accepted at once.
const probe = 300 * time.Millisecond

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.once.Do(func() {
		t.rt, t.err = t.connect(r.Context())
		if t.err != nil {
			t.err = refusal{t.err}
		}
	})
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
		// The question is the transport's own, not the request's: asked
		// under the request's context, the client's trace would count it
		// as the request sent.
		qctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		defer context.AfterFunc(ctx, cancel)()
		h, err := Identify(qctx, t.next, addr)
		if err != nil {
			return nil, err
		}
		t.say("the sandbox server at " + addr + " (database " + safetext.Line(h.Database) + ")")
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
	t.say("the sandbox in this command (database " + safetext.Line(path) + "; no server at " + addr + ")")
	return srv.Transport(), nil
}

func (t *transport) say(what string) {
	if t.note != nil {
		fmt.Fprintf(t.note, "--sandbox: %s\n", what)
	}
}

// refusal is why a --sandbox command sends nothing: what answers at the
// address is no sandbox, or the sandbox in the command could not start.
// The decision is made once, so no retry can change it (Refused tells the
// HTTP client so), and its text says all there is to say.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }
func (r refusal) Refused() bool { return true }

// ErrNotSandbox: what answers at the address is not a billctl sandbox.
var ErrNotSandbox = errors.New("not a billctl sandbox")

// Identify asks the server at addr what it is (GET /readyz, through rt):
// its health when it is a billctl sandbox that is ready, else an error
// that says what answers there.
func Identify(ctx context.Context, rt http.RoundTripper, addr string) (*sandbox.Health, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+sandbox.ReadyPath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("sandbox: the server at %s does not answer: %w", addr, err)
	}
	defer resp.Body.Close()
	var h sandbox.Health
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if json.Unmarshal(b, &h) != nil || h.Service != sandbox.Service {
		return nil, fmt.Errorf("sandbox: something answers at %s, but it is %w (GET %s: %s); stop it, or point BILLCTL_SANDBOX_ADDR at a `billctl sandbox serve`", addr, ErrNotSandbox, sandbox.ReadyPath, resp.Status)
	}
	if resp.StatusCode != http.StatusOK || h.Status != "ready" {
		return &h, fmt.Errorf("sandbox: the billctl sandbox at %s is not ready: %s", addr, safetext.Line(h.Error))
	}
	return &h, nil
}
