package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// TestMain lets the test binary act as another process using the same
// database: SANDBOX_WORKER=PATH,N creates N sessions in-process (the
// sandbox's own transport, no socket) and prints each ID as soon as it is
// answered; N = 0 creates until killed.
func TestMain(m *testing.M) {
	if w := os.Getenv("SANDBOX_WORKER"); w != "" {
		path, n, _ := strings.Cut(w, ",")
		count, _ := strconv.Atoi(n)
		if err := worker(path, count); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func worker(path string, n int) error {
	st, err := sandbox.Open(path)
	if err != nil {
		return err
	}
	srv, err := sandbox.New(context.Background(), sandbox.Options{Store: st, APIs: sandboxtest.APIs()})
	if err != nil {
		return err
	}
	c := &http.Client{Transport: srv.Transport()}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; n == 0 || i < n; i++ {
		id, err := createOne(c, "http://sandbox.invalid")
		if err != nil {
			return err
		}
		fmt.Fprintln(out, id)
		if n == 0 {
			out.Flush() // the parent kills us: every answered ID must be out
		}
	}
	return out.Flush()
}

var createBody = `{"customer_id":"acme","plan_version_id":"` + meteroid.DemoPlanVersionPro + `"}`

func createOne(c *http.Client, base string) (string, error) {
	req, _ := http.NewRequest("POST", base+"/api/v1/checkout-sessions", strings.NewReader(createBody))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return "", fmt.Errorf("create: %d %s", res.StatusCode, b)
	}
	var r struct {
		Session struct{ ID string } `json:"session"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return "", err
	}
	return r.Session.ID, nil
}

func startWorker(t *testing.T, path string, n int) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SANDBOX_WORKER="+path+","+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

func lines(r io.Reader) []string {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// A server and four other processes create 1,000 sessions between them at
// once in one database file: all exist, none twice.
func TestConcurrentProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.db")
	st, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, sandbox.Options{Store: st})

	var mu sync.Mutex
	var printed []string
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		cmd, out := startWorker(t, path, 200)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := lines(out)
			if err := cmd.Wait(); err != nil {
				t.Errorf("worker: %v", err)
			}
			mu.Lock()
			printed = append(printed, ids...)
			mu.Unlock()
		}()
	}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id, err := createOne(http.DefaultClient, sb.URL)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				printed = append(printed, id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(printed) != 1000 {
		t.Fatalf("%d sessions answered, want 1000", len(printed))
	}
	all, err := st.Sessions(context.Background(), sandbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, s := range all {
		stored[s.ID]++
	}
	if len(all) != 1000 || len(stored) != 1000 {
		t.Errorf("%d rows, %d distinct IDs; want 1000 of each", len(all), len(stored))
	}
	for _, id := range printed {
		if stored[id] != 1 {
			t.Errorf("answered %s, stored %d times", id, stored[id])
		}
	}
}

// Killing a process in the middle of a batch loses no session it answered.
func TestKillLosesNothingAnswered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.db")
	cmd, out := startWorker(t, path, 0)
	sc := bufio.NewScanner(out)
	var printed []string
	for sc.Scan() {
		printed = append(printed, sc.Text())
		if len(printed) == 300 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// What it managed to print between the 300th line and the kill counts too.
	printed = append(printed, lines(out)...)
	_ = cmd.Wait()

	st, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range printed {
		if _, err := st.Session(context.Background(), id); err != nil {
			t.Errorf("%s was answered but is gone: %v", id, err)
		}
	}
	t.Logf("%d sessions answered before SIGKILL, all found", len(printed))
}

// A session survives its server: create, stop, start, get.
func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.db")
	st, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, sandbox.Options{Store: st})
	id, err := createOne(http.DefaultClient, sb.URL)
	if err != nil {
		t.Fatal(err)
	}
	get := func(base string) string {
		req, _ := http.NewRequest("GET", base+"/api/v1/checkout-sessions/"+id, nil)
		req.Header.Set("Authorization", "Bearer t")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("get: %d %s", res.StatusCode, b)
		}
		// The URL names the server, which changed: compare the rest.
		return strings.ReplaceAll(string(b), base, "BASE")
	}
	before := get(sb.URL)
	sb.HTTP.Close()
	st.Close()

	st2, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sb2 := sandboxtest.Start(t, sandbox.Options{Store: st2})
	if after := get(sb2.URL); after != before {
		t.Errorf("after restart:\n%s\nbefore:\n%s", after, before)
	}
	// The catalogue was seeded once, not again on the second start.
	items, _ := st2.Catalog(context.Background(), meteroid.Name, "customers")
	if len(items) != 4 {
		t.Errorf("%d customers after restart", len(items))
	}
}
