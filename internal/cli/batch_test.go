package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// apikeys FILE: write the Idempotency-Key of every create the API
// received to FILE, one a line, sorted by length and then text (so K-2
// comes before K-10), whatever order the requests arrived in.
func cmdAPIKeys(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: apikeys FILE")
	}
	var keys []string
	for _, r := range server(ts).Requests() {
		if r.Method == http.MethodPost && !strings.HasSuffix(r.Path, "/cancel") {
			keys = append(keys, r.Header.Get("Idempotency-Key"))
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) < len(keys[j])
		}
		return keys[i] < keys[j]
	})
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(keys, "\n")+"\n"), 0o644))
}

// runBatch runs billctl in-process against srv and returns its exit status,
// stdout and stderr.
func runBatch(t *testing.T, ctx context.Context, srv *sandboxtest.API, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	streams, _, out, errb := outputtest.Streams()
	home := t.TempDir()
	vars := map[string]string{
		"HOME":             home,
		"XDG_CONFIG_HOME":  filepath.Join(home, ".config"),
		"BILLCTL_TOKEN":    "sk_batch",
		"BILLCTL_BASE_URL": srv.URL,
	}
	for k, v := range env {
		vars[k] = v
	}
	f := &cmdutil.Factory{IO: streams, Getenv: func(k string) string { return vars[k] }, Context: ctx}
	code := cli.Run(f, args)
	return code, out.String(), errb.String()
}

// writeBatch writes a YAML stream of n Meteroid documents, the customer of
// document i given by customer(i).
func writeBatch(t *testing.T, n int, customer func(i int) string) string {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString("---\n")
		}
		fmt.Fprintf(&b, "customer_id: %s\nplan_version_id: plv_1\n", customer(i))
	}
	path := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// numbered is cus_n1 … cus_nN: customers the API must know for writeBatch.
func numbered(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("cus_n%d", i+1)
	}
	return ids
}

// hasLine reports whether text has a line that starts with prefix and
// holds want.
func hasLine(text, prefix, want string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// customerOf reads the customer_id of a create request's body.
func customerOf(body []byte) string {
	var req struct {
		Customer string `json:"customer_id"`
	}
	_ = json.Unmarshal(body, &req)
	return req.Customer
}

// A thousand documents with bad answers mixed in and answers coming back
// out of order: every good document is created exactly once, every bad one
// is listed with its index and error, in place, and the exit status is 1.
func TestBatchThousandWithBadAnswers(t *testing.T) {
	const n = 1000
	bad := map[int]string{7: "cus_400", 123: "cus_404", 400: "cus_422", 555: "cus_500", 777: "cus_409", 1000: "cus_400"}
	customer := func(i int) string {
		if c, ok := bad[i]; ok {
			return c
		}
		return fmt.Sprintf("cus_n%d", i)
	}
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	// Every 50th document is slow, so that many after it finish first.
	srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		var i int
		if _, err := fmt.Sscanf(customerOf(body), "cus_n%d", &i); err == nil && i%50 == 1 {
			time.Sleep(30 * time.Millisecond)
		}
		return false
	}
	path := writeBatch(t, n, customer)

	code, out, errs := runBatch(t, context.Background(), srv, nil,
		"checkout", "create", "--provider", "meteroid", "-f", path, "--parallel", "16", "--retries", "0", "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}

	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("stdout is not a JSON array: %v", err)
	}
	if len(items) != n {
		t.Fatalf("%d results, want %d", len(items), n)
	}
	for i, it := range items {
		doc := i + 1
		if c, isBad := bad[doc]; isBad {
			e, _ := it["error"].(map[string]any)
			if it["index"] != float64(doc) || e == nil || e["status"] == nil {
				t.Errorf("result %d (%s) = %v, want its index and error", doc, c, it)
			}
			if !hasLine(errs, fmt.Sprintf("document %d: meteroid: ", doc), strings.TrimPrefix(c, "cus_")) {
				t.Errorf("stderr does not list document %d with its status:\n%s", doc, errs)
			}
			continue
		}
		if it["customer_id"] != customer(doc) {
			t.Fatalf("result %d is for %v, want %s: results out of input order", doc, it["customer_id"], customer(doc))
		}
	}

	created := map[string]int{}
	for _, s := range srv.Sessions() {
		created[s.Customer]++
	}
	if len(created) != n-len(bad) || srv.Created() != n-len(bad) {
		t.Errorf("%d sessions for %d customers, want %d", srv.Created(), len(created), n-len(bad))
	}
	for c, k := range created {
		if k != 1 {
			t.Errorf("%s has %d sessions, want 1", c, k)
		}
	}
	if want := fmt.Sprintf("created %d of %d, %d failed\n", n-len(bad), n, len(bad)); !strings.Contains(errs, want) {
		t.Errorf("stderr lacks the summary %q:\n%s", want, errs)
	}
}

// Ctrl-C stops the sending; what is in flight finishes and is printed, so
// that every session created shows in the output; the exit status is 130.
func TestBatchInterruptLetsInFlightFinish(t *testing.T) {
	const n, parallel, stopAt = 300, 4, 20
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	srv.Delay = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var creates atomic.Int32
	srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		if r.Method == http.MethodPost && creates.Add(1) == stopAt {
			cancel()
		}
		return false
	}
	path := writeBatch(t, n, func(i int) string { return fmt.Sprintf("cus_n%d", i) })

	code, out, errs := runBatch(t, ctx, srv, nil,
		"checkout", "create", "--provider", "meteroid", "-f", path, "--parallel", fmt.Sprint(parallel), "-o", "id")
	if code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "che_") {
			t.Errorf("line %d is %q: an in-flight request was aborted", i+1, l)
		}
	}
	if got := srv.Created(); got != len(lines) || got < stopAt || got > stopAt+parallel {
		t.Errorf("%d sessions created, %d printed; want the same, between %d and %d", got, len(lines), stopAt, stopAt+parallel)
	}
	if !strings.Contains(errs, fmt.Sprintf("created %d of %d, 0 failed, %d not sent\n", len(lines), n, n-len(lines))) {
		t.Errorf("stderr lacks the summary:\n%s", errs)
	}
	if want := fmt.Sprintf("interrupted; documents %d to %d were not sent", len(lines)+1, n); !strings.Contains(errs, want) {
		t.Errorf("stderr does not say %q:\n%s", want, errs)
	}
}

// A refused token would be refused for every document: the batch stops at
// once and exits 3 instead of sending them all.
func TestBatchStopsOnAuthRefusal(t *testing.T) {
	const n = 200
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	srv.Token = "sk_right"
	var mu sync.Mutex
	posts := 0
	srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		mu.Lock()
		posts++
		mu.Unlock()
		return false
	}
	path := writeBatch(t, n, func(i int) string { return fmt.Sprintf("cus_n%d", i) })
	code, _, errs := runBatch(t, context.Background(), srv, map[string]string{"BILLCTL_TOKEN": "sk_wrong"},
		"checkout", "create", "--provider", "meteroid", "-f", path, "--parallel", "4", "-o", "id")
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts >= n/2 {
		t.Errorf("%d of %d documents were sent after the token was refused", posts, n)
	}
	if !strings.Contains(errs, "401") || !strings.Contains(errs, "not sent") {
		t.Errorf("stderr should show the refusal and what was not sent:\n%s", errs)
	}
}

// Every worker goes through one connection pool that keeps a connection
// per worker: a long batch reuses them instead of opening one per session.
func TestBatchReusesConnections(t *testing.T) {
	const n, parallel = 400, 16
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	var mu sync.Mutex
	conns := map[string]bool{}
	srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		return false
	}
	path := writeBatch(t, n, func(i int) string { return fmt.Sprintf("cus_n%d", i) })
	code, _, errs := runBatch(t, context.Background(), srv, nil,
		"checkout", "create", "--provider", "meteroid", "-f", path, "--parallel", fmt.Sprint(parallel), "-o", "id")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	mu.Lock()
	defer mu.Unlock()
	// A dial raced by a connection coming free adds one now and then; a
	// pool too small for the workers opens one for most requests.
	if len(conns) > 2*parallel {
		t.Errorf("%d connections for %d requests with %d workers; want about one per worker", len(conns), n, parallel)
	}
}
