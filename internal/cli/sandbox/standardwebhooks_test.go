package sandbox_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/meteroid"
)

// Every delivery of listen --forward-to and of events resend verifies with
// the Standard Webhooks reference library (npm standardwebhooks), run by
// Node in testdata/webhooks/receiver.cjs, which also refuses each body
// tampered with. BILLCTL_STANDARDWEBHOOKS names the node_modules holding
// the package; .ci/run installs it and sets BILLCTL_REQUIRE_STANDARDWEBHOOKS=1,
// so there the test cannot silently stop running.
func TestStandardWebhooksVerifiesEveryDelivery(t *testing.T) {
	mods := os.Getenv("BILLCTL_STANDARDWEBHOOKS")
	node, err := exec.LookPath("node")
	if mods == "" || err != nil {
		if os.Getenv("BILLCTL_REQUIRE_STANDARDWEBHOOKS") == "1" {
			t.Fatalf("BILLCTL_REQUIRE_STANDARDWEBHOOKS=1 but no node (%v) or no BILLCTL_STANDARDWEBHOOKS", err)
		}
		t.Skip("no node or BILLCTL_STANDARDWEBHOOKS (node_modules with standardwebhooks)")
	}
	env, _ := sandboxEnv(t)
	p := startBillctl(t, env, "sandbox", "listen")
	secret := strings.TrimPrefix(p.waitLine(t, true, "Ready. Signing secret: "), "Ready. Signing secret: ")
	p.stop(t)

	recv := exec.Command(node, filepath.Join("..", "..", "..", "testdata", "webhooks", "receiver.cjs"), secret)
	recv.Env = append(os.Environ(), "NODE_PATH="+mods)
	out, _ := recv.StdoutPipe()
	recv.Stderr = os.Stderr
	if err := recv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { recv.Process.Kill(); recv.Wait() })
	lines := make(chan map[string]any, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m map[string]any
			json.Unmarshal(sc.Bytes(), &m)
			lines <- m
		}
		close(lines)
	}()
	next := func() map[string]any {
		select {
		case m, ok := <-lines:
			if !ok {
				t.Fatal("the Node receiver ended")
			}
			return m
		case <-time.After(30 * time.Second):
			t.Fatal("nothing from the Node receiver")
		}
		return nil
	}
	port := next()["listening"].(float64)
	url := "http://127.0.0.1:" + strconv.Itoa(int(port)) + "/hooks"

	p = startBillctl(t, env, "sandbox", "listen", "--forward-to", url)
	p.waitLine(t, true, "Ready.")
	code, id, stderr := runEnv(t, env, "--sandbox", "checkout", "create", "--customer", "acme", "--plan-version", meteroid.DemoPlanVersionStarter, "-o", "id")
	if code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runEnv(t, env, "sandbox", "pay", strings.TrimSpace(id)); code != 0 {
		t.Fatal(stderr)
	}
	var first string
	for i := 0; i < 4; i++ {
		m := next()
		if m["verified"] != true || m["tamperedRejected"] != true {
			t.Errorf("delivery %d: %v", i+1, m)
		}
		if i == 0 {
			first, _ = m["id"].(string)
		}
	}
	p.waitLine(t, false, "→ 204 in")
	p.stop(t)
	if code, out, stderr := runEnv(t, env, "sandbox", "events", "resend", first); code != 0 {
		t.Fatalf("resend: %d %s %s", code, out, stderr)
	}
	if m := next(); m["verified"] != true || m["tamperedRejected"] != true || m["id"] != first {
		t.Errorf("resend: %v", m)
	}
}
