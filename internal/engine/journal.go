package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/journal"
	"github.com/billctl/billctl/internal/lockfile"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/safetext"
)

// A batch's journal is what lets the same command, run again after the
// process died at any moment, finish the batch without creating anything
// twice. Before a document is sent it records that it is about to be
// (with the time and the idempotency key); when the answer arrives, the
// session, or that the create failed and whether it may still have made
// one. A run that finds a journal for its batch prints the sessions it
// holds instead of sending their documents again, and settles first the
// documents that were sent without a recorded answer.

// JournalSpec is what defines a batch, and where its journal goes.
type JournalSpec struct {
	// Dir holds the journals ($XDG_STATE_HOME/billctl/batches); Path,
	// when set (--journal), is the file to use instead.
	Dir, Path string
	// Restart ignores any journal: the batch is sent as a new one.
	Restart bool
	// What defines the batch, besides its documents.
	Provider, BaseURL, Tenant, KeyPrefix string
	// Source names the input (a file's path, <stdin>), for messages and
	// to tell a file that changed after an unfinished run.
	Source string
	// Sum is the digest of the checked requests (Spool.Sum).
	Sum   []byte
	Total int
	// Secret is never written to the journal (the API token), should a
	// server quote it back in a session.
	Secret string
}

// journalMaxAge: journals older than this are removed when a batch
// starts, so that the directory does not grow for ever.
const journalMaxAge = 30 * 24 * time.Hour

type journalHeader struct {
	Batch     int    `json:"billctl_batch"`
	ID        string `json:"id"`
	Provider  string `json:"provider"`
	BaseURL   string `json:"base_url"`
	Tenant    string `json:"tenant,omitempty"`
	KeyPrefix string `json:"key_prefix,omitempty"`
	Source    string `json:"source"`
	Total     int    `json:"total"`
}

// journalRecord is one line: T is "s" (about to be sent), "c" (created),
// "f" (failed: nothing was made) or "u" (failed: a session may exist).
// Error texts are not kept: they hold the API's words, which may quote
// anything.
type journalRecord struct {
	T       string            `json:"t"`
	I       int               `json:"i"`
	At      int64             `json:"at,omitempty"`
	Key     string            `json:"k,omitempty"`
	Session *provider.Session `json:"s,omitempty"`
}

// prior is what the journal says of one document.
type prior struct {
	state byte      // 's', 'c', 'f' or 'u'
	sent  time.Time // when it was last about to be sent
	key   string
	sess  *provider.Session
}

// Journal is a batch's journal, open for appending.
type Journal struct {
	w      *journal.Writer
	path   string
	source string
	total  int
	secret *safetext.Filter
	// secretText is looked for before the filter runs: most records
	// hold no token, and the filter's work is not free.
	secretText string
	prior      map[int]*prior
	// unlock releases the journal's lock, which the batch holds from
	// before the journal is read until it is closed.
	unlock func()
}

// OpenJournal opens the journal of the batch that spec defines, creating
// it when there is none (or with Restart). A journal at --journal that is
// of another batch, or an unfinished journal of the same file whose
// documents have changed since, is a usage error that says the way out:
// resuming from it would skip or repeat the wrong documents.
func OpenJournal(spec JournalSpec) (*Journal, error) {
	id := digest(spec.Provider, spec.BaseURL, spec.Tenant, spec.KeyPrefix, string(spec.Sum))
	head := journalHeader{Batch: 1, ID: id, Provider: spec.Provider, BaseURL: spec.BaseURL, Tenant: spec.Tenant,
		KeyPrefix: spec.KeyPrefix, Source: spec.Source, Total: spec.Total}
	path := spec.Path
	if path == "" {
		src := spec.Source
		if abs, err := filepath.Abs(src); err == nil && src != "<stdin>" {
			src = abs
		}
		group := digest(spec.Provider, spec.BaseURL, spec.Tenant, spec.KeyPrefix, src)[:16]
		path = filepath.Join(spec.Dir, group+"-"+id[:24]+".journal")
		prune(spec.Dir)
		if err := checkSiblings(spec, group, path); err != nil {
			return nil, err
		}
	}
	unlock, err := lockJournal(path)
	if err != nil {
		return nil, err
	}
	j, err := openLocked(spec, path, id, head)
	if err != nil {
		unlock()
		return nil, err
	}
	j.unlock = unlock
	return j, nil
}

// lockJournal takes the lock of the journal at path (a lock file beside
// it), without waiting: two runs of the same batch at once would both
// send what neither has recorded yet, and create it twice. The second is
// refused, naming the journal; the system drops the lock of a process
// that dies, so a killed run never leaves it held.
func lockJournal(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("a batch needs its journal (%s): %w; set XDG_STATE_HOME or give --journal PATH", path, err)
	}
	unlock, err := lockfile.TryLock(path)
	if errors.Is(err, lockfile.ErrHeld) {
		return nil, exitcode.Usagef("another billctl is sending this batch now (its journal %s is locked): "+
			"nothing was sent. Wait for that run to end, or stop it, then run the command again to resume", path)
	}
	if err != nil {
		return nil, fmt.Errorf("locking the batch journal: %w", err)
	}
	return unlock, nil
}

// openLocked is OpenJournal once the journal's lock is held.
func openLocked(spec JournalSpec, path, id string, head journalHeader) (*Journal, error) {
	j := &Journal{path: path, source: spec.Source, total: spec.Total, prior: map[int]*prior{}}
	if spec.Secret != "" {
		j.secret, j.secretText = safetext.New(spec.Secret), spec.Secret
	}
	hb, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	if !spec.Restart {
		w, err := journal.Open(path, func(h []byte) error {
			var got journalHeader
			if json.Unmarshal(h, &got) != nil || got.Batch != 1 {
				return journal.ErrNotJournal
			}
			if got.ID != id {
				return exitcode.Usagef("the batch journal %s is of another batch (%s, %d documents, on %s): %s is not what that run sent, "+
					"so it cannot be resumed from it. Restore the file and run again to resume, run with --restart to send %s as a new batch "+
					"(what the earlier run created would be created again), or give another --journal", path, got.Source, got.Total, got.BaseURL, spec.Source, spec.Source)
			}
			return nil
		}, j.load)
		switch {
		case err == nil:
			j.w = w
			return j, nil
		case errors.Is(err, journal.ErrNotJournal):
			return nil, exitcode.Usagef("%s is not a batch journal (or is empty): give another --journal, or --restart to replace it", path)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("reading the batch journal: %w", err)
		}
	}
	w, err := journal.Create(path, hb)
	if err != nil {
		return nil, fmt.Errorf("a batch needs its journal (%s): %w; set XDG_STATE_HOME or give --journal PATH", path, err)
	}
	j.w = w
	return j, nil
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkSiblings refuses to start a batch when an unfinished run of the
// same input, with other contents, left a journal: the file changed, and
// sending it as new would create again what that run created. --restart
// removes those journals.
func checkSiblings(spec JournalSpec, group, path string) error {
	others, _ := filepath.Glob(filepath.Join(spec.Dir, group+"-*.journal"))
	for _, o := range others {
		if o == path {
			continue
		}
		if spec.Restart {
			os.Remove(o)
			continue
		}
		var total int
		done := map[int]bool{}
		err := journal.Read(o, func(h []byte) error {
			var got journalHeader
			if json.Unmarshal(h, &got) != nil {
				return journal.ErrNotJournal
			}
			total = got.Total
			return nil
		}, func(rec []byte) error {
			var r journalRecord
			if json.Unmarshal(rec, &r) == nil && r.T == "c" {
				done[r.I] = true
			}
			return nil
		})
		if err != nil || len(done) >= total {
			continue // finished, or not a journal: no run to resume
		}
		return exitcode.Usagef("%s changed since a run of it stopped before its end (%d of %d sessions created; journal %s): "+
			"sending it as a new batch could create again what that run created. Restore the file and run again to resume, "+
			"or run with --restart to send it as a new batch", spec.Source, len(done), total, o)
	}
	return nil
}

// prune removes journals older than journalMaxAge.
func prune(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".journal") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > journalMaxAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	// A lock file goes once its journal is gone and it is old too: a
	// lock that a running batch holds is either new or beside a journal
	// that batch is writing.
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".journal.lock")
		if !ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name+".journal")); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > journalMaxAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// load reads one record of an earlier run.
func (j *Journal) load(rec []byte) error {
	var r journalRecord
	if err := json.Unmarshal(rec, &r); err != nil || r.I < 1 || r.I > j.total {
		return nil // not ours; a later version's record
	}
	p := j.prior[r.I]
	if p == nil {
		p = &prior{}
		j.prior[r.I] = p
	}
	switch r.T {
	case "s":
		p.state, p.sent, p.key = 's', time.Unix(0, r.At), r.Key
	case "c":
		if r.Session != nil {
			p.state, p.sess = 'c', r.Session
		}
	case "f", "u":
		p.state = r.T[0]
	}
	return nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

func (j *Journal) append(r journalRecord, durable bool) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if j.secretText != "" && bytes.Contains(b, []byte(j.secretText)) {
		b = []byte(j.secret.Redact(string(b)))
	}
	return j.w.Append(b, durable)
}

// sending records that document index is about to be sent, on disk
// before it returns.
func (j *Journal) sending(index int, key string, at time.Time) error {
	return j.append(journalRecord{T: "s", I: index, At: at.UnixNano(), Key: key}, true)
}

// intend records that index is about to be sent, without waiting for
// the disk: await(mark) does. See ahead.
func (j *Journal) intend(index int, key string, at time.Time) (uint64, error) {
	b, err := json.Marshal(journalRecord{T: "s", I: index, At: at.UnixNano(), Key: key})
	if err != nil {
		return 0, err
	}
	return j.w.AppendMark(b)
}

func (j *Journal) await(mark uint64) error { return j.w.Await(mark) }

// ahead writes the "about to be sent" records of the documents a few
// places ahead of those handed to the workers, so that the fsync that
// makes them durable is done, for many at once, before they are needed:
// a worker about to send rarely waits for the disk. A record written
// for a document that is then not sent (the batch stopped first) is
// settled by the next run as any other sent without an answer: its key
// sent again on Maple, a reconcile that finds nothing on Meteroid. Its
// time is earlier than the sending, which only widens what reconcile
// looks at.
type ahead struct {
	j     *Journal
	key   func(int) string
	total int
	depth int

	written int // the last index written ahead
	mu      sync.Mutex
	recs    map[int]aheadRec
	err     error
}

type aheadRec struct {
	key  string
	at   time.Time
	mark uint64
}

// handed is called, in order, with each index handed to a worker.
func (a *ahead) handed(index int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.err == nil && a.written < min(index+a.depth, a.total) {
		a.written++
		i := a.written
		if a.j.prior[i] != nil {
			continue // settled or printed from the journal: one() decides
		}
		key, at := a.key(i), time.Now()
		mark, err := a.j.intend(i, key, at)
		if err != nil {
			a.err = err
			return
		}
		a.recs[i] = aheadRec{key, at, mark}
	}
}

// unsent records, for each document written ahead and never handed out
// (the batch stopped first), that it was not sent: a run stopped by
// Ctrl-C, SIGTERM, --fail-fast or a server gone leaves nothing for the
// next one to settle beyond what was in flight.
func (a *ahead) unsent() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.recs {
		if err := a.j.append(journalRecord{T: "f", I: i}, false); err != nil {
			return err
		}
	}
	a.recs = map[int]aheadRec{}
	return nil
}

// take returns the record written ahead for index, if any.
func (a *ahead) take(index int) (aheadRec, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.recs[index]
	delete(a.recs, index)
	return r, ok
}

// done records a document's outcome. It need not wait for the disk: a
// session whose record is lost is found again on the next run (the same
// key on a provider that replays, reconcile on one that does not).
func (j *Journal) done(index int, sess *provider.Session, err error) error {
	switch {
	case err == nil:
		return j.append(journalRecord{T: "c", I: index, Session: sess}, false)
	case provider.MaybeCreated(err):
		return j.append(journalRecord{T: "u", I: index}, false)
	default:
		return j.append(journalRecord{T: "f", I: index}, false)
	}
}

// created lists the sessions the journal holds.
func (j *Journal) created() []string {
	var ids []string
	for _, p := range j.prior {
		if p.sess != nil {
			ids = append(ids, p.sess.ID)
		}
	}
	return ids
}

// Close puts every record on disk and releases the journal's lock.
func (j *Journal) Close() error {
	err := j.w.Close()
	if j.unlock != nil {
		j.unlock()
		j.unlock = nil
	}
	return err
}
