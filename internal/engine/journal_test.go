package engine

import (
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
