package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func readAll(t *testing.T, path string) (string, []string) {
	t.Helper()
	var head string
	var recs []string
	err := Read(path, func(h []byte) error { head = string(h); return nil }, func(r []byte) error {
		recs = append(recs, string(r))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return head, recs
}

func TestAppendReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "b.journal")
	w, err := Create(path, []byte(`{"v":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if err := w.Append(fmt.Appendf(nil, "r %d %d", g, i), i%3 == 0); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	head, recs := readAll(t, path)
	if head != `{"v":1}` || len(recs) != 800 {
		t.Fatalf("header %q, %d records; want 800", head, len(recs))
	}
	if err := w.Append([]byte("x\ny"), false); err == nil {
		t.Error("a record with a newline was taken")
	}
}

// A process killed in the middle of a write leaves part of a line, or a
// line whose bytes did not all reach the disk: both are cut off, and what
// is appended next follows the last complete record.
func TestTornTail(t *testing.T) {
	for name, tail := range map[string]string{
		"partial line": "0000",
		"bad checksum": "deadbeef s 3\n",
		"garbage":      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "b.journal")
			w, err := Create(path, []byte("head"))
			if err != nil {
				t.Fatal(err)
			}
			w.Append([]byte("one"), true)
			w.Append([]byte("two"), true)
			w.Close()
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(tail)
			f.Close()
			w, err = Open(path, func([]byte) error { return nil }, func([]byte) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Append([]byte("three"), true); err != nil {
				t.Fatal(err)
			}
			w.Close()
			_, recs := readAll(t, path)
			if fmt.Sprint(recs) != "[one two three]" {
				t.Fatalf("records %q", recs)
			}
		})
	}
}

func TestNotAJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.journal")
	os.WriteFile(path, []byte("hello\n"), 0o600)
	if _, err := Open(path, func([]byte) error { return nil }, func([]byte) error { return nil }); err != ErrNotJournal {
		t.Fatalf("got %v, want ErrNotJournal", err)
	}
}

// A record appended with a mark goes to disk without anyone awaiting it,
// so that the worker that awaits it later rarely waits for the disk; an
// Await after that finds it there.
func TestAppendMarkSyncsInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.journal")
	w, err := Create(path, []byte(`{"v":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	mark, err := w.AppendMark([]byte("ahead 1"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		synced := w.synced
		w.mu.Unlock()
		if synced >= mark {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %d not on disk after 10 s without an Await (synced %d)", mark, synced)
		}
		time.Sleep(time.Millisecond)
	}
	if _, recs := readAll(t, path); len(recs) != 1 || recs[0] != "ahead 1" {
		t.Fatalf("on disk: %q", recs)
	}
	if err := w.Await(mark); err != nil {
		t.Fatal(err)
	}
}
