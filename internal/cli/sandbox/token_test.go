package sandbox_test

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
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

const ciToken = "sk_ci_7Qm2xPvR4tLw"

// runWith runs billctl with args and exactly the environment env.
func runWith(ctx context.Context, env map[string]string, tty bool, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	f := &cmdutil.Factory{
		IO:      &output.IO{In: strings.NewReader(""), Out: &out, Err: &errb, StderrTTY: tty},
		Getenv:  func(k string) string { return env[k] },
		Context: ctx,
	}
	code := cli.Run(f, args)
	return code, out.String(), errb.String()
}

// served is a `sandbox serve` running in this process until the test ends.
type served struct {
	base   string
	stderr func() string
}

func serveInProcess(t *testing.T, env map[string]string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string, 1)
	go func() {
		_, _, e := runWith(ctx, env, false, append([]string{"sandbox", "serve"}, args...)...)
		done <- e
	}()
	var stderr string
	t.Cleanup(func() {
		cancel()
		stderr = <-done
	})
	s := &served{stderr: func() string { cancel(); stderr = <-done; done <- stderr; return stderr }}
	addr := ""
	for i, a := range args {
		if a == "--addr" {
			addr = args[i+1]
		}
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "0.0.0.0" {
		host = "127.0.0.1"
	}
	s.base = "http://" + net.JoinHostPort(host, port)
	for i := 0; i < 200; i++ {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("sandbox serve never became ready")
	return nil
}

func call(t *testing.T, method, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return res.StatusCode, m
}

// With --token, only Bearer TOKEN is taken: a missing or wrong token is
// 401 in each provider's own error body; the page opens with the key its
// URL carries and not without; health needs no token; the token is never
// logged.
func TestServeWithToken(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{"XDG_STATE_HOME": dir, "HOME": dir, "XDG_CONFIG_HOME": dir}
	s := serveInProcess(t, env, "--addr", addr, "--token", ciToken)

	meteroidBody := `{"customer_id":"acme","plan_version_id":"` + meteroid.DemoPlanVersionPro + `"}`
	mapleURL := s.base + "/api/v1/companies/" + maple.DemoCompany + "/checkout"
	mapleBody := `{"type":"CHECKOUT_SESSION","customer_id":"` + maple.DemoCustomerAda + `","config_items":[{"product_pricing_id":"` + maple.DemoPricingPro + `","num_licenses":1}],"auto_renews":true,"term":{"count":12,"frequency":"MONTH"}}`
	for _, auth := range []string{"", "Bearer ", "Bearer sk_sandbox_local", "Bearer " + ciToken + "x", "Basic " + ciToken, "bearer" + ciToken} {
		code, m := call(t, "POST", s.base+"/api/v1/checkout-sessions", auth, meteroidBody)
		if code != 401 || m["code"] != "UNAUTHORIZED" || m["message"] == nil {
			t.Errorf("meteroid, Authorization %q: %d %v", auth, code, m)
		}
		code, m = call(t, "POST", mapleURL, auth, mapleBody)
		if code != 401 || m["error_type"] != "auth_error" || m["error_code"] != "unauthorized" || m["error_status"] != 401.0 {
			t.Errorf("maple, Authorization %q: %d %v", auth, code, m)
		}
		// An unknown path of the API is refused before routing, too.
		if code, _ := call(t, "GET", s.base+"/api/v1/nothing-here", auth, ""); code != 401 {
			t.Errorf("unknown path, Authorization %q: %d", auth, code)
		}
	}
	code, resp := call(t, "POST", s.base+"/api/v1/checkout-sessions", "Bearer "+ciToken, meteroidBody)
	m, _ := resp["session"].(map[string]any)
	if code != 200 || m == nil {
		t.Fatalf("meteroid with the token: %d %v", code, resp)
	}
	pageURL, _ := m["checkout_url"].(string)
	if !strings.HasPrefix(pageURL, s.base+"/checkout/"+m["id"].(string)+"?key=") {
		t.Fatalf("checkout_url %q carries no key", pageURL)
	}
	if code, m := call(t, "POST", mapleURL, "Bearer "+ciToken, mapleBody); code != 200 || !strings.Contains(fmtAny(m["url"]), "?key=") {
		t.Errorf("maple with the token: %d %v", code, m)
	}
	for url, want := range map[string]int{pageURL: 200, strings.Split(pageURL, "?")[0]: 404, pageURL + "x": 404} {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", url, res.StatusCode, want)
		}
	}

	for _, p := range []string{"/healthz", "/readyz"} {
		code, m := call(t, "GET", s.base+p, "", "")
		if code != 200 || m["service"] != "billctl-sandbox" || m["database"] != filepath.Join(dir, "billctl", "sandbox.db") {
			t.Errorf("%s: %d %v", p, code, m)
		}
	}

	// A client with the token works; one without it is refused (exit 3).
	cenv := map[string]string{"XDG_STATE_HOME": dir, "HOME": dir, "XDG_CONFIG_HOME": dir, "BILLCTL_SANDBOX_ADDR": addr, "BILLCTL_SANDBOX_TOKEN": ciToken}
	if code, out, e := runWith(context.Background(), cenv, false, "--sandbox", "checkout", "get", m["id"].(string), "-o", "id"); code != 0 || strings.TrimSpace(out) != m["id"] || strings.Contains(e, ciToken) {
		t.Errorf("--sandbox with the token: exit %d, %q %q", code, out, e)
	}
	if code, out, _ := runWith(context.Background(), cenv, false, "sandbox", "pay", m["id"].(string)); code != 0 || !strings.Contains(out, "COMPLETED") {
		t.Errorf("sandbox pay with the token: exit %d, %q", code, out)
	}
	delete(cenv, "BILLCTL_SANDBOX_TOKEN")
	if code, _, e := runWith(context.Background(), cenv, false, "--sandbox", "checkout", "get", m["id"].(string)); code != 3 {
		t.Errorf("--sandbox without the token: exit %d, %s", code, e)
	}

	if e := s.stderr(); strings.Contains(e, ciToken) || !strings.Contains(e, "page URLs carry their own key") || !strings.Contains(e, "status=401") {
		t.Errorf("serve's stderr:\n%s", e)
	}
}

// Off loopback, the token may come from BILLCTL_SANDBOX_TOKEN; --public-url
// is the base of the page URLs; --log-format json logs JSON lines.
func TestServeOffLoopback(t *testing.T) {
	dir := t.TempDir()
	_, port, _ := net.SplitHostPort(freeAddr(t))
	env := map[string]string{"XDG_STATE_HOME": dir, "HOME": dir, "XDG_CONFIG_HOME": dir, "BILLCTL_SANDBOX_TOKEN": ciToken}
	s := serveInProcess(t, env, "--addr", "0.0.0.0:"+port, "--memory", "--public-url", "http://sandbox:12111/", "--log-format", "json")
	code, m := call(t, "POST", s.base+"/api/v1/checkout-sessions", "Bearer "+ciToken, `{"customer_id":"acme","plan_version_id":"`+meteroid.DemoPlanVersionPro+`"}`)
	m, _ = m["session"].(map[string]any)
	if u, _ := m["checkout_url"].(string); code != 200 || !strings.HasPrefix(u, "http://sandbox:12111/checkout/che_") {
		t.Errorf("create: %d %v", code, m)
	}
	if code, m := call(t, "GET", s.base+"/readyz", "", ""); code != 200 || m["database"] != "memory" || m["status"] != "ready" {
		t.Errorf("readyz: %d %v", code, m)
	}
	e := s.stderr()
	var line map[string]any
	for _, l := range strings.Split(e, "\n") {
		if strings.HasPrefix(l, "{") && strings.Contains(l, `"path":"/api/v1/checkout-sessions"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Errorf("log line %q: %v", l, err)
			}
		}
	}
	if line["msg"] != "request" || line["method"] != "POST" || line["status"] != 200.0 || strings.Contains(e, ciToken) {
		t.Errorf("no JSON request line (or the token):\n%s", e)
	}
	if !strings.Contains(e, "BILLCTL_SANDBOX_ADDR=sandbox:12111") {
		t.Errorf("the welcome does not name the public address:\n%s", e)
	}

	for _, args := range [][]string{{"--log-format", "xml"}, {"--public-url", "sandbox:12111"}, {"--public-url", "http://sandbox/?a=1"}, {"--token", "two words"}} {
		if code, _, e := runWith(context.Background(), env, false, append([]string{"sandbox", "serve", "--addr", "127.0.0.1:0", "--memory"}, args...)...); code != 2 || strings.Contains(e, ciToken) {
			t.Errorf("%v: exit %d, want 2: %s", args, code, e)
		}
	}
}

// ping exits 0 at a ready sandbox, 1 where nothing answers and where
// something else does; --sandbox refuses that something else, and on a
// terminal says which server it used.
func TestPingAndIdentify(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{"XDG_STATE_HOME": dir, "HOME": dir, "XDG_CONFIG_HOME": dir, "BILLCTL_SANDBOX_ADDR": addr}
	data := filepath.Join(dir, "ci.db")
	serveInProcess(t, env, "--addr", addr, "--data", data)

	if code, out, e := runWith(context.Background(), env, false, "sandbox", "ping"); code != 0 || !strings.HasPrefix(out, "ready: billctl sandbox ") || !strings.Contains(out, data) {
		t.Errorf("ping: exit %d, %q %s", code, out, e)
	}
	code, _, e := runWith(context.Background(), env, true, "--sandbox", "checkout", "list")
	if code != 0 || strings.Count(e, "--sandbox: the sandbox server at "+addr+" (database "+data+")\n") != 1 {
		t.Errorf("--sandbox on a terminal: exit %d, %q", code, e)
	}
	if _, _, e := runWith(context.Background(), env, false, "--sandbox", "checkout", "list"); strings.Contains(e, "--sandbox:") {
		t.Errorf("--sandbox off a terminal speaks: %q", e)
	}

	if code, _, e := runWith(context.Background(), env, false, "sandbox", "ping", "--addr", freeAddr(t)); code != 1 || !strings.Contains(e, "does not answer") {
		t.Errorf("ping where nothing answers: exit %d, %s", code, e)
	}

	var asked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer other.Close()
	oaddr := strings.TrimPrefix(other.URL, "http://")
	if code, _, e := runWith(context.Background(), env, false, "sandbox", "ping", "--addr", oaddr); code != 1 || !strings.Contains(e, "not a billctl sandbox") {
		t.Errorf("ping at another server: exit %d, %s", code, e)
	}
	odir := t.TempDir()
	oenv := map[string]string{"XDG_STATE_HOME": odir, "HOME": odir, "XDG_CONFIG_HOME": odir, "BILLCTL_SANDBOX_ADDR": oaddr}
	// Refused once, in the words of the check: nothing sent, no retry, no
	// create that "may have succeeded".
	asked.Store(0)
	if code, _, e := runWith(context.Background(), oenv, false, "--sandbox", "checkout", "create", "--customer", "acme", "--plan-version", meteroid.DemoPlanVersionPro); code != 1 ||
		!strings.Contains(e, "but it is not a billctl sandbox (GET /readyz: 200 OK)") || strings.Contains(e, "may have") || strings.Contains(e, "attempts") {
		t.Errorf("--sandbox at another server: exit %d, %s", code, e)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the other server was asked %d times, want once (GET /readyz)", n)
	}
	if _, err := os.Stat(filepath.Join(odir, "billctl", "sandbox.db")); !os.IsNotExist(err) {
		t.Errorf("--sandbox fell back to a database of its own: %v", err)
	}
}

func fmtAny(v any) string { s, _ := v.(string); return s }
