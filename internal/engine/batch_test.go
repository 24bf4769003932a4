package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
)

func TestSpoolGivesBodiesBackInOrder(t *testing.T) {
	sp, err := NewSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	bodies := [][]byte{[]byte(`{"a":1}`), {}, bytes.Repeat([]byte("x"), 200<<10), []byte("{\"b\":\"line\\nbreak\"}")}
	for i, b := range bodies {
		if err := sp.Add(provider.Request{Body: b, Subject: provider.Subject{Customer: fmt.Sprintf("cus_%d", i), Plan: strings.Repeat("p", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := sp.Reader()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range bodies {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("body %d: %v", i+1, err)
		}
		if !bytes.Equal(got.Body, want) {
			t.Fatalf("body %d: got %d bytes, want %d", i+1, len(got.Body), len(want))
		}
		if sub := (provider.Subject{Customer: fmt.Sprintf("cus_%d", i), Plan: strings.Repeat("p", i)}); got.Subject != sub {
			t.Fatalf("body %d: subject %+v, want %+v", i+1, got.Subject, sub)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last body: %v, want EOF", err)
	}
}

func TestSpoolLeavesNoFileBehind(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	sp, err := NewSpool()
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Add(provider.Request{Body: []byte(`{"customer_id":"cus_1"}`)}); err != nil {
		t.Fatal(err)
	}
	sp.Close()
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("%d file(s) left in the temporary directory", len(left))
	}
}

func TestBatchErrorSaysWhatWasNotSent(t *testing.T) {
	tests := []struct {
		e    BatchError
		want string
		code int
	}{
		{BatchError{failed: 2, total: 1000, code: exitcode.Failure}, "2 document(s) failed", 1},
		// --fail-fast after document 2 failed: only document 1 was created.
		{BatchError{failed: 1, created: 1, notSent: 2, total: 4, code: exitcode.Failure},
			"1 document(s) failed; documents 3 to 4 were not sent (running the whole file again would create the 1 session(s) made now a second time)", 1},
		{BatchError{failed: 1, created: 1, notSent: 2, total: 4, code: exitcode.Failure, journal: "/s/b.journal"},
			"1 document(s) failed; documents 3 to 4 were not sent\nThe same command again sends only what was not created, and prints the rest from the journal /s/b.journal.", 1},
		{BatchError{notSent: 2, total: 4, code: exitcode.Terminated}, "terminated; documents 3 to 4 were not sent", 143},
		{BatchError{notSent: 616, total: 1000, code: exitcode.Interrupted, replays: true},
			"interrupted; documents 385 to 1000 were not sent: the same command again creates only those", 130},
		{BatchError{failed: 1, created: 7, notSent: 1, total: 9, code: exitcode.Interrupted},
			"interrupted: 1 document(s) failed; document 9 was not sent (running the whole file again would create the 7 session(s) made now a second time)", 130},
		{BatchError{notSent: 5, total: 5, code: exitcode.Interrupted}, "interrupted; documents 1 to 5 were not sent", 130},
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
		w := Window(workers)
		if w < workers {
			t.Errorf("Window(%d) = %d: some workers would idle", workers, w)
		}
		if w > maxWindow && w != workers {
			t.Errorf("Window(%d) = %d, more than %d", workers, w, maxWindow)
		}
	}
}
