package sandbox_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// run runs billctl with args; the sandbox's default database lives under dir.
func run(t *testing.T, ctx context.Context, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	// An address nothing listens on: `sandbox pay` goes through a server
	// only when one answers there, and a developer's own may be running.
	env := map[string]string{"XDG_STATE_HOME": dir, "HOME": dir, "XDG_CONFIG_HOME": dir, "BILLCTL_SANDBOX_ADDR": freeAddr(t)}
	f := &cmdutil.Factory{
		IO:      &output.IO{In: strings.NewReader(""), Out: &out, Err: &errb},
		Getenv:  func(k string) string { return env[k] },
		Context: ctx,
	}
	code := cli.Run(f, args)
	return code, out.String(), errb.String()
}

func TestServeRefusesOtherHosts(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:12111", "192.168.1.2:80", "example.com:80", ":12111"} {
		code, _, stderr := run(t, context.Background(), t.TempDir(), "sandbox", "serve", "--addr", addr)
		if code != 2 || !strings.Contains(stderr, "loopback") || !strings.Contains(stderr, "--token T or BILLCTL_SANDBOX_TOKEN") {
			t.Errorf("--addr %s: exit %d, %s", addr, code, stderr)
		}
	}
	for _, args := range [][]string{{"--fail-rate", "1.5"}, {"--rate-limit", "-1"}, {"--memory", "--data", "x.db"}} {
		if code, _, _ := run(t, context.Background(), t.TempDir(), append([]string{"sandbox", "serve", "--addr", "127.0.0.1:0"}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// `sandbox serve` listens, prints commands with the demo IDs, answers, and
// stops on interrupt with status 0; its sessions stay in its file.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, e := run(t, ctx, dir, "sandbox", "serve", "--addr", addr, "--latency", "1ms")
		done <- result{code, e}
	}()
	base := "http://" + addr
	var res *http.Response
	for i := 0; i < 200; i++ {
		req, _ := http.NewRequest("POST", base+"/api/v1/checkout-sessions", strings.NewReader(`{"customer_id":"acme","plan_version_id":"`+meteroid.DemoPlanVersionPro+`"}`))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		var err error
		if res, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if res == nil || res.StatusCode != 200 {
		cancel()
		t.Fatalf("serve did not answer: %v %s", res, (<-done).stderr)
	}
	res.Body.Close()
	cancel()
	r := <-done
	if r.code != 0 {
		t.Errorf("exit %d after interrupt", r.code)
	}
	for _, want := range []string{base, "billctl --sandbox checkout create --customer acme --plan-version " + meteroid.DemoPlanVersionPro,
		"BILLCTL_SANDBOX_ADDR=" + addr, "msg=request method=POST path=/api/v1/checkout-sessions status=200 took=",
		"\n  billctl sandbox listen --forward-to http://localhost:3000/webhooks\n"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	st, err := sandbox.Open(filepath.Join(dir, "billctl", "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, _ := st.Count(context.Background()); n != 1 {
		t.Errorf("%d sessions in the default database, want 1", n)
	}
}

// On a database of its own, serve's welcome names it in the listen command
// (quoted for the shell), so the command reads that server's events.
func TestServeWelcomeListenReadsItsDatabase(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	data := filepath.Join(dir, "my sandbox.db")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string, 1)
	go func() {
		_, _, e := run(t, ctx, dir, "sandbox", "serve", "--addr", addr, "--data", data)
		done <- e
	}()
	// An answer, not a connection: the port is bound before the welcome is
	// printed, requests are served after it.
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 200 {
			cancel()
			t.Fatalf("serve does not answer:\n%s", <-done)
		}
		time.Sleep(25 * time.Millisecond)
	}
	cancel()
	stderr := <-done
	if want := "\n  billctl sandbox listen --data '" + data + "' --forward-to http://localhost:3000/webhooks\n"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

func TestPayExpireReset(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "billctl", "sandbox.db")
	st, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, sandbox.Options{Store: st})
	create := func() string {
		req, _ := http.NewRequest("POST", sb.URL+"/api/v1/checkout-sessions", strings.NewReader(`{"customer_id":"acme","plan_version_id":"`+meteroid.DemoPlanVersionPro+`"}`))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("create: %v %v", res, err)
		}
		res.Body.Close()
		all, _ := st.Sessions(context.Background(), sandbox.Filter{})
		return all[0].ID
	}
	a, b := create(), create()

	// The commands share the server's database file (the default one).
	if code, out, errs := run(t, context.Background(), dir, "sandbox", "pay", a); code != 0 || out != a+" COMPLETED\n" {
		t.Errorf("pay: %d %q %q", code, out, errs)
	}
	if code, _, errs := run(t, context.Background(), dir, "sandbox", "pay", a); code != 1 || !strings.Contains(errs, "is COMPLETED") {
		t.Errorf("pay twice: %d %q", code, errs)
	}
	if code, out, _ := run(t, context.Background(), dir, "sandbox", "expire", b); code != 0 || out != b+" EXPIRED\n" {
		t.Errorf("expire: %d %q", code, out)
	}
	if code, _, errs := run(t, context.Background(), dir, "sandbox", "expire", "che_none"); code != 1 || !strings.Contains(errs, "no session che_none") {
		t.Errorf("expire unknown: %d %q", code, errs)
	}
	if s, _ := st.Session(context.Background(), a); s.Status != sandbox.Completed {
		t.Errorf("the server sees %s", s.Status)
	}
	other := filepath.Join(dir, "other.db")
	if code, _, errs := run(t, context.Background(), dir, "sandbox", "pay", "--data", other, a); code != 1 || !strings.Contains(errs, other) {
		t.Errorf("pay --data elsewhere: %d %q", code, errs)
	}
	if code, _, _ := run(t, context.Background(), dir, "sandbox", "reset"); code != 0 {
		t.Errorf("reset: %d", code)
	}
	if n, _ := st.Count(context.Background()); n != 0 {
		t.Errorf("%d sessions after reset", n)
	}
}
