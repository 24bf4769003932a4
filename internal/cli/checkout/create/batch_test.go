package create

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// runCreate runs `checkout create args…` against srv in process.
func runCreate(t *testing.T, srv *sandboxtest.API, args ...string) (string, error) {
	t.Helper()
	streams, _, out, _ := outputtest.Streams()
	env := map[string]string{"HOME": t.TempDir(), "BILLCTL_TOKEN": "sk_test", "BILLCTL_BASE_URL": srv.URL}
	root := &cobra.Command{Use: "billctl", SilenceErrors: true, SilenceUsage: true}
	config.AddFlags(root.PersistentFlags(), cmdutil.Catalogue())
	f := &cmdutil.Factory{IO: streams, Getenv: func(k string) string { return env[k] }, Context: context.Background(), Flags: root.PersistentFlags()}
	root.AddCommand(NewCmdCreate(f, nil))
	root.SetArgs(append([]string{"create"}, args...))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err := root.Execute()
	return out.String(), err
}

// While document 1 is slow, the others go on, but only as far as the
// window: their results wait in memory for document 1 to print first.
func TestSendingRunsAheadOfPrintingOnlyByTheWindow(t *testing.T) {
	const parallel = 2
	limit := engine.Window(parallel)
	n := limit * 3
	customers := make([]string, n)
	for i := range customers {
		customers[i] = fmt.Sprintf("cus_w%d", i+1)
	}
	srv := sandboxtest.StartAPI(t, customers...)
	release := make(chan struct{})
	var mu sync.Mutex
	seen := 0 // creates that reached the server while document 1 waited
	srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
		if bytes.Contains(body, []byte(`"cus_w1"`)) {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			return false
		}
		mu.Lock()
		seen++
		if seen == limit-1 {
			// Past the window nothing more can be sent: let document 1
			// finish, shortly after, so that any overshoot would show.
			time.AfterFunc(100*time.Millisecond, func() { close(release) })
		}
		mu.Unlock()
		return false
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "---\ncustomer_id: cus_w%d\nplan_version_id: plv_1\n", i)
	}
	path := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCreate(t, srv, "--provider", "meteroid", "-f", path, "--parallel", fmt.Sprint(parallel), "-o", "id")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out, "\n"); lines != n {
		t.Fatalf("%d lines printed, want %d", lines, n)
	}
	mu.Lock()
	defer mu.Unlock()
	// The log of the first window: document 1 plus window-1 others.
	if first := srv.Sessions()[0]; first.Customer == "cus_w1" {
		t.Fatalf("document 1 was not held back; the test proves nothing")
	}
	ahead := 0
	for _, s := range srv.Sessions() {
		if s.Customer == "cus_w1" {
			break
		}
		ahead++
	}
	if ahead > limit-1 {
		t.Errorf("%d documents were sent while document 1 was in flight; the window is %d", ahead, limit)
	}
	if ahead < limit-1 {
		t.Errorf("only %d documents were sent while document 1 was in flight; the window lets %d go", ahead, limit-1)
	}
}
