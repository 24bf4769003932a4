package checkout

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/fakeapi"
	"github.com/billctl/billctl/internal/output"
)

func TestSpoolGivesBodiesBackInOrder(t *testing.T) {
	sp, err := newSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	bodies := [][]byte{[]byte(`{"a":1}`), {}, bytes.Repeat([]byte("x"), 200<<10), []byte("{\"b\":\"line\\nbreak\"}")}
	for _, b := range bodies {
		if err := sp.add(b); err != nil {
			t.Fatal(err)
		}
	}
	r, err := sp.reader()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range bodies {
		got, err := r.next()
		if err != nil {
			t.Fatalf("body %d: %v", i+1, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("body %d: got %d bytes, want %d", i+1, len(got), len(want))
		}
	}
	if _, err := r.next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last body: %v, want EOF", err)
	}
}

func TestSpoolLeavesNoFileBehind(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	sp, err := newSpool()
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.add([]byte(`{"customer_id":"cus_1"}`)); err != nil {
		t.Fatal(err)
	}
	sp.close()
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("%d file(s) left in the temporary directory", len(left))
	}
}

func TestBatchErrorSaysWhatWasNotSent(t *testing.T) {
	tests := []struct {
		e    batchError
		want string
		code int
	}{
		{batchError{failed: 2, total: 1000, code: exitcode.Failure}, "2 document(s) failed", 1},
		{batchError{failed: 1, notSent: 2, total: 4, code: exitcode.Failure},
			"1 document(s) failed; documents 3 to 4 were not sent (running the whole file again would send documents 1 to 2 a second time)", 1},
		{batchError{notSent: 616, total: 1000, code: exitcode.Interrupted, replays: true},
			"interrupted; documents 385 to 1000 were not sent: the same command again creates only those", 130},
		{batchError{failed: 1, notSent: 1, total: 9, code: exitcode.Interrupted},
			"interrupted: 1 document(s) failed; document 9 was not sent (running the whole file again would send documents 1 to 8 a second time)", 130},
		{batchError{notSent: 5, total: 5, code: exitcode.Interrupted}, "interrupted; documents 1 to 5 were not sent", 130},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
		if got := exitcode.Code(&tt.e); got != tt.code {
			t.Errorf("%q: exit %d, want %d", tt.want, got, tt.code)
		}
	}
}

func TestWindowKeepsEveryWorkerBusyAndMemoryBounded(t *testing.T) {
	for _, workers := range []int{1, 4, 16, 64, 100, 5000} {
		w := window(workers)
		if w < workers {
			t.Errorf("window(%d) = %d: some workers would idle", workers, w)
		}
		if w > maxWindow && w != workers {
			t.Errorf("window(%d) = %d, more than %d", workers, w, maxWindow)
		}
	}
}

// runCreate runs `checkout create args…` against srv in process.
func runCreate(t *testing.T, srv *fakeapi.Server, args ...string) (string, error) {
	t.Helper()
	streams, _, out, _ := output.Test()
	env := map[string]string{"HOME": t.TempDir(), "BILLCTL_TOKEN": "sk_test", "BILLCTL_BASE_URL": srv.URL}
	root := &cobra.Command{Use: "billctl", SilenceErrors: true, SilenceUsage: true}
	config.AddFlags(root.PersistentFlags())
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
	limit := window(parallel)
	n := limit * 3
	srv := fakeapi.New()
	defer srv.Close()
	release := make(chan struct{})
	var mu sync.Mutex
	seen := 0 // creates that reached the server while document 1 waited
	srv.Fault = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
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
	if first := srv.Sessions()[0]; first["customer_id"] == "cus_w1" {
		t.Fatalf("document 1 was not held back; the test proves nothing")
	}
	ahead := 0
	for _, s := range srv.Sessions() {
		if s["customer_id"] == "cus_w1" {
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
