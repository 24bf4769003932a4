// Package sandbox is a local, stateful stand-in for the providers' APIs:
// one SQLite store, one HTTP handler, and the knobs (latency, failures,
// rate limits) users need to test their own scripts. It knows no provider:
// each one's routes, answers, IDs, catalogue and webhook events are its
// side, an API value from its sandbox package (provider/<name>/sandbox);
// this package holds what they share.
package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // pure Go: releases stay CGO-free
)

// Status is where a session stands, the same five states for both APIs;
// each provider names them on the wire.
type Status string

// The states of a session: CREATED → AWAITING_PAYMENT (its page was opened)
// → COMPLETED (paid), or CANCELLED (only from the first two), or EXPIRED.
const (
	Created         Status = "CREATED"
	AwaitingPayment Status = "AWAITING_PAYMENT"
	Completed       Status = "COMPLETED"
	Cancelled       Status = "CANCELLED"
	Expired         Status = "EXPIRED"
)

// Open reports whether the session can still be paid or cancelled.
func (s Status) Open() bool { return s == Created || s == AwaitingPayment }

// Session is one checkout session of either API.
type Session struct {
	ID       string
	Provider string // the name of the API it was made on
	Company  string // the tenant inside the API (a company); "" when it has none
	Customer string // the customer ID (an alias is resolved before storing)
	// Status is as of reading: an open session past ExpiresAt reads EXPIRED.
	Status         Status
	CreatedAt      time.Time
	ExpiresAt      *time.Time // nil: never expires
	CompletedAt    *time.Time
	SubscriptionID string
	// Request is the create request's body as the API accepted it.
	Request json.RawMessage
}

// Errors of the session transitions.
var (
	ErrNotFound = errors.New("no such session")
	// ErrState: the session is not in a state that allows the change.
	ErrState = errors.New("the session cannot make this change in its current state")
)

// Store is the sandbox's state in one SQLite database. A server and any
// number of other processes may open the same file at once.
type Store struct {
	db   *sql.DB
	path string // "" in memory
	// jobs feeds the one goroutine that writes: this process's writes
	// queue in Go rather than in SQLite's sleeping busy handler (other
	// processes wait through busy_timeout), and the writes that queued
	// together commit together.
	jobs      chan *job
	insert    *sql.Stmt
	closeOnce sync.Once
	stopped   chan struct{}
	now       func() time.Time

	mu        sync.Mutex
	catalogs  map[string][]Item
	kinds     map[string]*catalogKind
	seq       *int
	completed []func(tx *Tx, s *Session) error
	subIDs    map[string]func(now time.Time) string // by provider
	emitters  map[string]EventsFunc                 // by provider
}

// DefaultPathEnv is $XDG_STATE_HOME/billctl/sandbox.db (~/.local/state/…),
// reading the environment through getenv.
func DefaultPathEnv(getenv func(string) string) (string, error) {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			var err error
			if home, err = os.UserHomeDir(); err != nil {
				return "", fmt.Errorf("sandbox: no home directory for the database: %w (use --data PATH)", err)
			}
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "billctl", "sandbox.db"), nil
}

var memories atomic.Int64

// Open opens (creating if need be) the database at path and brings its
// schema up to date. path "" is a fresh in-memory database.
func Open(path string) (*Store, error) {
	// WAL lets readers run beside the one writer; synchronous=NORMAL still
	// keeps every committed transaction when the process is killed (only a
	// power cut can lose the last ones); busy_timeout makes another
	// process's writer wait rather than fail; _txlock=immediate takes the
	// write lock at BEGIN, so two writers never deadlock upgrading.
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	var dsn string
	if path == "" {
		dsn = "file:sandbox-" + strconv.FormatInt(memories.Add(1), 10) + "?mode=memory&" + pragmas
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		dsn = "file:" + path + "?_pragma=journal_mode(WAL)&" + pragmas
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if path == "" {
		// A memory database is one connection's: keep exactly one, forever.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
	}
	s := &Store{db: db, path: path, now: time.Now, catalogs: map[string][]Item{}, kinds: map[string]*catalogKind{},
		jobs: make(chan *job), stopped: make(chan struct{})}
	go s.writer()
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, err
	}
	// Prepared once: parsing the statement costs as much as running it.
	if s.insert, err = db.Prepare(`INSERT INTO sessions (` + sessionCols + `) VALUES (?,?,?,?,?,?,?,?,?,?)`); err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return s, nil
}

// Path is the database file, "" in memory.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stopped) })
	return s.db.Close()
}

// SequentialIDs makes new records' IDs prefix + a counter of six digits
// (che_000001, chk_000002, …), which are valid IDs of both APIs: tests can
// then name the sessions they create.
func (s *Store) SequentialIDs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq = new(int)
}

// NewID is the ID of a new record: gen's, or the next of the sequence when
// SequentialIDs was called.
func (s *Store) NewID(prefix string, gen func() string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seq == nil {
		return gen()
	}
	*s.seq++
	return fmt.Sprintf("%s%06d", prefix, *s.seq)
}

// SetClock replaces time.Now (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

func (s *Store) migrate() error {
	return s.Update(context.Background(), func(tx *Tx) error {
		var v int
		if err := tx.tx.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("the database %s was written by a newer billctl (schema %d, this one knows %d)", s.path, v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.tx.Exec(migrations[i]); err != nil {
				return fmt.Errorf("schema step %d: %w", i+1, err)
			}
		}
		_, err := tx.tx.Exec("PRAGMA user_version = " + strconv.Itoa(len(migrations)))
		return err
	})
}

// Tx is one write transaction. It commits, durably, before Update returns,
// so an answer sent after Update is never lost to a killed process.
type Tx struct {
	tx    *sql.Tx
	store *Store
	ctx   context.Context
	after []func()
}

type job struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
}

// ErrClosed: the store was closed.
var ErrClosed = errors.New("sandbox: the store is closed")

// Update runs fn in a write transaction and commits it; fn's error undoes
// what fn did and is returned. fn may share its transaction with other
// Updates that were waiting at the same time (each in its own savepoint):
// one commit then makes them all durable, which is what lets the sandbox
// keep up with a batch sent in parallel.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-s.stopped:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-j.done
}

// maxBatch bounds the writes committed together.
const maxBatch = 256

func (s *Store) writer() {
	for {
		var first *job
		select {
		case first = <-s.jobs:
		case <-s.stopped:
			return
		}
		batch := []*job{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		s.run(batch)
	}
}

// run runs a batch of jobs in one transaction, each in a savepoint, and
// reports to each once the commit is done.
func (s *Store) run(batch []*job) {
	errs := make([]error, len(batch))
	var afters [][]func()
	// The statements run under a context of their own: one caller giving
	// up must not interrupt the transaction it shares with others.
	ctx := context.Background()
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		for _, j := range batch {
			j.done <- fmt.Errorf("sandbox: %w", err)
		}
		return
	}
	if len(batch) == 1 {
		// Alone: the transaction is the job's, no savepoint needed.
		j := batch[0]
		tx := &Tx{tx: sqlTx, store: s, ctx: ctx}
		err := j.ctx.Err()
		if err == nil {
			err = j.fn(tx)
		}
		if err == nil {
			err = sqlTx.Commit()
		} else {
			_ = sqlTx.Rollback()
			j.done <- err
			return
		}
		if err != nil {
			j.done <- fmt.Errorf("sandbox: %w", err)
			return
		}
		for _, f := range tx.after {
			f()
		}
		j.done <- nil
		return
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
			errs[i] = err
			continue
		}
		tx := &Tx{tx: sqlTx, store: s, ctx: ctx}
		errs[i] = j.fn(tx)
		if errs[i] != nil {
			_, _ = sqlTx.ExecContext(ctx, "ROLLBACK TO job")
		} else {
			afters = append(afters, tx.after)
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE job"); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		for _, j := range batch {
			j.done <- fmt.Errorf("sandbox: %w", err)
		}
		return
	}
	for _, fs := range afters {
		for _, f := range fs {
			f()
		}
	}
	for i, j := range batch {
		j.done <- errs[i]
	}
}

// AfterCommit runs f once the transaction has committed (to wake a
// webhook sender, for instance).
func (tx *Tx) AfterCommit(f func()) { tx.after = append(tx.after, f) }

// Now is the store's clock.
func (tx *Tx) Now() time.Time { return tx.store.now() }

// Exec runs a statement in the transaction (for packages that add their
// own use of the tables above, such as the webhook outbox).
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.ctx, query, args...)
}

const sessionCols = "id, provider, company, customer_id, status, created_at, expires_at, completed_at, subscription_id, request"

type rowScanner interface{ Scan(...any) error }

func scanSession(r rowScanner, now time.Time) (*Session, error) {
	var (
		ss                 Session
		status             string
		created            int64
		expires, completed sql.NullInt64
		sub                sql.NullString
		req                []byte
	)
	if err := r.Scan(&ss.ID, &ss.Provider, &ss.Company, &ss.Customer, &status, &created, &expires, &completed, &sub, &req); err != nil {
		return nil, err
	}
	ss.Status = Status(status)
	ss.CreatedAt = FromMicros(created)
	if expires.Valid {
		t := FromMicros(expires.Int64)
		ss.ExpiresAt = &t
		if ss.Status.Open() && !now.Before(t) {
			ss.Status = Expired
		}
	}
	if completed.Valid {
		t := FromMicros(completed.Int64)
		ss.CompletedAt = &t
	}
	ss.SubscriptionID = sub.String
	ss.Request = req
	return &ss, nil
}

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return Micros(*t)
}

// InsertSession stores a new session.
func (tx *Tx) InsertSession(ss *Session) error {
	var sub any
	if ss.SubscriptionID != "" {
		sub = ss.SubscriptionID
	}
	_, err := tx.tx.StmtContext(tx.ctx, tx.store.insert).ExecContext(tx.ctx,
		ss.ID, ss.Provider, ss.Company, ss.Customer, string(ss.Status), Micros(ss.CreatedAt),
		nullMicros(ss.ExpiresAt), nullMicros(ss.CompletedAt), sub, []byte(ss.Request))
	if err != nil {
		return fmt.Errorf("sandbox: storing session %s: %w", ss.ID, err)
	}
	return nil
}

// Session reads one session inside the transaction.
func (tx *Tx) Session(id string) (*Session, error) {
	ss, err := scanSession(tx.tx.QueryRowContext(tx.ctx, "SELECT "+sessionCols+" FROM sessions WHERE id = ?", id), tx.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return ss, err
}

// Session reads one session.
func (s *Store) Session(ctx context.Context, id string) (*Session, error) {
	ss, err := scanSession(s.db.QueryRowContext(ctx, "SELECT "+sessionCols+" FROM sessions WHERE id = ?", id), s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return ss, nil
}

// Filter narrows Sessions; empty fields match all.
type Filter struct {
	Provider string
	Company  string
	Customer string
	Status   Status
}

// Sessions lists sessions, newest first, all of them: Meteroid's list has
// no pagination.
func (s *Store) Sessions(ctx context.Context, f Filter) ([]*Session, error) {
	now := s.now()
	q := "SELECT " + sessionCols + " FROM sessions WHERE 1=1"
	var args []any
	if f.Provider != "" {
		q += " AND provider = ?"
		args = append(args, f.Provider)
	}
	if f.Company != "" {
		q += " AND company = ?"
		args = append(args, f.Company)
	}
	if f.Customer != "" {
		q += " AND customer_id = ?"
		args = append(args, f.Customer)
	}
	if f.Status != "" {
		// The status as read: an open session past its expiry is EXPIRED.
		q += ` AND (CASE WHEN status IN ('CREATED','AWAITING_PAYMENT') AND expires_at IS NOT NULL AND expires_at <= ?
			THEN 'EXPIRED' ELSE status END) = ?`
		args = append(args, Micros(now), string(f.Status))
	}
	q += " ORDER BY seq DESC"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer rows.Close()
	out := []*Session{}
	for rows.Next() {
		ss, err := scanSession(rows, now)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// Count is the number of sessions stored.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sessions").Scan(&n)
	return n, err
}

// setStatus moves an open session to status to. It fails with ErrNotFound
// or ErrState (the session is not open any more).
func (tx *Tx) setStatus(id string, to Status, extra func(ss *Session) error) (*Session, error) {
	ss, err := tx.Session(id)
	if err != nil {
		return nil, err
	}
	if !ss.Status.Open() {
		return ss, ErrState
	}
	if to == AwaitingPayment && ss.Status == AwaitingPayment {
		return ss, nil
	}
	ss.Status = to
	if extra != nil {
		if err := extra(ss); err != nil {
			return nil, err
		}
	}
	_, err = tx.Exec(`UPDATE sessions SET status = ?, expires_at = ?, completed_at = ?, subscription_id = ? WHERE id = ?`,
		string(ss.Status), nullMicros(ss.ExpiresAt), nullMicros(ss.CompletedAt), nullString(ss.SubscriptionID), id)
	return ss, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Opened records that the session's page was opened: CREATED becomes
// AWAITING_PAYMENT. A session that is not open is returned unchanged with
// ErrState.
func (s *Store) Opened(ctx context.Context, id string) (*Session, error) {
	var out *Session
	err := s.Update(ctx, func(tx *Tx) error {
		ss, err := tx.setStatus(id, AwaitingPayment, nil)
		out = ss
		return err
	})
	return out, err
}

// Pay completes an open session: status COMPLETED, completed_at now, and a
// subscription ID; the OnComplete hooks run in the same transaction.
func (s *Store) Pay(ctx context.Context, id string) (*Session, error) {
	var out *Session
	err := s.Update(ctx, func(tx *Tx) error {
		ss, err := tx.setStatus(id, Completed, func(ss *Session) error {
			now := tx.Now()
			ss.CompletedAt = &now
			ss.SubscriptionID = s.subscriptionID(ss, now)
			return nil
		})
		out = ss
		if err != nil {
			return err
		}
		if err := tx.emit(ss); err != nil {
			return err
		}
		s.mu.Lock()
		hooks := append([]func(*Tx, *Session) error(nil), s.completed...)
		s.mu.Unlock()
		for _, h := range hooks {
			if err := h(tx, ss); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// subscriptionID is a new subscription's ID in the scheme of the session's
// API (SubscriptionIDs), or a random one when its API set none.
func (s *Store) subscriptionID(ss *Session, now time.Time) string {
	s.mu.Lock()
	gen := s.subIDs[ss.Provider]
	s.mu.Unlock()
	if gen != nil {
		return gen(now)
	}
	return RandomID("sub_", 22)
}

// SubscriptionIDs sets how the subscriptions of provider's sessions are
// named when they are paid (each API has its own ID scheme).
func (s *Store) SubscriptionIDs(provider string, gen func(now time.Time) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subIDs == nil {
		s.subIDs = map[string]func(time.Time) string{}
	}
	s.subIDs[provider] = gen
}

// Cancel cancels an open session.
func (s *Store) Cancel(ctx context.Context, id string) (*Session, error) {
	var out *Session
	err := s.Update(ctx, func(tx *Tx) error {
		ss, err := tx.setStatus(id, Cancelled, nil)
		out = ss
		return err
	})
	return out, err
}

// Expire ends an open session now.
func (s *Store) Expire(ctx context.Context, id string) (*Session, error) {
	var out *Session
	err := s.Update(ctx, func(tx *Tx) error {
		ss, err := tx.setStatus(id, Expired, func(ss *Session) error {
			now := tx.Now()
			ss.ExpiresAt = &now
			return nil
		})
		out = ss
		return err
	})
	return out, err
}

// OnComplete adds a hook run inside the transaction that completes a
// session (the webhook outbox enqueues its delivery there, so a delivery
// exists if and only if the payment was recorded).
func (s *Store) OnComplete(h func(tx *Tx, ss *Session) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.completed = append(s.completed, h)
}

// Reset forgets every session, idempotency key, event and delivery, and
// seeds the catalogue afresh. The signing secret is kept (receivers are
// configured with it); SetSigningSecret changes it.
func (s *Store) Reset(ctx context.Context) error {
	return s.Update(ctx, func(tx *Tx) error {
		for _, t := range []string{"sessions", "idempotency_keys", "deliveries", "events", "event_attempts", "catalog"} {
			if _, err := tx.Exec("DELETE FROM " + t); err != nil {
				return err
			}
		}
		if _, err := tx.Exec("DELETE FROM meta WHERE key != ?", secretKey); err != nil {
			return err
		}
		s.mu.Lock()
		s.kinds = map[string]*catalogKind{}
		cats := make(map[string][]Item, len(s.catalogs))
		for k, v := range s.catalogs {
			cats[k] = v
		}
		s.mu.Unlock()
		for provider, items := range cats {
			if err := tx.seed(provider, items); err != nil {
				return err
			}
		}
		return nil
	})
}
