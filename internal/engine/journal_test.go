package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
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

// maybeErr is a failure after which a session may exist.
type maybeErr struct{}

func (maybeErr) Error() string      { return "connection closed after the request was sent" }
func (maybeErr) MaybeCreated() bool { return true }

// settler fails its first create with an unknown outcome; Settle then
// answers found (a session) or nothing.
type settler struct {
	fakeProvider
	found   *provider.Session
	creates int
	settles int
}

func (p *settler) Create(ctx context.Context, req provider.Request, key string) (*provider.Session, error) {
	p.creates++
	if p.creates == 1 {
		return nil, maybeErr{}
	}
	return &provider.Session{ID: fmt.Sprintf("che_%d", p.creates)}, nil
}

func (p *settler) Settle(ctx context.Context, req provider.Request, since time.Time) (*provider.Session, error) {
	p.settles++
	return p.found, nil
}

func (p *settler) Claim(...string) {}

// A create whose outcome is unknown is looked for again after a pause: a
// session found is the document's, with nothing sent again; none found
// means none was made, and the document is sent once more.
func TestSettleAgain(t *testing.T) {
	for _, c := range []struct {
		name        string
		found       *provider.Session
		wantID      string
		wantCreates int
	}{
		{"found", &provider.Session{ID: "che_found"}, "che_found", 1},
		{"none", nil, "che_2", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := testSpec(dir)
			spec.Total = 1
			j, err := OpenJournal(spec)
			if err != nil {
				t.Fatal(err)
			}
			p := &settler{found: c.found}
			out := &sink{}
			b := &Batch{Provider: p, Workers: 1, Key: func(i int) string { return Key("", i) }, Journal: j, SettleDelay: time.Millisecond}
			if err := b.Send(context.Background(), spoolOf(t, `{"c":"1"}`), 1, out, &reporter{}, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			if len(out.items) != 1 || out.items[0].Session == nil || out.items[0].Session.ID != c.wantID || p.creates != c.wantCreates || p.settles != 1 {
				t.Errorf("items %+v, %d creates, %d settles; want %s after %d creates and 1 settle", out.items, p.creates, p.settles, c.wantID, c.wantCreates)
			}
		})
	}
}
