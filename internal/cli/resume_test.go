package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// proc is billctl run as a process of its own (the test binary, which
// testscript puts on $PATH as billctl), so that it can be killed.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

func startBillctl(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command("billctl", args...)}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BILLCTL_") && !strings.HasPrefix(kv, "XDG_") && !strings.HasPrefix(kv, "HOME=") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// wait returns the exit status, -1 for a process killed by a signal.
func (p *proc) wait() int {
	err := p.cmd.Wait()
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -2
}

// batchEnv is what runBatch and startBillctl share so that both runs of a
// batch find the same journal.
func batchEnv(t *testing.T, srv *sandboxtest.API) map[string]string {
	home := t.TempDir()
	return map[string]string{
		"HOME":             home,
		"XDG_CONFIG_HOME":  filepath.Join(home, ".config"),
		"XDG_STATE_HOME":   filepath.Join(home, ".local", "state"),
		"BILLCTL_TOKEN":    "sk_batch",
		"BILLCTL_BASE_URL": srv.URL,
	}
}

// inFlight counts the creates the API is handling, so that a test can wait
// for those of a killed process to end before the next run.
type inFlight struct {
	n     atomic.Int32
	posts atomic.Int32
}

func (f *inFlight) track(srv *sandboxtest.API, onPost func(n int32)) {
	srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		if r.Method != http.MethodPost {
			return false
		}
		f.n.Add(1)
		n := f.posts.Add(1)
		if onPost != nil {
			onPost(n)
		}
		next.ServeHTTP(w, r)
		f.n.Add(-1)
		return true
	}
}

func (f *inFlight) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.n.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the API is still handling creates of the killed process")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func idLines(out string) []string {
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// A batch killed with SIGKILL in the middle, run again: the second run
// prints the IDs the first one printed, from the journal, in their places;
// settles the creates that were in flight at the kill (Meteroid: reconcile
// finds their sessions; Maple: the same key again, replayed) and creates
// only the rest. Every customer ends with exactly one session.
func TestBatchResumesAfterKill(t *testing.T) {
	for _, prov := range []string{"meteroid", "maple"} {
		t.Run(prov, func(t *testing.T) { resumeAfterKill(t, prov) })
	}
}

func resumeAfterKill(t *testing.T, prov string) {
	const n, killAt = 80, 30
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	srv.Delay = 10 * time.Millisecond
	env := batchEnv(t, srv)
	path := writeBatch(t, n, func(i int) string { return fmt.Sprintf("cus_n%d", i) })
	args := []string{"checkout", "create", "--provider", prov, "-f", path, "--parallel", "4", "-o", "id"}
	if prov == "maple" {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "---\ncustomer_id: cus_n%d\nproduct_pricing_ids: [pp_1]\n", i)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--company", "cmp_1")
	}

	var f inFlight
	var first *proc
	var once sync.Once
	ready := make(chan struct{})
	f.track(srv, func(k int32) {
		if k == killAt {
			<-ready
			once.Do(func() { _ = first.cmd.Process.Signal(syscall.SIGKILL) })
		}
	})
	first = startBillctl(t, env, args...)
	close(ready)
	if code := first.wait(); code != -1 {
		t.Fatalf("the first run exited %d, want killed\n%s", code, first.stderr.String())
	}
	f.settle(t)
	before := srv.Created()
	printed := idLines(first.stdout.String())
	if first.stdout.Len() == 0 {
		printed = nil
	}
	if before < killAt || len(printed) >= before {
		t.Fatalf("the kill came at the wrong moment: %d sessions, %d printed", before, len(printed))
	}
	postsBefore := f.posts.Load()

	code, out, errs := runBatch(t, context.Background(), srv, env, args...)
	if code != 0 {
		t.Fatalf("the second run exited %d\n%s", code, errs)
	}
	lines := idLines(out)
	if len(lines) != n {
		t.Fatalf("the second run printed %d lines, want %d", len(lines), n)
	}
	for i, id := range printed {
		if lines[i] != id {
			t.Errorf("line %d is %s, the first run printed %s", i+1, lines[i], id)
		}
	}
	sent := int(f.posts.Load() - postsBefore)
	switch prov {
	case "meteroid":
		// Reconcile lists sessions; it sends no create.
		if sent != n-before {
			t.Errorf("the second run sent %d creates, want %d (only the documents without a session)", sent, n-before)
		}
	case "maple":
		// The creates whose answer was lost are sent again with their
		// key, and replayed; those with a recorded session are not sent.
		// The journal may also hold, for up to --parallel documents, that
		// they were about to be sent: they are sent with that key.
		if sent < n-before || sent > n-len(printed)+4 {
			t.Errorf("the second run sent %d creates, want between %d and %d", sent, n-before, n-len(printed)+4)
		}
	}
	if !strings.Contains(errs, "session(s) were created by an earlier run of this batch and printed from its journal") {
		t.Errorf("stderr does not say what came from the journal:\n%s", errs)
	}
	perCustomer := map[string]int{}
	for _, s := range srv.Sessions() {
		perCustomer[s.Customer]++
	}
	for i := 1; i <= n; i++ {
		if c := fmt.Sprintf("cus_n%d", i); perCustomer[c] != 1 {
			t.Errorf("%s has %d sessions, want 1", c, perCustomer[c])
		}
	}
}

// A file changed since an unfinished run is refused with exit 2, naming
// the file and --restart, and nothing is sent.
func TestBatchChangedFileRefused(t *testing.T) {
	srv := sandboxtest.StartAPI(t, "cus_1", "cus_2", "cus_3")
	env := batchEnv(t, srv)
	path := filepath.Join(t.TempDir(), "three.yaml")
	write := func(second string) {
		body := "customer_id: cus_1\nplan_version_id: plv_1\n---\ncustomer_id: " + second + "\nplan_version_id: plv_1\n---\ncustomer_id: cus_3\nplan_version_id: plv_1\n"
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cus_404")
	args := []string{"checkout", "create", "--provider", "meteroid", "-f", path, "-o", "id"}
	if code, _, errs := runBatch(t, context.Background(), srv, env, args...); code != 1 {
		t.Fatalf("first run: exit %d, want 1\n%s", code, errs)
	}
	write("cus_2")
	reqs := len(srv.Requests())
	code, out, errs := runBatch(t, context.Background(), srv, env, args...)
	if code != 2 || out != "" || len(srv.Requests()) != reqs {
		t.Errorf("changed file: exit %d, stdout %q, %d request(s) sent; want 2, nothing", code, out, len(srv.Requests())-reqs)
	}
	if !strings.Contains(errs, path+" changed since a run of it stopped") || !strings.Contains(errs, "--restart") {
		t.Errorf("the refusal does not name the file and --restart:\n%s", errs)
	}
}

// SIGTERM, as a CI system stops a job: no new document is sent, the
// answers in flight are waited for and printed, and the exit status is
// 143. Every session created is in the output.
func TestBatchSIGTERM(t *testing.T) {
	const n, stopAt = 200, 20
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	srv.Delay = 20 * time.Millisecond
	env := batchEnv(t, srv)
	path := writeBatch(t, n, func(i int) string { return fmt.Sprintf("cus_n%d", i) })

	var f inFlight
	var p *proc
	var once sync.Once
	ready := make(chan struct{})
	f.track(srv, func(k int32) {
		if k == stopAt {
			<-ready
			once.Do(func() { _ = p.cmd.Process.Signal(syscall.SIGTERM) })
		}
	})
	p = startBillctl(t, env, "checkout", "create", "--provider", "meteroid", "-f", path, "--parallel", "4", "-o", "id")
	close(ready)
	code := p.wait()
	f.settle(t)
	errs := p.stderr.String()
	if code != 143 {
		t.Fatalf("exit %d, want 143\n%s", code, errs)
	}
	lines := idLines(p.stdout.String())
	for i, l := range lines {
		if !strings.HasPrefix(l, "che_") {
			t.Errorf("line %d is %q, want a session ID", i+1, l)
		}
	}
	if got := srv.Created(); got != len(lines) || got < stopAt {
		t.Errorf("%d sessions created, %d printed: every session created must be printed", got, len(lines))
	}
	if want := fmt.Sprintf("terminated; documents %d to %d were not sent", len(lines)+1, n); !strings.Contains(errs, want) {
		t.Errorf("stderr does not say %q:\n%s", want, errs)
	}
}

// Two runs of the same batch at once: the second is refused before it
// sends anything, naming the journal; the first goes on to the end.
func TestBatchJournalLock(t *testing.T) {
	const n = 40
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	srv.Delay = 20 * time.Millisecond
	env := batchEnv(t, srv)
	path := writeBatch(t, n, func(i int) string { return fmt.Sprintf("cus_n%d", i) })
	journal := filepath.Join(t.TempDir(), "many.journal")
	args := []string{"checkout", "create", "--provider", "meteroid", "-f", path, "--parallel", "2", "-o", "id", "--journal", journal}

	var f inFlight
	started := make(chan struct{})
	var once sync.Once
	f.track(srv, func(int32) { once.Do(func() { close(started) }) })
	type outcome struct {
		code      int
		out, errs string
	}
	done := make(chan outcome, 1)
	go func() {
		code, out, errs := runBatch(t, context.Background(), srv, env, args...)
		done <- outcome{code, out, errs}
	}()
	<-started

	code, out, errs := runBatch(t, context.Background(), srv, env, args...)
	postsAfterSecond := f.posts.Load()
	if code != 2 || out != "" {
		t.Errorf("the second run exited %d with %q on stdout, want 2 and nothing", code, out)
	}
	if !strings.Contains(errs, "another billctl is sending this batch now") || !strings.Contains(errs, journal) {
		t.Errorf("the refusal does not say why or name the journal:\n%s", errs)
	}
	first := <-done
	if first.code != 0 || len(idLines(first.out)) != n {
		t.Fatalf("the first run exited %d with %d lines\n%s", first.code, len(idLines(first.out)), first.errs)
	}
	if got := srv.Created(); got != n || int(f.posts.Load()) != n {
		t.Errorf("%d sessions from %d creates (%d when the second run was refused), want %d: the second run sent", got, f.posts.Load(), postsAfterSecond, n)
	}
	// Once the first has ended, the same command resumes (nothing left to send).
	code, out, errs = runBatch(t, context.Background(), srv, env, args...)
	if code != 0 || len(idLines(out)) != n || int(f.posts.Load()) != n {
		t.Errorf("after the first run ended: exit %d, %d lines, %d creates\n%s", code, len(idLines(out)), f.posts.Load(), errs)
	}
}

// A server that goes away for good stops the batch: once every worker
// has failed to connect, the rest is not sent (each document would spend
// its whole retry budget), and the summary counts it.
func TestBatchStopsWhenServerGone(t *testing.T) {
	const n, goneAt = 300, 10
	srv := sandboxtest.StartAPI(t, numbered(n)...)
	env := batchEnv(t, srv)
	path := writeBatch(t, n, func(i int) string { return fmt.Sprintf("cus_n%d", i) })
	var f inFlight
	f.track(srv, func(k int32) {
		if k == goneAt {
			go srv.Server.Close()
		}
	})
	start := time.Now()
	code, out, errs := runBatch(t, context.Background(), srv, env,
		"checkout", "create", "--provider", "meteroid", "-f", path, "--parallel", "4", "--retries", "1", "-o", "id")
	took := time.Since(start)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	if !strings.Contains(errs, "the server cannot be reached") || !strings.Contains(errs, "sending stopped") {
		t.Errorf("stderr does not say the server is gone:\n%s", errs)
	}
	created := srv.Created()
	var summary string
	for _, l := range strings.Split(errs, "\n") {
		if strings.HasPrefix(l, "created ") {
			summary = l
		}
	}
	var c, total, failed, notSent int
	if _, err := fmt.Sscanf(summary, "created %d of %d, %d failed, %d not sent", &c, &total, &failed, &notSent); err != nil {
		t.Fatalf("summary %q: %v", summary, err)
	}
	if c != created || total != n || notSent < n/2 || c+failed+notSent != n {
		t.Errorf("summary %q with %d sessions on the server: want most of %d not sent", summary, created, n)
	}
	if got := strings.Count(out, "\n"); got != c+failed {
		t.Errorf("%d lines printed, want one per document sent (%d)", got, c+failed)
	}
	if took > 20*time.Second {
		t.Errorf("the batch took %s to stop", took)
	}
}

// Maple: attempt 1 reaches the server, which closes the connection
// without an answer and stops listening; the retries cannot connect. The
// create may have succeeded, so the error says so with the key to send
// again, and does not read as if nothing was sent.
func TestMapleSentThenGoneKeepsTheKey(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var reads atomic.Int32
	go func() {
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		// Read the whole request (headers and body), then hang up.
		buf := make([]byte, 64<<10)
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		for {
			k, err := c.Read(buf)
			if k > 0 {
				reads.Add(1)
			}
			if err != nil || bytes.Contains(buf[:k], []byte("}")) {
				break
			}
		}
		c.Close()
	}()
	gone := &sandboxtest.API{Server: &httptest.Server{URL: "http://" + ln.Addr().String()}}
	code, _, errs := runBatch(t, context.Background(), gone, nil,
		"checkout", "create", "--provider", "maple", "--company", "cmp_1", "--customer", "cus_1",
		"--config-item", "product_pricing_id=pp_1", "--idempotency-key", "job-7", "--retries", "2")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	if reads.Load() == 0 {
		t.Fatal("the server read no request")
	}
	if !strings.Contains(errs, `Idempotency-Key "job-7"`) {
		t.Errorf("the error does not give the key the request was sent with:\n%s", errs)
	}
	if first, _, _ := strings.Cut(errs, "\n"); strings.HasPrefix(first, "error: maple: cannot connect") && !strings.Contains(errs, "job-7") {
		t.Errorf("the error reads as if nothing was sent:\n%s", errs)
	}
}
