package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/httpx/httpxtest"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// The fault tests run `checkout create` in-process against the sandbox
// with a fault injected into the create requests, and check for each
// provider the exit status, the message, and how many sessions the server
// really made: one where the create succeeded, never two.

const faultToken = "sk_fault_token_77"

// faultPass marks a request that a fault hands on to the sandbox itself.
const faultPass = "X-Fault-Pass"

// faulty wraps the sandbox: on decides what create attempt n (from 1)
// gets, returning false to let the sandbox answer normally.
type faulty struct {
	srv       *sandboxtest.API
	creates   atomic.Int32
	on        func(f *faulty, n int, w http.ResponseWriter, r *http.Request, body []byte) bool
	listFails bool
	// listExtra are sessions added to the list's answer, of kinds the
	// sandbox does not make (another checkout type).
	listExtra []map[string]any
	// cancel is Ctrl-C, for the faults that press it.
	cancel context.CancelFunc
}

func newFaulty(t *testing.T) *faulty {
	f := &faulty{srv: sandboxtest.StartAPI(t)}
	t.Cleanup(f.srv.Close)
	f.srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		if r.Header.Get(faultPass) != "" {
			return false
		}
		switch {
		case r.Method == http.MethodPost && (r.URL.Path == "/api/v1/checkout-sessions" || strings.HasSuffix(r.URL.Path, "/checkout")):
			n := int(f.creates.Add(1))
			return f.on != nil && f.on(f, n, w, r, body)
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/checkout-sessions" && f.listFails:
			writeFault(w, 500, "application/json", `{"code":"INTERNAL_SERVER_ERROR","message":"database unavailable"}`)
			return true
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/checkout-sessions" && f.listExtra != nil:
			var list struct {
				Sessions []any `json:"sessions"`
			}
			if err := json.Unmarshal(f.process(r, body).Body.Bytes(), &list); err != nil {
				panic(err)
			}
			for _, ss := range f.listExtra {
				list.Sessions = append(list.Sessions, ss)
			}
			b, _ := json.Marshal(list)
			writeFault(w, 200, "application/json", string(b))
			return true
		}
		return false
	}
	return f
}

// process lets the sandbox act on the request for real and returns its
// answer, which the fault then loses or spoils.
func (f *faulty) process(r *http.Request, body []byte) *httptest.ResponseRecorder {
	r2 := r.Clone(context.Background())
	r2.Header.Set(faultPass, "1")
	r2.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	f.srv.Config.Handler.ServeHTTP(rec, r2)
	return rec
}

// posts is how many create requests the server received.
func (f *faulty) posts() int { return int(f.creates.Load()) }

func writeFault(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// The faults, as functions of the create attempt they hit.

type faultFn = func(f *faulty, n int, w http.ResponseWriter, r *http.Request, body []byte) bool

// first applies fault to the first k attempts; the rest go through.
func first(k int, fault faultFn) faultFn {
	return func(f *faulty, n int, w http.ResponseWriter, r *http.Request, body []byte) bool {
		return n <= k && fault(f, n, w, r, body)
	}
}

func always(fault faultFn) faultFn { return first(1<<30, fault) }

// status answers without acting on the request.
func status(code int, retryAfter, contentType, body string) faultFn {
	return func(f *faulty, n int, w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeFault(w, code, contentType, body)
		return true
	}
}

const htmlBadGateway = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"

// actThenStatus creates the session, then a proxy loses the answer and
// says code instead.
func actThenStatus(code int) faultFn {
	return func(f *faulty, n int, w http.ResponseWriter, r *http.Request, body []byte) bool {
		f.process(r, body)
		writeFault(w, code, "text/html", htmlBadGateway)
		return true
	}
}

// hangUntilGivenUp waits, having read the request, until the client
// gives up; act says whether the session is created first.
func hangUntilGivenUp(act bool) faultFn {
	return func(f *faulty, n int, w http.ResponseWriter, r *http.Request, body []byte) bool {
		if act {
			f.process(r, body)
		}
		<-r.Context().Done()
		return true
	}
}

// actThenReset creates the session, then drops the connection.
func actThenReset(f *faulty, n int, w http.ResponseWriter, r *http.Request, body []byte) bool {
	f.process(r, body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	}
	return true
}

// trickle sends a 200 and then a byte now and then, forever.
func trickle(f *faulty, n int, w http.ResponseWriter, r *http.Request, _ []byte) bool {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	io.WriteString(w, `{"session": {"id": "che_`)
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return true
		case <-time.After(50 * time.Millisecond):
			io.WriteString(w, "x")
			w.(http.Flusher).Flush()
		}
	}
}

// interruptInFlight is Ctrl-C while the request is at the server.
func interruptInFlight(f *faulty, n int, w http.ResponseWriter, r *http.Request, _ []byte) bool {
	f.cancel()
	<-r.Context().Done()
	return true
}

// providerArgs are the flags of a minimal create for each provider.
var providerArgs = map[string][]string{
	"meteroid": {"--provider", "meteroid", "--customer", "cus_1", "--plan-version", "plv_1"},
	"maple":    {"--provider", "maple", "--company", "cmp_1", "--customer", "cus_1", "--config-item", "product_pricing_id=pp_1"},
}

type faultRun struct {
	code          int
	stdout, stder string
}

func runFaulty(t *testing.T, ctx context.Context, f *faulty, transport http.RoundTripper, args ...string) faultRun {
	t.Helper()
	streams, _, out, errb := outputtest.Streams()
	home := t.TempDir()
	env := map[string]string{
		"HOME":             home,
		"XDG_CONFIG_HOME":  filepath.Join(home, ".config"),
		"BILLCTL_TOKEN":    faultToken,
		"BILLCTL_BASE_URL": f.srv.URL,
	}
	fac := &cmdutil.Factory{IO: streams, Getenv: func(k string) string { return env[k] }, Context: ctx, Transport: transport}
	code := cli.Run(fac, append([]string{"checkout", "create"}, args...))
	return faultRun{code, out.String(), errb.String()}
}

// outcome is what one provider must show after a fault.
type outcome struct {
	code    int
	stdout  string   // held by stdout ("" = stdout empty)
	stderr  []string // each held by stderr
	created int      // sessions the server made
	posts   int      // create requests it received
}

type faultCase struct {
	name  string
	fault faultFn
	args  []string // added to the create
	setup func(t *testing.T, f *faulty)
	// Per provider; a missing provider does not run the case.
	want map[string]outcome
}

func faultCases() []faultCase {
	const mayHave = "meteroid: the create may have succeeded ("
	const checkWith = "Check with: billctl checkout list --customer cus_1"
	const keyHint = "Every attempt carried Idempotency-Key"
	ok := func(id string, posts int, stderr ...string) outcome {
		return outcome{code: 0, stdout: id, stderr: stderr, created: 1, posts: posts}
	}
	failed := func(created, posts int, stderr ...string) outcome {
		return outcome{code: 1, stderr: stderr, created: created, posts: posts}
	}
	return []faultCase{
		{
			name:  "503 then success",
			fault: first(1, status(503, "0", "application/json", `{"code":"UNAVAILABLE","message":"try again"}`)),
			args:  []string{"--debug"},
			want: map[string]outcome{
				"meteroid": ok("che_000001", 2, "attempt 1 of 4", "503 Service Unavailable: retrying in 0s (Retry-After)", "attempt 2 of 4", "Authorization: Bearer [REDACTED]"),
				"maple":    ok("chk_000001", 2, "attempt 1 of 4", "503 Service Unavailable: retrying in 0s (Retry-After)", "attempt 2 of 4", "Authorization: Bearer [REDACTED]"),
			},
		},
		{
			name:  "429 with Retry-After in seconds then success",
			fault: first(2, status(429, "0", "application/json", `{"code":"TOO_MANY_REQUESTS","message":"slow down"}`)),
			args:  []string{"--debug"},
			want: map[string]outcome{
				"meteroid": ok("che_000001", 3, "429 Too Many Requests: retrying in 0s (Retry-After); every request of this run waits"),
				"maple":    ok("chk_000001", 3, "429 Too Many Requests: retrying in 0s (Retry-After); every request of this run waits"),
			},
		},
		{
			name:  "429 with Retry-After as an HTTP date then success",
			fault: first(1, status(429, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), "application/json", `{"code":"TOO_MANY_REQUESTS","message":"slow down"}`)),
			want: map[string]outcome{
				"meteroid": ok("che_000001", 2),
				"maple":    ok("chk_000001", 2),
			},
		},
		{
			name:  "429 on every attempt",
			fault: always(status(429, "0", "application/json", `{"code":"TOO_MANY_REQUESTS","message":"slow down"}`)),
			args:  []string{"--retries", "2"},
			want: map[string]outcome{
				"meteroid": failed(0, 3, "meteroid: 429 TOO_MANY_REQUESTS: slow down", "Rate limited", "Gave up after 3 attempts"),
				"maple":    failed(0, 3, "maple: 429", "Rate limited", "Gave up after 3 attempts"),
			},
		},
		{
			name:  "--retries 0 makes one attempt",
			fault: always(status(503, "0", "application/json", `{"code":"UNAVAILABLE","message":"try again"}`)),
			args:  []string{"--retries", "0"},
			want: map[string]outcome{
				"meteroid": failed(0, 1, "meteroid: 503 UNAVAILABLE: try again"),
				"maple":    failed(0, 1, "maple: 503"),
			},
		},
		{
			name:  "502 before the server acted",
			fault: first(1, status(502, "", "text/html", htmlBadGateway)),
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"502: Bad Gateway (the server answered with an HTML page", "no session for customer cus_1 and plan version plv_1 created since ", "It was not sent again", checkWith),
				"maple":    ok("chk_000001", 2),
			},
		},
		{
			name:  "502 after the server created the session",
			fault: first(1, actThenStatus(502)),
			want: map[string]outcome{
				"meteroid": ok("che_000001", 1, "meteroid: adopted session che_000001, created by the attempt that got no clear answer (502: Bad Gateway"),
				"maple":    ok("chk_000001", 2),
			},
		},
		{
			name:  "504 after the server created the session",
			fault: first(1, actThenStatus(504)),
			want: map[string]outcome{
				"meteroid": ok("che_000001", 1, "meteroid: adopted session che_000001", "(504: Gateway Timeout"),
				"maple":    ok("chk_000001", 2),
			},
		},
		{
			name:  "500 is not retried",
			fault: first(1, status(500, "", "application/json", `{"code":"INTERNAL_SERVER_ERROR","message":"boom"}`)),
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"500 INTERNAL_SERVER_ERROR: boom)", "no session for customer cus_1", checkWith,
					"Customer cus_1 exists on this account, so a 500 from this endpoint most often means that plan version plv_1 does not"),
				"maple": failed(0, 1, "maple: 500"),
			},
		},
		{
			name:  "timeout after the server created the session",
			fault: first(1, hangUntilGivenUp(true)),
			args:  []string{"--timeout", "1s"},
			want: map[string]outcome{
				"meteroid": ok("che_000001", 1, "meteroid: adopted session che_000001, created by the attempt that got no clear answer (timeout after the request was sent)"),
				"maple":    ok("chk_000001", 2),
			},
		},
		{
			name:  "timeout and nothing created",
			fault: always(hangUntilGivenUp(false)),
			args:  []string{"--timeout", "1s", "--retries", "1"},
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"timeout after the request was sent); no session for customer cus_1 and plan version plv_1 created since", "it may still appear", checkWith),
				"maple":    failed(0, 2, "maple: POST ", "no answer within ", "(after 2 attempts)", keyHint),
			},
		},
		{
			name:  "connection reset after the server created the session",
			fault: first(1, actThenReset),
			want: map[string]outcome{
				"meteroid": ok("che_000001", 1, "meteroid: adopted session che_000001", "after the request was sent"),
				"maple":    ok("chk_000001", 2),
			},
		},
		{
			// The list filter takes no alias: the alias is looked up
			// first, and the session found under the customer's ID.
			name:  "customer given as an alias",
			fault: first(1, actThenStatus(502)),
			args:  []string{"--customer", "acme"},
			want: map[string]outcome{
				"meteroid": ok("che_000001", 1, "meteroid: adopted session che_000001"),
				// Maple has no aliases: its refusal is what the retry replays.
				"maple": failed(0, 2, "maple: 400 invalid_field", "customer_id: customer acme not found"),
			},
		},
		{
			// A customer the server does not know: no session can have
			// been made, and the error says so instead of "may have".
			name:  "customer given as an alias that does not exist",
			fault: first(1, status(500, "", "application/json", `{"code":"INTERNAL_SERVER_ERROR","message":"Internal error"}`)),
			args:  []string{"--customer", "acme-corp"},
			want: map[string]outcome{
				"meteroid": failed(0, 1, "meteroid: no customer acme-corp on this account, so no session was created (the create was answered 500 INTERNAL_SERVER_ERROR: Internal error; GET /api/v1/customers/acme-corp: 404)",
					"`billctl checkout create --customer <TAB>` lists the customers"),
			},
		},
		{
			// Only a session the create could have made is adopted.
			name:  "a session of another checkout type or status is not adopted",
			fault: first(1, status(502, "", "text/html", htmlBadGateway)),
			setup: func(t *testing.T, f *faulty) {
				now := time.Now().Add(time.Minute).UTC()
				f.listExtra = []map[string]any{{"id": "che_activation", "customer_id": "cus_1", "plan_version_id": "plv_1", "status": "CREATED",
					"checkout_type": "SUBSCRIPTION_ACTIVATION", "created_at": now.Format(time.RFC3339Nano)}}
				f.srv.AddSession(&sandbox.Session{ID: "che_paid", Customer: "cus_1", Request: []byte(`{"plan_version_id":"plv_1"}`),
					Status: sandbox.Completed, CreatedAt: now})
			},
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"502", "no session for customer cus_1 and plan version plv_1 created since"),
			},
		},
		{
			name:  "the reconcile list fails too",
			fault: first(1, actThenStatus(502)),
			setup: func(t *testing.T, f *faulty) { f.listFails = true },
			want: map[string]outcome{
				"meteroid": failed(1, 1, mayHave+"502", "a session for customer cus_1 and plan version plv_1 may exist; looking for it failed too (meteroid: 500 INTERNAL_SERVER_ERROR: database unavailable)", checkWith),
				"maple":    ok("chk_000001", 2),
			},
		},
		{
			name:  "an earlier session for the same customer and plan is not adopted",
			fault: first(1, status(502, "", "text/html", htmlBadGateway)),
			setup: func(t *testing.T, f *faulty) {
				f.srv.AddSession(&sandbox.Session{ID: "che_old", Customer: "cus_1", Request: []byte(`{"plan_version_id":"plv_1"}`),
					Status: sandbox.Created, CreatedAt: time.Now().Add(-time.Hour).UTC()})
			},
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"502", "no session for customer cus_1 and plan version plv_1 created since"),
			},
		},
		{
			name:  "malformed JSON",
			fault: always(status(200, "", "application/json", `{"session": {"id": "che_`)),
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"the 200 answer could not be read)", "no session for customer cus_1"),
				"maple":    failed(0, 1, "maple: 200: the response could not be read", keyHint),
			},
		},
		{
			name:  "HTML error page",
			fault: always(status(502, "", "text/html", htmlBadGateway)),
			args:  []string{"--retries", "1"},
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"502: Bad Gateway (the server answered with an HTML page, not the API's JSON"),
				"maple":    failed(0, 2, "maple: 502: Bad Gateway (the server answered with an HTML page, not the API's JSON", "Gave up after 2 attempts"),
			},
		},
		{
			name:  "empty body",
			fault: always(status(500, "", "", "")),
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"500: Internal Server Error (empty response body))"),
				"maple":    failed(0, 1, "maple: 500: Internal Server Error (empty response body)"),
			},
		},
		{
			name:  "10 MB body",
			fault: always(status(200, "", "application/json", `{"id":"`+strings.Repeat("x", 10<<20)+`"}`)),
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"the 200 answer's body was larger than 1 MiB)"),
				"maple":    failed(0, 1, "200 OK: the response body is larger than 1 MiB, the most billctl reads", keyHint),
			},
		},
		{
			name:  "body that trickles",
			fault: always(trickle),
			args:  []string{"--timeout", "1s", "--retries", "0"},
			want: map[string]outcome{
				"meteroid": failed(0, 1, mayHave+"the 200 answer's body did not arrive in time)"),
				"maple":    failed(0, 1, "200 OK: the response body did not arrive in full within 1s (--timeout)", keyHint),
			},
		},
		{
			name:  "Ctrl-C while the create is in flight",
			fault: always(interruptInFlight),
			want: map[string]outcome{
				"meteroid": {code: 130, stderr: []string{"meteroid: interrupted after the create request was sent: a session for customer cus_1 and plan version plv_1 may exist; check with: billctl checkout list --customer cus_1"}, created: 0, posts: 1},
				"maple":    {code: 130, stderr: []string{"maple: interrupted after the create request was sent: the session may exist.", keyHint}, created: 0, posts: 1},
			},
		},
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range faultCases() {
		for _, prov := range []string{"meteroid", "maple"} {
			want, ok := tc.want[prov]
			if !ok {
				continue
			}
			t.Run(prov+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newFaulty(t)
				f.on = tc.fault
				if tc.setup != nil {
					tc.setup(t, f)
				}
				before := f.srv.Created()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				f.cancel = cancel
				args := append(append([]string(nil), providerArgs[prov]...), tc.args...)
				got := runFaulty(t, ctx, f, nil, args...)
				checkOutcome(t, f, before, got, want)
			})
		}
	}
}

func checkOutcome(t *testing.T, f *faulty, before int, got faultRun, want outcome) {
	t.Helper()
	if got.code != want.code {
		t.Errorf("exit %d, want %d", got.code, want.code)
	}
	if want.stdout == "" && got.stdout != "" {
		t.Errorf("stdout = %q, want it empty", got.stdout)
	}
	if want.stdout != "" && !strings.Contains(got.stdout, want.stdout) {
		t.Errorf("stdout lacks %q:\n%s", want.stdout, got.stdout)
	}
	for _, s := range want.stderr {
		if !strings.Contains(got.stder, s) {
			t.Errorf("stderr lacks %q", s)
		}
	}
	for _, bad := range []string{"panic", "goroutine ", faultToken} {
		if strings.Contains(got.stder, bad) {
			t.Errorf("stderr holds %q", bad)
		}
	}
	if created := f.srv.Created() - before; created != want.created {
		t.Errorf("the server created %d session(s), want %d", created, want.created)
	}
	if f.posts() != want.posts {
		t.Errorf("the server received %d create request(s), want %d", f.posts(), want.posts)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", got.stdout, truncate(got.stder, 4000))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// refusedFirst refuses the first n connections, then connects.
func refusedFirst(t *testing.T, n int32) http.RoundTripper {
	tr, _, err := httpxtest.RefusingTransport(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func TestFaultConnectionRefused(t *testing.T) {
	for _, prov := range []string{"meteroid", "maple"} {
		t.Run(prov+"/refused then success", func(t *testing.T) {
			t.Parallel()
			f := newFaulty(t)
			got := runFaulty(t, context.Background(), f, refusedFirst(t, 1), append(providerArgs[prov], "--debug")...)
			id := map[string]string{"meteroid": "che_000001", "maple": "chk_000001"}[prov]
			checkOutcome(t, f, 0, got, outcome{code: 0, stdout: id, stderr: []string{"connection refused", "retrying in", "the request did not reach the server"}, created: 1, posts: 1})
		})
		t.Run(prov+"/refused every time", func(t *testing.T) {
			t.Parallel()
			f := newFaulty(t)
			got := runFaulty(t, context.Background(), f, refusedFirst(t, 100), append(providerArgs[prov], "--retries", "1")...)
			checkOutcome(t, f, 0, got, outcome{code: 1, stderr: []string{prov + ": POST ", "cannot connect", "connection refused", "(after 2 attempts)"}, created: 0, posts: 0})
		})
	}
}

func TestFaultRedirectToAnotherHost(t *testing.T) {
	for _, prov := range []string{"meteroid", "maple"} {
		t.Run(prov, func(t *testing.T) {
			t.Parallel()
			var stolen atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				stolen.Add(1)
			}))
			defer other.Close()
			f := newFaulty(t)
			f.on = func(f *faulty, n int, w http.ResponseWriter, r *http.Request, _ []byte) bool {
				http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
				return true
			}
			got := runFaulty(t, context.Background(), f, nil, providerArgs[prov]...)
			if stolen.Load() != 0 {
				t.Errorf("the other host received %d request(s)", stolen.Load())
			}
			checkOutcome(t, f, 0, got, outcome{code: 1, stderr: []string{"the server redirected to " + other.URL, "another host"}, created: 0, posts: 1})
		})
	}
}

// Maple keeps a key's first request: the same key with another body is
// explained and not retried; Meteroid ignores keys, so it has no such case.
func TestFaultMapleIdempotencyConflict(t *testing.T) {
	f := newFaulty(t)
	args := append(append([]string(nil), providerArgs["maple"]...), "--idempotency-key", "job-7", "-o", "id")
	first := runFaulty(t, context.Background(), f, nil, args...)
	if first.code != 0 || strings.TrimSpace(first.stdout) != "chk_000001" {
		t.Fatalf("first run: exit %d, stdout %q\n%s", first.code, first.stdout, first.stder)
	}
	again := runFaulty(t, context.Background(), f, nil, args...)
	if again.code != 0 || strings.TrimSpace(again.stdout) != "chk_000001" {
		t.Fatalf("same key and body: exit %d, stdout %q, want the stored chk_000001\n%s", again.code, again.stdout, again.stder)
	}
	if !strings.Contains(again.stder, `Idempotency-Key "job-7" was used before: this is the session created then`) {
		t.Errorf("the replay is not pointed out:\n%s", again.stder)
	}
	other := runFaulty(t, context.Background(), f, nil, append(args, "--metadata", "k=v")...)
	checkOutcome(t, f, 0, other, outcome{code: 1, stderr: []string{
		"maple: 409 idempotency_key_reused: Idempotency-Key job-7 was already used with a different request",
		`Idempotency-Key "job-7" was already used with a different request body`,
		"nothing was created now",
	}, created: 1, posts: 3})
}

// The sessions a create adopts are the ones it made: two documents of one
// batch for the same customer and plan never adopt each other's session.
// The second's outcome is unknown (a 502) and no session of its own is
// found, even when looked for again after a pause: none was made, and it
// is sent once more, so each document ends with a session of its own.
func TestFaultReconcileSkipsSessionsOfTheSameRun(t *testing.T) {
	f := newFaulty(t)
	f.on = func(f *faulty, n int, w http.ResponseWriter, r *http.Request, body []byte) bool {
		if n == 2 {
			// The second create fails before the server acts, after the
			// first one made its session.
			writeFault(w, 502, "text/html", htmlBadGateway)
			return true
		}
		return false
	}
	path := filepath.Join(t.TempDir(), "two.yaml")
	if err := os.WriteFile(path, []byte("customer_id: cus_1\nplan_version_id: plv_1\n---\ncustomer_id: cus_1\nplan_version_id: plv_1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := runFaulty(t, context.Background(), f, nil, "--provider", "meteroid", "-f", path, "--parallel", "1", "-o", "json")
	if got.code != 0 {
		t.Errorf("exit %d, want 0\n%s", got.code, got.stder)
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &items); err != nil || len(items) != 2 {
		t.Fatalf("stdout is not two results (%v):\n%s", err, got.stdout)
	}
	if items[0]["id"] != "che_000001" || items[1]["id"] != "che_000002" {
		t.Errorf("results %v; want document 1 created, and document 2 with a session of its own, not document 1's", items)
	}
	if f.srv.Created() != 2 || f.posts() != 3 {
		t.Errorf("the server created %d sessions from %d creates, want 2 from 3", f.srv.Created(), f.posts())
	}
}
