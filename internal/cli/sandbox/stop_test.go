package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/webhook"
)

// A CI service is stopped with SIGTERM, and maybe restarted, while a job
// still sends to it. `sandbox serve` is stopped and started again during
// a batch of 2,000 creates: the batch retries through the gap and ends
// with every row answered once (no row lost, no session created twice);
// the server exits 0 each time; the database passes integrity_check; and
// the webhooks the first server had not delivered are delivered by the
// second.
func TestStopAndRestartDuringABatch(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes for several seconds")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "ci.db")
	addr := freeAddr(t)
	secret := webhook.NewSecret()

	// A slow receiver: deliveries are under way when the stop comes.
	var mu sync.Mutex
	got := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond)
		mu.Lock()
		got[r.Header.Get("webhook-id")]++
		mu.Unlock()
	}))
	defer recv.Close()
	delivered := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }

	env := []string{"BILLCTL_TEST_MAIN=1", "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "BILLCTL_SANDBOX_ADDR=" + addr}
	start := func() (*exec.Cmd, *bytes.Buffer) {
		t.Helper()
		var log bytes.Buffer
		cmd := exec.Command(os.Args[0], "sandbox", "serve", "--addr", addr, "--data", data,
			"--webhook-url", recv.URL+"/hooks", "--webhook-secret", secret)
		cmd.Env, cmd.Stderr = env, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 400; i++ {
			if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					return cmd, &log
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Kill()
		t.Fatalf("sandbox serve never became ready:\n%s", log.String())
		return nil, nil
	}
	stop := func(cmd *exec.Cmd, log *bytes.Buffer) time.Duration {
		t.Helper()
		began := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sandbox serve after SIGTERM: %v\n%s", err, log.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("sandbox serve did not stop:\n%s", log.String())
		}
		return time.Since(began)
	}

	srv, log1 := start()
	// Ten paid sessions, so ten webhooks, four seconds of deliveries.
	const paid = 10
	for i := 0; i < paid; i++ {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/checkout-sessions", strings.NewReader(`{"customer_id":"globex","plan_version_id":"`+meteroid.DemoPlanVersionPro+`"}`))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Session struct{ ID string } }
		decodeJSON(t, res, &body)
		pay, _ := http.NewRequest("POST", "http://"+addr+"/checkout/"+body.Session.ID+"/pay", nil)
		pay.Header.Set("Authorization", "Bearer t")
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err = client.Do(pay)
		if err != nil || res.StatusCode != http.StatusSeeOther {
			t.Fatalf("pay: %v %v", res, err)
		}
		res.Body.Close()
	}

	const rows = 2000
	var b strings.Builder
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "---\ncustomer_id: initech\nplan_version_id: %s\nmetadata:\n  row: \"%d\"\n", meteroid.DemoPlanVersionStarter, i)
	}
	batchFile := filepath.Join(dir, "batch.yaml")
	if err := os.WriteFile(batchFile, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	batch := exec.Command(os.Args[0], "--sandbox", "checkout", "create", "-f", batchFile, "--parallel", "8", "--retries", "10", "-o", "id")
	batch.Env = env
	var batchErr bytes.Buffer
	batch.Stderr = &batchErr
	out, err := batch.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Start(); err != nil {
		t.Fatal(err)
	}
	var printed []string
	var pmu sync.Mutex
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			pmu.Lock()
			printed = append(printed, sc.Text())
			pmu.Unlock()
		}
	}()
	count := func() int { pmu.Lock(); defer pmu.Unlock(); return len(printed) }
	for deadline := time.Now().Add(60 * time.Second); count() < 300; {
		if time.Now().After(deadline) {
			t.Fatalf("the batch printed %d IDs in a minute:\n%s", count(), batchErr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}

	took := stop(srv, log1)
	atStop, before := count(), delivered()
	if !strings.Contains(log1.String(), "msg=stopped") {
		t.Errorf("the first server did not say it stopped:\n%s", log1.String())
	}
	srv, log2 := start()
	if err := batch.Wait(); err != nil {
		t.Fatalf("batch: %v\n%s", err, batchErr.String())
	}
	<-reading
	if before >= paid {
		t.Errorf("all %d webhooks were delivered before the stop: the test stopped too late", paid)
	}
	for deadline := time.Now().Add(30 * time.Second); delivered() < paid && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	stop(srv, log2)

	seen := map[string]bool{}
	dup := 0
	for _, id := range printed {
		if seen[id] {
			dup++
		}
		seen[id] = true
	}
	st, err := sandbox.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, _ := st.Count(context.Background())
	lost := 0
	for _, id := range printed {
		if _, err := st.Session(context.Background(), id); err != nil {
			lost++
		}
	}
	if len(printed) != rows || dup != 0 || lost != 0 || stored != rows+paid {
		t.Errorf("%d IDs printed for %d rows, %d printed twice, %d printed but not stored; %d sessions stored, want %d",
			len(printed), rows, dup, lost, stored, rows+paid)
	}
	if n := delivered(); n != paid {
		t.Errorf("%d of %d webhooks delivered after the restart", n, paid)
	}

	db, err := sql.Open("sqlite", "file:"+data+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	refused := strings.Count(log1.String(), "status=503")
	t.Logf("stop took %s with %d of %d rows printed; %d requests refused (503) while draining; %d of %d webhooks delivered before the stop, %d after; lost %d, duplicates %d, integrity %s",
		took.Round(time.Millisecond), atStop, rows, refused, before, paid, paid-before, lost, stored-rows-paid, check)
}

func decodeJSON(t *testing.T, res *http.Response, v any) {
	t.Helper()
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", res.Status, err)
	}
}

// A request in flight when SIGTERM comes gets its answer before the
// server exits 0; a second signal during that wait exits at once (130).
func TestStopFinishesInFlightAndASecondSignalExits(t *testing.T) {
	for _, twice := range []bool{false, true} {
		dir := t.TempDir()
		addr := freeAddr(t)
		cmd := exec.Command(os.Args[0], "sandbox", "serve", "--addr", addr, "--memory", "--latency", "1500ms")
		cmd.Env = []string{"BILLCTL_TEST_MAIN=1", "HOME=" + dir, "XDG_STATE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
		var log bytes.Buffer
		cmd.Stderr = &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 400; i++ {
			if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
				res.Body.Close()
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		answered := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/customers", nil)
			req.Header.Set("Authorization", "Bearer t")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answered <- 0
				return
			}
			res.Body.Close()
			answered <- res.StatusCode
		}()
		time.Sleep(300 * time.Millisecond) // the request is waiting out its latency
		began := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		if twice {
			time.Sleep(100 * time.Millisecond)
			cmd.Process.Signal(syscall.SIGTERM)
		}
		err := cmd.Wait()
		took := time.Since(began)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		status := <-answered
		switch {
		case !twice && (code != 0 || status != 200 || took < time.Second):
			t.Errorf("one SIGTERM: exit %d after %s, the request in flight got %d; want 0, its 200 first\n%s", code, took, status, log.String())
		case twice && (code != 130 || took > time.Second):
			t.Errorf("two SIGTERMs: exit %d after %s, want 130 at once\n%s", code, took, log.String())
		}
	}
}
