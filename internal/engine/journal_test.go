package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
)

func testSpec(dir string) JournalSpec {
	return JournalSpec{Dir: dir, Provider: "meteroid", BaseURL: "http://127.0.0.1:1", Source: filepath.Join(dir, "b.yaml"),
		Sum: []byte("sum"), Total: 3}
}

// While a batch's journal is open, a second open of it is refused with
// exit 2 naming it; once closed, it opens again.
func TestOpenJournalLocked(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(testSpec(dir))
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenJournal(testSpec(dir))
	if err == nil || exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), j.Path()) {
		t.Fatalf("second open: %v (exit %d), want exit 2 naming %s", err, exitcode.Code(err), j.Path())
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenJournal(testSpec(dir))
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	again.Close()
}

// prune removes old journals, and a lock file only when its journal is
// gone and it is old too.
func TestPruneKeepsLiveLocks(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * journalMaxAge)
	files := map[string]bool{ // name: old
		"a.journal": true, "a.journal.lock": true, // both go
		"b.journal": false, "b.journal.lock": true, // a journal in use: its lock stays
		"c.journal.lock": false, // a lock just taken, its journal not yet made
	}
	for name, isOld := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if isOld {
			os.Chtimes(p, old, old)
		}
	}
	prune(dir)
	for name, gone := range map[string]bool{"a.journal": true, "a.journal.lock": true, "b.journal": false, "b.journal.lock": false, "c.journal.lock": false} {
		_, err := os.Stat(filepath.Join(dir, name))
		if (err != nil) != gone {
			t.Errorf("%s: removed %v, want %v", name, err != nil, gone)
		}
	}
}

// The journal's record of a document about to be sent (written ahead of
// it) carries the key it is then sent with; documents that the batch
// stopped before sending (--fail-fast) are left as not sent, so the next
// run has nothing of theirs to settle.
func TestJournalWritesAheadWithTheKeySent(t *testing.T) {
	dir := t.TempDir()
	bodies := []string{`{"c":"1"}`, `{"c":"2"}`, `{"c":"fail"}`, `{"c":"4"}`, `{"c":"5"}`, `{"c":"6"}`, `{"c":"7"}`, `{"c":"8"}`}
	spec := testSpec(dir)
	spec.Total = len(bodies)
	j, err := OpenJournal(spec)
	if err != nil {
		t.Fatal(err)
	}
	path := j.Path()
	p := &fakeProvider{}
	b := &Batch{Provider: p, Workers: 2, FailFast: true, Key: func(i int) string { return Key("", i) }, Journal: j}
	if err := b.Send(context.Background(), spoolOf(t, bodies...), len(bodies), &sink{}, &reporter{}, &bytes.Buffer{}); err == nil {
		t.Fatal("the batch did not fail")
	}
	again, err := OpenJournal(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Path() != path {
		t.Fatalf("journal %s, then %s", path, again.Path())
	}
	sentKeys := map[string]bool{}
	for _, k := range p.sent {
		sentKeys[k] = true
	}
	for i := 1; i <= len(bodies); i++ {
		pr := again.prior[i]
		switch {
		case pr == nil:
		case pr.state == 'c' || pr.state == 'f':
			if pr.state == 'c' && !sentKeys[pr.key] {
				t.Errorf("document %d: created with key %q, which was not sent", i, pr.key)
			}
		default:
			t.Errorf("document %d is left %q: the next run would settle a document that was never sent (sent %v)", i, pr.state, p.sent)
		}
	}
	if len(p.sent) >= len(bodies) {
		t.Errorf("sent %d of %d: --fail-fast did not stop", len(p.sent), len(bodies))
	}
}
