package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// TestMain lets the test binary be billctl itself (BILLCTL_TEST_MAIN=1),
// so the tests below can run real `billctl --sandbox` processes.
func TestMain(m *testing.M) {
	if os.Getenv("BILLCTL_TEST_MAIN") == "1" {
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}

// A server and four `billctl --sandbox` processes (each running the
// sandbox inside itself) create 1,000 sessions at once in the same
// database file: all exist, none twice.
func TestServerAndFourProcesses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state", "billctl", "sandbox.db")
	st, err := sandbox.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The server listens elsewhere than BILLCTL_SANDBOX_ADDR, so the
	// processes do not find it and share the file instead.
	sb := sandboxtest.Start(t, sandbox.Options{Store: st})

	var b strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "---\ncustomer_id: acme\nplan_version_id: %s\n", meteroid.DemoPlanVersionPro)
	}
	batch := filepath.Join(dir, "batch.yaml")
	if err := os.WriteFile(batch, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var printed []string
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "--sandbox", "checkout", "create", "-f", batch, "--parallel", "8", "-o", "id")
			cmd.Env = []string{"BILLCTL_TEST_MAIN=1", "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
				"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "BILLCTL_SANDBOX_ADDR=" + freeAddr(t)}
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Errorf("billctl --sandbox: %v\n%s", err, stderr.String())
				return
			}
			mu.Lock()
			printed = append(printed, strings.Fields(out.String())...)
			mu.Unlock()
		}()
	}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				req, _ := http.NewRequest("POST", sb.URL+"/api/v1/checkout-sessions", strings.NewReader(`{"customer_id":"globex","plan_version_id":"`+meteroid.DemoPlanVersionPro+`"}`))
				req.Header.Set("Authorization", "Bearer t")
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					t.Errorf("server create: %v %v", res, err)
					return
				}
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	all, err := st.Sessions(context.Background(), sandbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, s := range all {
		seen[s.ID]++
	}
	if len(all) != 1000 || len(seen) != 1000 || len(printed) != 800 {
		t.Errorf("%d rows, %d distinct, %d printed by the processes; want 1000, 1000, 800", len(all), len(seen), len(printed))
	}
	for _, id := range printed {
		if seen[id] != 1 {
			t.Errorf("%s printed, stored %d times", id, seen[id])
		}
	}
}

// `kill -9` in the middle of a 1,000-document batch loses no session that
// billctl printed.
func TestKilledBatchLosesNothingPrinted(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "---\ncustomer_id: initech\nplan_version_id: %s\n", meteroid.DemoPlanVersionStarter)
	}
	batch := filepath.Join(dir, "batch.yaml")
	if err := os.WriteFile(batch, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "--sandbox", "checkout", "create", "-f", batch, "--parallel", "4", "-o", "id")
	cmd.Env = []string{"BILLCTL_TEST_MAIN=1", "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "BILLCTL_SANDBOX_ADDR=" + freeAddr(t)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var printed []string
	buf := make([]byte, 4096)
	var pending string
	for len(printed) < 200 {
		n, err := out.Read(buf)
		pending += string(buf[:n])
		for {
			line, rest, ok := strings.Cut(pending, "\n")
			if !ok {
				break
			}
			printed, pending = append(printed, line), rest
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(printed) < 200 {
		t.Fatalf("only %d IDs printed before the batch ended", len(printed))
	}
	st, err := sandbox.Open(filepath.Join(dir, "state", "billctl", "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range printed {
		if _, err := st.Session(context.Background(), id); err != nil {
			t.Errorf("%s was printed but is not stored: %v", id, err)
		}
	}
	n, _ := st.Count(context.Background())
	t.Logf("%d IDs printed before SIGKILL, %d sessions stored, all printed ones found", len(printed), n)
}
