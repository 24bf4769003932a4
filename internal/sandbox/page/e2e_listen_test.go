package page_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox/page/browsertest"
)

// lines is a process's output as it comes, for a test to wait on.
type lines struct {
	mu   sync.Mutex
	text strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

// waitFor waits until the output holds s; the test fails if it never does
// within a generous bound.
func (l *lines) waitFor(t *testing.T, what, s string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(l.String(), s) {
			return
		}
	}
	t.Fatalf("%s never printed %q:\n%s", what, s, l.String())
}

// background starts a billctl command and returns its stdout and stderr
// as they come; it is interrupted when the test ends, if still running.
func (e *e2e) background(args ...string) (*exec.Cmd, *lines, *lines) {
	e.t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = e.env()
	out, errb := &lines{}, &lines{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	e.t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return cmd, out, errb
}

// The integrator's loop with a person at the page: `sandbox listen
// --forward-to` runs against `sandbox serve`, a script waits with
// `checkout get --wait`, the customer starts the free trial in the
// browser; the event reaches the app signed, listen shows the app's
// answer, and the wait ends with exit 0 and the completed session.
func TestEndToEndListenForwardAndWaitWhilePayingInTheBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	e := newE2E(t)
	// No --webhook-url: the server only keeps the events; listen delivers.
	e.startServe("--webhook-secret", e.secret)

	_, listenOut, listenErr := e.background("sandbox", "listen", "--data", e.data, "--forward-to", e.recv.URL+"/hooks")
	listenErr.waitFor(t, "sandbox listen", "Ready. Signing secret: "+e.secret)

	s := e.create("--customer", "acme", "--plan-version", meteroid.DemoPlanVersionPro)
	wait := exec.Command(os.Args[0], "--sandbox", "checkout", "get", s.ID, "--wait", "-o", "json")
	wait.Env = e.env()
	waitOut, waitErr := &lines{}, &lines{}
	wait.Stdout, wait.Stderr = waitOut, waitErr
	if err := wait.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- wait.Wait() }()
	t.Cleanup(func() { wait.Process.Kill() })
	waitErr.waitFor(t, "checkout get --wait", "Waiting for checkout session "+s.ID)

	if err := chromedp.Do(ctx, chromedp.Navigate(s.CheckoutURL), chromedp.WaitVisible(chromedp.ID("pay"))); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, ctx, "#due-today"); got != "EUR 0.00" {
		t.Errorf("due today %q, want EUR 0.00 (a free trial)", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("pay")), chromedp.WaitVisible(chromedp.ID("outcome"))); err != nil {
		t.Fatal(err)
	}

	got := e.recv.WaitFor(t, 1, 30*time.Second)
	if got[0].Problem != nil || got[0].Answered != 200 {
		t.Fatalf("forwarded event: %d, %v\n%s", got[0].Answered, got[0].Problem, got[0].Body)
	}
	var ev struct {
		Type           string `json:"type"`
		SubscriptionID string `json:"subscription_id"`
		Status         string `json:"status"`
	}
	if err := json.Unmarshal(got[0].Body, &ev); err != nil || ev.Type != "subscription.created" || ev.Status != "TRIAL_ACTIVE" {
		t.Errorf("forwarded event %s (%v)", got[0].Body, err)
	}
	listenOut.waitFor(t, "sandbox listen", "subscription.created")
	listenOut.waitFor(t, "sandbox listen", "→ 200 in ")
	if !strings.Contains(listenOut.String(), s.ID) {
		t.Errorf("listen's line does not name session %s:\n%s", s.ID, listenOut)
	}

	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("checkout get --wait: %v, want exit 0\n%s%s", err, waitOut, waitErr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("checkout get --wait still waiting after the payment:\n%s", waitErr)
	}
	var final session
	if err := json.Unmarshal([]byte(waitOut.String()), &final); err != nil || final.ID != s.ID || final.Status != "COMPLETED" {
		t.Errorf("checkout get --wait printed %v\n%s", err, waitOut)
	}
	// Nothing more than the one event: a free trial bills no invoice.
	if n := len(e.recv.Deliveries()); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}
