package create_test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/prompt/ptytest"
)

// sandboxCommand is billctl --sandbox ARGS with the sandbox inside the
// command (no server answers at BILLCTL_SANDBOX_ADDR), on a database of
// the test's own.
func sandboxCommand(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	// A port nothing listens on: the command runs its own sandbox.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	home := t.TempDir()
	cmd := exec.Command(billctl(t), append([]string{"--sandbox"}, args...)...)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".state"),
		"BILLCTL_SANDBOX_ADDR=" + addr,
		"TERM=xterm",
		"BROWSER=/nonexistent/browser",
	}, env...)
	return cmd
}

// A new user's walk on the sandbox: pick a customer, a plan and a trial,
// confirm; the session the sandbox keeps holds exactly those answers.
func TestAskSandbox(t *testing.T) {
	s := ptytest.Start(t, sandboxCommand(t, nil, "checkout", "create", "-o", "json"))
	s.Expect("? Customer: ")
	s.Expect("❯ ")
	s.Send(down, enter)
	s.Expect("✔ Customer: ")
	s.Expect("? Plan version: ")
	s.Expect("❯ ")
	s.Send(enter)
	s.Expect("✔ Plan version: ")
	s.Expect("? Anything else? ")
	s.Send("t", "r", "i", "a", "l", enter)
	s.Expect("? Trial days: ")
	s.Send("3", "0", enter)
	s.Expect(`"trial_duration_days": 30`)
	s.Expect("? Create this checkout session? (Y/n)")
	s.Send(enter)
	s.Expect("? Open the checkout page in your browser? (y/N)")
	s.Send("n")
	if code := s.Wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.Output())
	}
	s.Restored()
	// The answers, as the summary lines show them: "✔ Customer: NAME  ID".
	picked := map[string]string{}
	for _, line := range strings.Split(s.Output(), "\n") {
		for _, q := range []string{"Customer", "Plan version"} {
			if i := strings.Index(line, "✔ "+q+": "); i >= 0 {
				f := strings.Fields(line[i:])
				picked[q] = strings.TrimSpace(f[len(f)-1])
			}
		}
	}
	if !strings.HasPrefix(picked["Customer"], "cus_") || !strings.HasPrefix(picked["Plan version"], "plv_") {
		t.Fatalf("picked %v; output:\n%q", picked, s.Output())
	}
	// What the sandbox keeps, read back through the command line.
	out, err := sandboxCommandAt(t, s, "checkout", "list", "-o", "json")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	var sessions []map[string]any
	if err := json.Unmarshal(out, &sessions); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(sessions) != 1 {
		t.Fatalf("%d sessions in the sandbox, want 1: %s", len(sessions), out)
	}
	got := map[string]any{
		"customer_id":         sessions[0]["customer_id"],
		"plan_version_id":     sessions[0]["plan_version_id"],
		"trial_duration_days": sessions[0]["trial_duration_days"],
	}
	want := map[string]any{"customer_id": picked["Customer"], "plan_version_id": picked["Plan version"], "trial_duration_days": float64(30)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the sandbox holds %v, want %v", got, want)
	}
}

// sandboxCommandAt runs another command on the same sandbox database as
// the session s ran with.
func sandboxCommandAt(t *testing.T, s *ptytest.Session, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(billctl(t), append([]string{"--sandbox"}, args...)...)
	cmd.Env = s.Env()
	return cmd.CombinedOutput()
}

// Ctrl-C at the last question: the sandbox holds no session.
func TestAskSandboxCancel(t *testing.T) {
	s := ptytest.Start(t, sandboxCommand(t, nil, "checkout", "create"))
	s.Expect("❯ ")
	s.Send(enter)
	s.Expect("? Plan version: ")
	s.Expect("❯ ")
	s.Send(enter)
	s.Expect("? Anything else? ")
	s.Send(enter)
	s.Expect("? Create this checkout session? (Y/n)")
	s.Send(ctrlC)
	if code := s.Wait(); code != 130 {
		t.Fatalf("exit %d, want 130; output:\n%q", code, s.Output())
	}
	s.Restored()
	out, err := sandboxCommandAt(t, s, "checkout", "list", "-o", "json")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	var sessions []map[string]any
	if err := json.Unmarshal(out, &sessions); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(sessions) != 0 {
		t.Errorf("the sandbox holds %d sessions after a cancel: %s", len(sessions), out)
	}
}
