package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/webhook/webhooktest"
)

const spec = "../../../testdata/specs/meteroid-openapi.json"

// proc is a real billctl process whose output is read as it comes.
type proc struct {
	cmd      *exec.Cmd
	mu       sync.Mutex
	out, err []string
	done     chan struct{}
	changed  chan struct{}
}

func startBillctl(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"BILLCTL_TEST_MAIN=1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	p := &proc{cmd: cmd, done: make(chan struct{}), changed: make(chan struct{}, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	read := func(r io.Reader, lines *[]string) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.mu.Lock()
			*lines = append(*lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.changed <- struct{}{}:
			default:
			}
		}
	}
	wg.Add(2)
	go read(stdout, &p.out)
	go read(stderr, &p.err)
	go func() { wg.Wait(); close(p.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-p.done; cmd.Wait() })
	return p
}

// waitLine waits for a line of stdout (or stderr) containing s; the test
// fails if the process ends, or nothing comes within a generous bound.
func (p *proc) waitLine(t *testing.T, stderr bool, s string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		p.mu.Lock()
		lines := p.out
		if stderr {
			lines = p.err
		}
		for _, l := range lines {
			if strings.Contains(l, s) {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		select {
		case <-p.changed:
		case <-p.done:
			t.Fatalf("the process ended without printing %q; stdout %q, stderr %q", s, p.out, p.err)
		case <-deadline:
			t.Fatalf("no %q; stdout %q, stderr %q", s, p.out, p.err)
		}
	}
}

// stop interrupts the process as Ctrl-C does and returns its exit status.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	<-p.done
	p.cmd.Wait()
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) stdout() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.out...)
}

// The loop with no server: a session created and paid by --sandbox
// commands emits its events into the database; two listeners see them,
// one forwards them signed (checked by an independent verifier and
// against the spec), -o json prints envelopes; the attempts are recorded,
// resend delivers one again with the same webhook-id and a fresh
// signature; a paid Maple session is said to emit nothing.
func TestListenForwardsEventsFromEmbeddedCommands(t *testing.T) {
	env, db := sandboxEnv(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	st, err := sandbox.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetSigningSecret(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	st.Close()
	recv := webhooktest.NewReceiver(t, secret, spec)

	// Written as `stripe listen --forward-to` takes it: no scheme.
	fwd := startBillctl(t, env, "sandbox", "listen", "--forward-to", strings.TrimPrefix(recv.URL, "http://")+"/hooks", "-H", "X-App-Test: loop")
	js := startBillctl(t, env, "sandbox", "listen", "-o", "json", "--events", "subscription.created,invoice.paid")
	for _, p := range []*proc{fwd, js} {
		p.waitLine(t, true, "Ready. Signing secret: "+secret)
	}

	code, id, stderr := runEnv(t, env, "--sandbox", "checkout", "create", "--customer", "acme", "--plan-version", meteroid.DemoPlanVersionStarter, "-o", "id")
	id = strings.TrimSpace(id)
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	if code, _, stderr := runEnv(t, env, "sandbox", "pay", id); code != 0 {
		t.Fatalf("pay: %d %s", code, stderr)
	}

	got := recv.WaitFor(t, 4, 30*time.Second)
	var types, ids []string
	for _, g := range got {
		if g.Problem != nil {
			t.Fatalf("a delivery did not verify: %v\n%s", g.Problem, g.Body)
		}
		if g.Header.Get("X-App-Test") != "loop" {
			t.Errorf("-H was not sent: %v", g.Header)
		}
		var e struct{ ID, Type string }
		json.Unmarshal(g.Body, &e)
		if g.Header.Get("webhook-id") != e.ID {
			t.Errorf("webhook-id %s for event %s", g.Header.Get("webhook-id"), e.ID)
		}
		types, ids = append(types, e.Type), append(ids, e.ID)
	}
	if strings.Join(types, " ") != "subscription.created invoice.created invoice.finalized invoice.paid" {
		t.Errorf("events in the order %v", types)
	}
	line := fwd.waitLine(t, false, "subscription.created")
	for _, want := range []string{ids[0], id} {
		if !strings.Contains(line, want) {
			t.Errorf("listen's line %q lacks %s", line, want)
		}
	}
	fwd.waitLine(t, false, "→ 200 in ")

	js.waitLine(t, false, `"type":"invoice.paid"`)
	for _, l := range js.stdout() {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Errorf("-o json printed a line that is not one JSON envelope: %q", l)
		}
		if e["type"] != "subscription.created" && e["type"] != "invoice.paid" {
			t.Errorf("--events let %v through", e["type"])
		}
	}

	// Maple: paid, and nothing emitted, as its API defines no webhooks.
	code, mid, stderr := runEnv(t, env, "--sandbox", "--provider", "maple", "checkout", "create", "--customer", maple.DemoCustomerAda, "--product-pricing", maple.DemoPricingTeam, "-o", "id")
	if code != 0 {
		t.Fatalf("maple create: %d %s", code, stderr)
	}
	mid = strings.TrimSpace(mid)
	if code, _, stderr := runEnv(t, env, "sandbox", "pay", mid); code != 0 {
		t.Fatalf("maple pay: %d %s", code, stderr)
	}
	fwd.waitLine(t, true, "Maple session "+mid+" was paid")

	for _, p := range []*proc{fwd, js} {
		if code := p.stop(t); code != 0 {
			t.Errorf("listen ended with %d on Ctrl-C, want 0", code)
		}
	}
	if n := len(recv.Deliveries()); n != 4 {
		t.Errorf("%d deliveries, want 4 (Maple's session sends none)", n)
	}

	code, out, stderr := runEnv(t, env, "sandbox", "events", "--session", id, "-o", "json")
	if code != 0 {
		t.Fatalf("events: %d %s", code, stderr)
	}
	var evs []struct {
		ID       string
		Type     string
		Attempts []struct {
			URL    string
			Status int
		}
	}
	if err := json.Unmarshal([]byte(out), &evs); err != nil || len(evs) != 4 {
		t.Fatalf("events -o json: %v\n%s", err, out)
	}
	for _, e := range evs {
		if len(e.Attempts) != 1 || e.Attempts[0].Status != 200 || e.Attempts[0].URL != recv.URL+"/hooks" {
			t.Errorf("%s: attempts %+v", e.Type, e.Attempts)
		}
	}

	code, out, stderr = runEnv(t, env, "sandbox", "events", "resend", ids[0])
	if code != 0 || !strings.Contains(out, "→ 200 in") {
		t.Fatalf("resend: %d %q %s", code, out, stderr)
	}
	again := recv.WaitFor(t, 5, 30*time.Second)[4]
	if again.Problem != nil {
		t.Fatalf("the resent delivery did not verify: %v", again.Problem)
	}
	// Verified above: its signature is of its own timestamp.
	if again.Header.Get("webhook-id") != ids[0] {
		t.Errorf("resend: webhook-id %s, want %s", again.Header.Get("webhook-id"), ids[0])
	}
	if string(again.Body) != string(got[0].Body) {
		t.Error("resend changed the body")
	}
	if code, _, _ := runEnv(t, env, "sandbox", "events", "resend", "evt_7n42DGM5Tflk9n8mt7Fhc7"); code != 1 {
		t.Errorf("resend of an unknown event: exit %d, want 1", code)
	}
}

// A delivery that fails is retried, with the same webhook-id, as the
// outbox retries.
func TestListenRetries(t *testing.T) {
	env, _ := sandboxEnv(t)
	p := startBillctl(t, env, "sandbox", "listen", "--events", "subscription.created", "--forward-to", "http://127.0.0.1:1/hooks")
	l := p.waitLine(t, true, "Ready. Signing secret: ")
	p.stop(t)
	recv := webhooktest.NewReceiver(t, strings.TrimPrefix(l, "Ready. Signing secret: "), spec)
	recv.FailNext(1)
	p = startBillctl(t, env, "sandbox", "listen", "--events", "subscription.created", "--forward-to", recv.URL)
	p.waitLine(t, true, "Ready.")
	code, id, stderr := runEnv(t, env, "--sandbox", "checkout", "create", "--customer", "acme", "--plan-version", meteroid.DemoPlanVersionPro, "-o", "id")
	if code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runEnv(t, env, "sandbox", "pay", strings.TrimSpace(id)); code != 0 {
		t.Fatal(stderr)
	}
	got := recv.WaitFor(t, 2, 30*time.Second)
	if got[0].Answered != 500 || got[1].Answered != 200 || got[1].Problem != nil || got[0].Header.Get("webhook-id") != got[1].Header.Get("webhook-id") {
		t.Errorf("attempts: %d then %d (%v), webhook-ids %s and %s", got[0].Answered, got[1].Answered, got[1].Problem, got[0].Header.Get("webhook-id"), got[1].Header.Get("webhook-id"))
	}
	p.waitLine(t, false, "; retry in 1s")
	p.waitLine(t, false, "→ 200 in")
	p.stop(t)
}

// The signing secret is the database's: the same on every start and
// after a reset, until reset --secret replaces it.
func TestSigningSecretIsKept(t *testing.T) {
	env, _ := sandboxEnv(t)
	secretOf := func() string {
		p := startBillctl(t, env, "sandbox", "listen")
		l := p.waitLine(t, true, "Ready. Signing secret: whsec_")
		p.stop(t)
		return strings.TrimPrefix(l, "Ready. Signing secret: ")
	}
	first := secretOf()
	if second := secretOf(); second != first {
		t.Fatalf("a restart changed the secret: %s, then %s", first, second)
	}
	if code, _, stderr := runEnv(t, env, "sandbox", "reset"); code != 0 {
		t.Fatal(stderr)
	}
	if after := secretOf(); after != first {
		t.Errorf("reset changed the secret")
	}
	code, _, stderr := runEnv(t, env, "sandbox", "reset", "--secret")
	if code != 0 {
		t.Fatal(stderr)
	}
	next := secretOf()
	if next == first || !strings.Contains(stderr, next) {
		t.Errorf("reset --secret: %q, then listen's secret %s (was %s)", stderr, next, first)
	}
}
