package create_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/prompt/ptytest"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// These tests run the billctl binary, built from cmd/billctl, on a
// pseudo-terminal against the sandbox, and type as a person would.

const (
	enter = ptytest.Enter
	ctrlC = ptytest.CtrlC
	esc   = ptytest.Esc
	down  = ptytest.Down
	space = ptytest.Space
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// billctl is the path of the binary, built once for all the tests.
func billctl(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "billctl-ask")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "billctl")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/billctl/billctl/cmd/billctl").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, out}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

// command is billctl ARGS against srv, with a clean environment: no CI,
// no BILLCTL_* but the token, its own HOME.
func command(t *testing.T, srv *sandboxtest.API, env []string, args ...string) *exec.Cmd {
	home := t.TempDir()
	cmd := exec.Command(billctl(t), args...)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"TERM=xterm",
		"BILLCTL_TOKEN=sk_test_prompt",
		"BILLCTL_BASE_URL=" + srv.URL,
		// A browser that is never there, should the page be opened.
		"BROWSER=/nonexistent/browser",
	}, env...)
	return cmd
}

// creates are the bodies of the creates srv received.
func creates(srv *sandboxtest.API) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && (r.Path == "/api/v1/checkout-sessions" || strings.HasSuffix(r.Path, "/checkout")) {
			out = append(out, string(r.Body))
		}
	}
	return out
}

// dryBody is the body `billctl checkout create ARGS --dry-run -o json`
// would send: what the answers must come to.
func dryBody(t *testing.T, srv *sandboxtest.API, args ...string) string {
	t.Helper()
	cmd := command(t, srv, nil, append(args, "--dry-run", "-o", "json")...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	var r struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, r.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAskMeteroid(t *testing.T) {
	srv := sandboxtest.StartDemoAPI(t)
	s := ptytest.Start(t, command(t, srv, nil, "checkout", "create", "--provider", "meteroid"))
	s.Expect("? Customer: ")
	s.Expect("Acme Corp, alias acme, billing@acme.example  cus_7afI37ZlrAzAt0nXH7VB4X")
	s.Send("g", "l", "o")
	s.Expect("❯ Globex, alias globex  cus_7afHpOfUDBdj7LLJCuxuTF")
	s.Send(enter)
	s.Expect("✔ Customer: Globex, alias globex  cus_7afHpOfUDBdj7LLJCuxuTF")
	s.Expect("? Plan version: ")
	s.Expect("Pro v2, EUR  plv_2zg9tUmeQMonp21OV6Rla1")
	s.Send(down, enter)
	s.Expect("✔ Plan version: Pro v2, EUR  plv_2zg9tUmeQMonp21OV6Rla1")
	s.Expect("? Anything else?")
	s.Send("t", "r", "i", enter)
	s.Expect("? Trial days: ")
	s.Send("x", enter)
	s.Expect("✗ ")
	s.Send(ptytest.Backspace, "1", "4", enter)
	s.Expect("✔ Trial days: 14")
	// The request as --dry-run shows it, token redacted.
	s.Expect("POST " + srv.URL + "/api/v1/checkout-sessions\r\n")
	s.Expect("Authorization: Bearer [REDACTED]\r\n")
	s.Expect(`"trial_duration_days": 14`)
	s.Expect("? Create this checkout session? (Y/n)")
	if n := len(creates(srv)); n != 0 {
		t.Fatalf("%d creates sent before the confirmation", n)
	}
	s.Send(enter)
	s.Expect("che_000001")
	s.Expect("? Open the checkout page in your browser? (y/N)")
	s.Send("n")
	if code := s.Wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.Output())
	}
	s.Restored()
	got := creates(srv)
	want := `{"customer_id":"cus_7afHpOfUDBdj7LLJCuxuTF","plan_version_id":"plv_2zg9tUmeQMonp21OV6Rla1","trial_duration_days":14}`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("bodies sent = %q, want [%s]", got, want)
	}
	if dry := dryBody(t, srv, "checkout", "create", "--provider", "meteroid", "--customer", "cus_7afHpOfUDBdj7LLJCuxuTF", "--plan-version", "plv_2zg9tUmeQMonp21OV6Rla1", "--trial-days", "14"); got[0] != dry {
		t.Errorf("body sent %s, but the same flags make %s", got[0], dry)
	}
	if strings.Contains(s.Output(), "sk_test_prompt") {
		t.Error("the token was shown")
	}
}

func TestAskMaplePricings(t *testing.T) {
	srv := sandboxtest.StartDemoAPI(t)
	// A browser that writes down the page it was asked to open.
	dir := t.TempDir()
	opened := filepath.Join(dir, "opened")
	browser := filepath.Join(dir, "browser")
	if err := os.WriteFile(browser, []byte("#!/bin/sh\necho \"$1\" > "+opened+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := ptytest.Start(t, command(t, srv, []string{"BROWSER=" + browser}, "checkout", "create", "--provider", "maple", "--company", "cmp_2SbxDemo0Co",
		"--redirect-url", "https://example.com/thanks"))
	s.Expect("? Customer: ")
	s.Expect("cus_2SbxGrace0Hp")
	s.Send("a", "d", "a", enter)
	s.Expect("✔ Customer: ")
	s.Expect("? Product pricing: ")
	s.Expect("pp_2SbxTeamYear")
	s.Send(space, down, space, enter)
	s.Expect("✔ Product pricing: ")
	s.Expect("? Anything else?")
	s.Send(enter) // nothing else; --redirect-url was given and is not offered
	s.Expect("? Create this checkout session? (Y/n)")
	s.Send("y")
	s.Expect("? Open the checkout page in your browser? (y/N)")
	s.Send("y")
	if code := s.Wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.Output())
	}
	s.Restored()
	sessions := srv.Sessions()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	url := sandboxtest.CheckoutBase + "/checkout/" + sessions[0].ID
	if b, err := os.ReadFile(opened); err != nil || strings.TrimSpace(string(b)) != url || url == "" {
		t.Errorf("opened %q (%v), want the session's page %q", b, err, url)
	}
	if strings.Contains(s.Output(), "Redirect url") {
		t.Error("offered a field given as a flag")
	}
	got := creates(srv)
	want := dryBody(t, srv, "checkout", "create", "--provider", "maple", "--company", "cmp_2SbxDemo0Co", "--redirect-url", "https://example.com/thanks",
		"--customer", "cus_2SbxAda0Lvl", "--product-pricing", "pp_2SbxProMonth", "--product-pricing", "pp_2SbxTeamYear")
	if len(got) != 1 || got[0] != want {
		t.Fatalf("bodies sent = %q, want [%s]", got, want)
	}
}

// Ctrl-C or Esc at each prompt: nothing sent, exit 130, the terminal as
// it was.
func TestAskCancel(t *testing.T) {
	steps := []struct {
		prompt string
		keys   []string
	}{
		{"? Customer: ", []string{enter}},
		{"? Plan version: ", []string{enter}},
		{"? Anything else?", []string{space, enter}},
		{"? Add on: ", []string{space, enter}},
		{"? Create this checkout session?", nil},
	}
	for i := range steps {
		for _, key := range []struct{ name, seq string }{{"ctrl-c", ctrlC}, {"esc", esc}} {
			t.Run(strings.Trim(steps[i].prompt, "? :")+"/"+key.name, func(t *testing.T) {
				t.Parallel()
				srv := sandboxtest.StartDemoAPI(t)
				s := ptytest.Start(t, command(t, srv, nil, "checkout", "create", "--provider", "meteroid"))
				for _, st := range steps[:i] {
					s.Expect(st.prompt)
					s.Expect("❯ ") // the list is there
					s.Send(st.keys...)
				}
				s.Expect(steps[i].prompt)
				s.Expect("\x1b[?25h")
				s.Send(key.seq)
				if code := s.Wait(); code != 130 {
					t.Fatalf("exit %d, want 130; output:\n%q", code, s.Output())
				}
				s.Expect("cancelled; nothing was sent")
				if got := creates(srv); len(got) != 0 {
					t.Errorf("sent %q after a cancel", got)
				}
				s.Restored()
			})
		}
	}
}

func TestAskAccessible(t *testing.T) {
	srv := sandboxtest.StartDemoAPI(t)
	s := ptytest.Start(t, command(t, srv, []string{"BILLCTL_ACCESSIBLE=1"}, "checkout", "create", "--provider", "meteroid"))
	s.Expect("Customer\r\n1. Acme Corp, alias acme, billing@acme.example  cus_7afI37ZlrAzAt0nXH7VB4X\r\n")
	s.Expect("Customer: ")
	s.Send("2\r")
	s.Expect("Plan version\r\n1. Starter v1, EUR  plv_2zgAKwbDiLVhMMvqdVWImb\r\n2. Pro v2, EUR  plv_2zg9tUmeQMonp21OV6Rla1\r\n")
	s.Expect("Plan version: ")
	s.Send("plv_2zgAKwbDiLVhMMvqdVWImb\r")
	s.Expect("Anything else?\r\n")
	s.Expect("Anything else? ")
	s.Send("1 2\r") // add-ons and coupons
	s.Expect("Add on\r\n")
	s.Expect("Add on: ")
	s.Send("2\r")
	s.Expect("Coupon\r\n1. WELCOME10, 10% off the first month  cou_33A9LNszqgZi4jq5QEYDT3\r\n")
	s.Expect("Coupon: ")
	s.Send("1\r")
	s.Expect(`"add_on_id": "add_27ZAwDMJHlkDbPxdI3OSZI"`)
	s.Expect("Create this checkout session? Type y or n (Enter alone: yes): ")
	s.Send("y\r")
	s.Expect("Open the checkout page in your browser? Type y or n (Enter alone: no): ")
	s.Send("\r")
	if code := s.Wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.Output())
	}
	s.Restored()
	got := creates(srv)
	want := dryBody(t, srv, "checkout", "create", "--provider", "meteroid", "--customer", "cus_7afHpOfUDBdj7LLJCuxuTF", "--plan-version", "plv_2zgAKwbDiLVhMMvqdVWImb",
		"--add-on", "add_27ZAwDMJHlkDbPxdI3OSZI", "--coupon", "cou_33A9LNszqgZi4jq5QEYDT3")
	if len(got) != 1 || got[0] != want {
		t.Fatalf("bodies sent = %q, want [%s]", got, want)
	}
	// What the prompts themselves wrote: no cursor movement, no colour.
	// (The session's table colours its status, as it always does.)
	prompts := strings.NewReplacer("\x1b[33m", "", "\x1b[0m", "").Replace(s.Output())
	if strings.Contains(prompts, "\x1b") {
		t.Errorf("escape sequences in accessible prompts:\n%q", s.Output())
	}
}

func TestAskAccessibleCancel(t *testing.T) {
	for _, at := range []string{"Customer: ", "Plan version: "} {
		t.Run(strings.TrimSuffix(at, ": "), func(t *testing.T) {
			t.Parallel()
			srv := sandboxtest.StartDemoAPI(t)
			s := ptytest.Start(t, command(t, srv, []string{"BILLCTL_ACCESSIBLE=1"}, "checkout", "create", "--provider", "meteroid"))
			if at != "Customer: " {
				s.Expect("Customer: ")
				s.Send("1\r")
			}
			s.Expect(at)
			s.Send(ctrlC)
			if code := s.Wait(); code != 130 {
				t.Fatalf("exit %d, want 130; output:\n%q", code, s.Output())
			}
			if got := creates(srv); len(got) != 0 {
				t.Errorf("sent %q after a cancel", got)
			}
			s.Restored()
		})
	}
}

// Never asked: a missing field is exit 2 as without a terminal, and no
// prompt text reaches any stream.
func TestNeverAsk(t *testing.T) {
	args := []string{"checkout", "create", "--provider", "meteroid"}
	cases := []struct {
		name string
		env  []string
		args []string
		pty  bool
	}{
		{"not a terminal", nil, nil, false},
		{"--no-input", nil, []string{"--no-input"}, true},
		{"BILLCTL_NO_INPUT=1", []string{"BILLCTL_NO_INPUT=1"}, nil, true},
		{"CI=true", []string{"CI=true"}, nil, true},
		{"a file", nil, []string{"-f", "FILE"}, true},
		{"--rows", nil, []string{"--rows", "SHEET"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := sandboxtest.StartDemoAPI(t)
			file := filepath.Join(t.TempDir(), "session.yaml")
			if err := os.WriteFile(file, []byte("trial_duration_days: 3\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			sheet := filepath.Join(t.TempDir(), "sheet.csv")
			if err := os.WriteFile(sheet, []byte("trial_duration_days\n3\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			a := append([]string{}, args...)
			for _, x := range c.args {
				a = append(a, strings.NewReplacer("FILE", file, "SHEET", sheet).Replace(x))
			}
			cmd := command(t, srv, c.env, a...)
			var out string
			var code int
			if c.pty {
				s := ptytest.Start(t, cmd)
				code = s.Wait()
				out = s.Output()
				s.Restored()
			} else {
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				out = stdout.String() + stderr.String()
			}
			if code != 2 {
				t.Fatalf("exit %d, want 2; output:\n%q", code, out)
			}
			if !strings.Contains(out, "customer_id: required field missing") {
				t.Errorf("no error about the missing fields:\n%q", out)
			}
			for _, p := range []string{"? ", "Customer:", "Anything else", "\x1b["} {
				if strings.Contains(out, p) {
					t.Errorf("prompt text %q in the output:\n%q", p, out)
				}
			}
			if got := creates(srv); len(got) != 0 {
				t.Errorf("sent %q", got)
			}
		})
	}
}

// A list that cannot be read shows why, and the ID or alias can still be
// typed; a slow one shows a spinner meanwhile.
func TestAskLookupFailsOrLags(t *testing.T) {
	srv := sandboxtest.StartDemoAPI(t)
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ []byte, _ http.Handler) bool {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/customers":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			_, _ = w.Write([]byte("boom\x1b[2J"))
			return true
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/plans":
			time.Sleep(1500 * time.Millisecond)
		}
		return false
	}
	s := ptytest.Start(t, command(t, srv, nil, "checkout", "create", "--provider", "meteroid", "--trial-days", "7"))
	s.Expect("? Customer: ")
	s.Expect("✗ Could not read the list: HTTP 500; type the value and press Enter")
	s.Send("a", "c", "m", "e", enter)
	s.Expect("✔ Customer: acme")
	s.Expect("? Plan version: ")
	s.Expect("Loading the list…")
	s.Expect("Starter v1, EUR  plv_2zgAKwbDiLVhMMvqdVWImb")
	s.Send(enter)
	s.Expect("? Anything else? ")
	s.Send(enter)
	s.Expect("? Create this checkout session? (Y/n)")
	s.Send(enter)
	s.Expect("? Open the checkout page in your browser? (y/N)")
	s.Send(ctrlC) // the session exists: a Ctrl-C here is a no
	if code := s.Wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.Output())
	}
	s.Restored()
	if strings.Contains(s.Output(), "Trial days") {
		t.Error("offered --trial-days, which was given")
	}
	want := `{"customer_id":"acme","plan_version_id":"plv_2zgAKwbDiLVhMMvqdVWImb","trial_duration_days":7}`
	if got := creates(srv); len(got) != 1 || got[0] != want {
		t.Fatalf("bodies sent = %q, want [%s]", got, want)
	}
}
