package page_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox/page/browsertest"
	"github.com/billctl/billctl/internal/sandbox/webhook"
	"github.com/billctl/billctl/internal/sandbox/webhook/webhooktest"
)

var update = flag.Bool("update", false, "write the checkout page's screenshot to docs/sandbox-checkout.png")

const (
	spec       = "../../../testdata/specs/meteroid-openapi.sdk.json"
	screenshot = "../../../docs/sandbox-checkout.png"
	// execEnv makes the test binary run billctl instead of the tests, so
	// the end-to-end test drives the real command line in processes of
	// its own without building a binary first.
	execEnv = "BILLCTL_PAGE_TEST_EXEC"
)

func TestMain(m *testing.M) {
	if os.Getenv(execEnv) == "billctl" {
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}

// e2e is one user's machine: a home, a sandbox database, a webhook receiver.
type e2e struct {
	t      *testing.T
	home   string
	data   string
	addr   string
	secret string
	recv   *webhooktest.Receiver
	serve  *exec.Cmd
	log    *bytes.Buffer
	// token, when set, is BILLCTL_SANDBOX_TOKEN for every command.
	token string
}

func newE2E(t *testing.T) *e2e {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	home := t.TempDir()
	e := &e2e{t: t, home: home, data: filepath.Join(home, "sandbox.db"), addr: addr, secret: webhook.NewSecret()}
	e.recv = webhooktest.NewReceiver(t, e.secret, spec)
	t.Cleanup(e.stop)
	return e
}

func (e *e2e) env() []string {
	env := append(os.Environ(),
		execEnv+"=billctl",
		"HOME="+e.home, "XDG_CONFIG_HOME="+filepath.Join(e.home, "config"), "XDG_STATE_HOME="+filepath.Join(e.home, "state"),
		"BILLCTL_SANDBOX_ADDR="+e.addr, "NO_COLOR=1",
	)
	if e.token != "" {
		env = append(env, "BILLCTL_SANDBOX_TOKEN="+e.token)
	}
	return env
}

// billctl runs a command to its end and returns its stdout.
func (e *e2e) billctl(args ...string) string {
	e.t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = e.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("billctl %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// start runs `billctl sandbox serve` until stop, sending its webhooks to
// the receiver, and waits until it answers.
func (e *e2e) start() {
	e.t.Helper()
	e.startServe("--webhook-url", e.recv.URL+"/hooks", "--webhook-secret", e.secret)
}

// startServe runs `billctl sandbox serve` with flags until stop, and waits
// until it answers.
func (e *e2e) startServe(flags ...string) {
	e.t.Helper()
	e.log = &bytes.Buffer{}
	e.serve = exec.Command(os.Args[0], append([]string{"sandbox", "serve", "--addr", e.addr, "--data", e.data}, flags...)...)
	e.serve.Env = e.env()
	e.serve.Stdout, e.serve.Stderr = e.log, e.log
	if err := e.serve.Start(); err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + e.addr + "/checkout/che_none"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	e.t.Fatalf("sandbox serve never answered:\n%s", e.log)
}

// stop interrupts the server, as Ctrl-C would, and waits for it to end.
func (e *e2e) stop() {
	if e.serve == nil {
		return
	}
	e.serve.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- e.serve.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		e.serve.Process.Kill()
		<-done
	}
	e.serve = nil
}

type session struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	CheckoutURL string `json:"checkout_url"`
}

func (e *e2e) create(args ...string) session {
	e.t.Helper()
	var s session
	out := e.billctl(append([]string{"--sandbox", "checkout", "create", "-o", "json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.CheckoutURL == "" {
		e.t.Fatalf("create: %v\n%s", err, out)
	}
	return s
}

func (e *e2e) get(id string) session {
	e.t.Helper()
	var s session
	out := e.billctl("--sandbox", "checkout", "get", id, "-o", "json")
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		e.t.Fatalf("get: %v\n%s", err, out)
	}
	return s
}

// The whole flow a user goes through: create a session with billctl on
// `sandbox serve`, open its page in a browser, pay; `checkout get` says
// COMPLETED and the webhook arrives signed, also when the first delivery
// fails and the server restarts before the retry.
func TestEndToEndPayInTheBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	e := newE2E(t)
	e.recv.FailNext(1)
	e.start()

	s := e.create("--customer", "acme", "--plan-version", meteroid.DemoPlanVersionPro, "--add-on", meteroid.DemoAddOnSeats+":2")
	if s.Status != "CREATED" || !strings.HasPrefix(s.CheckoutURL, "http://"+e.addr+"/checkout/") {
		t.Fatalf("created %+v", s)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(800, 900),
		chromedp.Navigate(s.CheckoutURL),
		chromedp.WaitVisible(chromedp.ID("pay")),
	); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, ctx, "h1"); got != "Checkout for Acme Corp" {
		t.Errorf("heading %q", got)
	}
	if got := browsertest.Text(t, ctx, "#total"); got != "EUR 79.00" {
		t.Errorf("total %q, want EUR 79.00 (Pro EUR 49.00 + 2 seats at EUR 15.00)", got)
	}
	if got := e.get(s.ID).Status; got != "AWAITING_PAYMENT" {
		t.Errorf("after opening the page, get says %s", got)
	}
	shot := browsertest.Screenshot(t, ctx, "sandbox-checkout")
	if *update {
		png, _ := os.ReadFile(shot)
		if err := os.WriteFile(screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", screenshot)
	}

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("pay")), chromedp.WaitVisible(chromedp.ID("outcome"))); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, ctx, "#outcome"); got != "Paid: this checkout is complete." {
		t.Errorf("outcome %q", got)
	}
	if got := e.get(s.ID).Status; got != "COMPLETED" {
		t.Fatalf("after paying, get says %s", got)
	}

	// The receiver refuses the first delivery; the server stops before the
	// retry, and a new one on the same database sends it.
	first := e.recv.WaitFor(t, 1, 30*time.Second)
	if first[0].Answered != 500 {
		t.Fatalf("first delivery answered %d: %v", first[0].Answered, first[0].Problem)
	}
	e.stop()
	e.start()
	got := e.recv.WaitFor(t, 2, 30*time.Second)
	d := got[1]
	if d.Problem != nil || d.Answered != 200 {
		t.Fatalf("retry: %d, %v\n%s", d.Answered, d.Problem, d.Body)
	}
	if err := webhooktest.Verify(e.secret, d.Header, d.Body, time.Now()); err != nil {
		t.Errorf("retry's signature: %v", err)
	}
	var ev map[string]any
	json.Unmarshal(d.Body, &ev)
	if ev["type"] != "subscription.created" || ev["customer_name"] != "Acme Corp" || ev["status"] != "TRIAL_ACTIVE" {
		t.Errorf("event %s", d.Body)
	}
	if d.Header.Get("webhook-id") != first[0].Header.Get("webhook-id") {
		t.Error("the retry has another webhook-id")
	}
	e.stop()
	if !strings.Contains(e.log.String(), `msg="webhook delivered"`) || !strings.Contains(e.log.String(), "session="+s.ID) {
		t.Errorf("the server did not log the delivery:\n%s", e.log)
	}
}

// A server with a token (as a CI service runs): the browser has no token,
// and the page URL's key is all it needs to show the page and pay; the
// same page without its key is refused.
func TestEndToEndPayInTheBrowserWithAToken(t *testing.T) {
	ctx := browsertest.New(t)
	e := newE2E(t)
	e.token = "sk_ci_7Qm2xPvR4tLw"
	e.startServe()

	s := e.create("--customer", "acme", "--plan-version", meteroid.DemoPlanVersionPro)
	bare, key, ok := strings.Cut(s.CheckoutURL, "?key=")
	if !ok || key == "" || !strings.HasPrefix(bare, "http://"+e.addr+"/checkout/") {
		t.Fatalf("checkout_url %q carries no key", s.CheckoutURL)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(bare), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, ctx, "h1"); got != "Checkout not found" {
		t.Errorf("without its key the page says %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.CheckoutURL),
		chromedp.WaitVisible(chromedp.ID("pay")),
		chromedp.Click(chromedp.ID("pay")),
		chromedp.WaitVisible(chromedp.ID("outcome")),
	); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, ctx, "#outcome"); got != "Paid: this checkout is complete." {
		t.Errorf("outcome %q", got)
	}
	if got := e.get(s.ID).Status; got != "COMPLETED" {
		t.Errorf("after paying, get says %s", got)
	}
	e.stop()
	if strings.Contains(e.log.String(), e.token) || strings.Contains(e.log.String(), key) {
		t.Errorf("the log shows the token or a page key:\n%s", e.log)
	}
}

func TestEndToEndCancelAndExpired(t *testing.T) {
	ctx := browsertest.New(t)
	e := newE2E(t)
	e.start()

	s := e.create("--customer", "globex", "--plan-version", meteroid.DemoPlanVersionStarter)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.CheckoutURL),
		chromedp.Click(chromedp.ID("cancel")),
		chromedp.WaitVisible(chromedp.ID("outcome")),
	); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, ctx, "#outcome"); got != "This checkout was cancelled." {
		t.Errorf("outcome %q", got)
	}
	if got := e.get(s.ID).Status; got != "CANCELLED" {
		t.Errorf("after cancelling, get says %s", got)
	}

	old := e.create("--customer", "initech", "--plan-version", meteroid.DemoPlanVersionStarter)
	if out := e.billctl("sandbox", "expire", old.ID, "--data", e.data); !strings.Contains(out, "EXPIRED") {
		t.Errorf("sandbox expire: %q", out)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(old.CheckoutURL), chromedp.WaitVisible(chromedp.ID("outcome"))); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, ctx, "#outcome"); got != "This checkout has expired." {
		t.Errorf("outcome %q", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("button").length`); n != 0 {
		t.Errorf("%d buttons on an expired session's page", n)
	}
	if got := e.get(old.ID).Status; got != "EXPIRED" {
		t.Errorf("get says %s", got)
	}
	if n := len(e.recv.Deliveries()); n != 0 {
		t.Errorf("%d webhooks for sessions nobody paid", n)
	}
	browsertest.Screenshot(t, ctx, "sandbox-expired")
}

// `billctl sandbox pay` does from the terminal what the Pay button does,
// through the running server, so the webhook follows too.
func TestEndToEndSandboxPayFromTheTerminal(t *testing.T) {
	e := newE2E(t)
	e.start()
	s := e.create("--customer", "acme", "--plan-version", meteroid.DemoPlanVersionStarter)
	if out := e.billctl("sandbox", "pay", s.ID); out != s.ID+" COMPLETED\n" {
		t.Errorf("sandbox pay: %q", out)
	}
	if got := e.get(s.ID).Status; got != "COMPLETED" {
		t.Errorf("get says %s", got)
	}
	got := e.recv.WaitFor(t, 1, 30*time.Second)
	if got[0].Problem != nil || got[0].Answered != 200 {
		t.Fatalf("webhook: %d, %v", got[0].Answered, got[0].Problem)
	}
	cmd := exec.Command(os.Args[0], "sandbox", "pay", s.ID)
	cmd.Env = e.env()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is COMPLETED: only a CREATED or AWAITING_PAYMENT session can pay") {
		t.Errorf("paying twice: %v\n%s", err, out)
	}
}
