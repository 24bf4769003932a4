package sandbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Event is one webhook event a paid session emitted, as its API's server
// would send it. Events are kept in the database, whoever paid the session
// (a server's page, `sandbox pay`, a --sandbox command), so that every
// `sandbox listen` on the database sees them and `sandbox events` lists them.
type Event struct {
	// Seq orders the events of a database; a listener reads those after
	// the last it saw.
	Seq            int64
	ID             string // evt_…, also the message's webhook-id
	Provider       string
	Type           string // "subscription.created", "invoice.paid", …
	SessionID      string
	SubscriptionID string
	// Payload is the event's JSON body, sent and signed byte for byte.
	Payload   []byte
	CreatedAt time.Time
}

// EventsFunc builds the events a session's completion emits, in the order
// its API's server emits them; none for an API without webhooks.
type EventsFunc func(ss *Session, now time.Time) ([]Event, error)

// Attempt is one delivery attempt of an event to one URL.
type Attempt struct {
	EventID string
	URL     string
	At      time.Time
	// Status is the receiver's HTTP status; 0 when none came.
	Status int
	// Error says why the attempt failed; "" when it was delivered (2xx).
	Error string
	Took  time.Duration
}

// EmitOnComplete sets how the sessions of provider emit events when paid.
func (s *Store) EmitOnComplete(provider string, f EventsFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.emitters == nil {
		s.emitters = map[string]EventsFunc{}
	}
	s.emitters[provider] = f
}

// Prepare readies the store for the APIs: seeds each one's catalogue on
// first use, and sets its subscription IDs and its events. Every process
// that opens the database to act on sessions prepares it, so a session
// paid anywhere reads the same.
func (s *Store) Prepare(ctx context.Context, apis []API) error {
	for _, api := range apis {
		if api.Catalog != nil {
			if err := s.Seed(ctx, api.Name, api.Catalog()); err != nil {
				return err
			}
		}
		if api.SubscriptionID != nil {
			s.SubscriptionIDs(api.Name, api.SubscriptionID)
		}
		if api.Events != nil {
			s.EmitOnComplete(api.Name, api.Events)
		}
	}
	return nil
}

// emit stores the events of ss, just completed, in its transaction.
func (tx *Tx) emit(ss *Session) error {
	tx.store.mu.Lock()
	f := tx.store.emitters[ss.Provider]
	tx.store.mu.Unlock()
	if f == nil {
		return nil
	}
	evs, err := f(ss, tx.Now())
	if err != nil {
		return fmt.Errorf("sandbox: the events of session %s: %w", ss.ID, err)
	}
	for _, e := range evs {
		if e.CreatedAt.IsZero() {
			e.CreatedAt = tx.Now()
		}
		if _, err := tx.Exec(`INSERT INTO events (id, provider, type, session_id, subscription_id, payload, created_at) VALUES (?,?,?,?,?,?,?)`,
			e.ID, ss.Provider, e.Type, ss.ID, e.SubscriptionID, e.Payload, Micros(e.CreatedAt)); err != nil {
			return fmt.Errorf("sandbox: storing event %s: %w", e.ID, err)
		}
	}
	return nil
}

const eventCols = "seq, id, provider, type, session_id, subscription_id, payload, created_at"

func scanEvents(rows *sql.Rows, err error) ([]Event, error) {
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Seq, &e.ID, &e.Provider, &e.Type, &e.SessionID, &e.SubscriptionID, &e.Payload, &at); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		e.CreatedAt = FromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// SessionEvents lists the events of a session inside the transaction, in
// the order they were emitted (the outbox of `sandbox serve
// --webhook-url` queues them in the transaction that pays).
func (tx *Tx) SessionEvents(sessionID string) ([]Event, error) {
	return scanEvents(tx.tx.QueryContext(tx.ctx, "SELECT "+eventCols+" FROM events WHERE session_id = ? ORDER BY seq", sessionID))
}

// EventFilter narrows Events; empty fields match all.
type EventFilter struct {
	SessionID string
	Type      string
	// After lists only the events after this Seq.
	After int64
	Limit int
}

// Events lists events in the order they were emitted.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	q := "SELECT " + eventCols + " FROM events WHERE seq > ?"
	args := []any{f.After}
	if f.SessionID != "" {
		q += " AND session_id = ?"
		args = append(args, f.SessionID)
	}
	if f.Type != "" {
		q += " AND type = ?"
		args = append(args, f.Type)
	}
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return scanEvents(s.db.QueryContext(ctx, q, args...))
}

// LastEventSeq is the Seq of the newest event (0 when none): a listener
// that starts reads what comes after it.
func (s *Store) LastEventSeq(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&n)
	return n, err
}

// ErrNoEvent: no event has that ID.
var ErrNoEvent = errors.New("no such event")

// Event reads one event.
func (s *Store) Event(ctx context.Context, id string) (Event, error) {
	evs, err := scanEvents(s.db.QueryContext(ctx, "SELECT "+eventCols+" FROM events WHERE id = ?", id))
	if err != nil {
		return Event{}, err
	}
	if len(evs) == 0 {
		return Event{}, ErrNoEvent
	}
	return evs[0], nil
}

// RecordAttempt stores one delivery attempt.
func (s *Store) RecordAttempt(ctx context.Context, a Attempt) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.recordAttempt(a) })
}

func (tx *Tx) recordAttempt(a Attempt) error {
	_, err := tx.Exec(`INSERT INTO event_attempts (event_id, url, at, status, error, took_us) VALUES (?,?,?,?,?,?)`,
		a.EventID, a.URL, Micros(a.At), a.Status, a.Error, a.Took.Microseconds())
	return err
}

// Attempts lists the delivery attempts of an event, oldest first.
func (s *Store) Attempts(ctx context.Context, eventID string) ([]Attempt, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT event_id, url, at, status, error, took_us FROM event_attempts WHERE event_id = ? ORDER BY seq`, eventID)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var at, took int64
		if err := rows.Scan(&a.EventID, &a.URL, &at, &a.Status, &a.Error, &took); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		a.At, a.Took = FromMicros(at), time.Duration(took)*time.Microsecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// PaidSilently lists the sessions completed at or after since that emitted
// no event (their API defines no webhooks), oldest first.
func (s *Store) PaidSilently(ctx context.Context, since time.Time) ([]*Session, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, "SELECT "+sessionCols+` FROM sessions s WHERE completed_at >= ?
		AND NOT EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id) ORDER BY completed_at`, Micros(since))
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer rows.Close()
	var out []*Session
	for rows.Next() {
		ss, err := scanSession(rows, now)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// secretKey is where the signing secret is kept in the meta table.
const secretKey = "webhook_secret"

// SigningSecret is the database's webhook signing secret ("whsec_…"),
// made on first use and kept, so a receiver configured once keeps
// verifying across restarts of the server and of listeners.
func (s *Store) SigningSecret(ctx context.Context) (string, error) {
	var secret string
	err := s.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)`, secretKey, newSecret()); err != nil {
			return err
		}
		return tx.tx.QueryRowContext(tx.ctx, `SELECT value FROM meta WHERE key = ?`, secretKey).Scan(&secret)
	})
	return secret, err
}

// SetSigningSecret replaces the signing secret; "" makes a new random one.
// The caller checks the secret's form.
func (s *Store) SetSigningSecret(ctx context.Context, secret string) (string, error) {
	if secret == "" {
		secret = newSecret()
	}
	err := s.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, secretKey, secret)
		return err
	})
	return secret, err
}

// pageSecretKey is where the key of the pages' capabilities is kept.
const pageSecretKey = "page_secret"

// PageSecret is the database's key for the capabilities page URLs carry
// (Env.PageSecret), made on first use and kept, so a page URL printed
// before a restart still opens after it.
func (s *Store) PageSecret(ctx context.Context) ([]byte, error) {
	var secret string
	err := s.Update(ctx, func(tx *Tx) error {
		key := make([]byte, 32)
		rand.Read(key) // never fails (crypto/rand's contract)
		if _, err := tx.Exec(`INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)`, pageSecretKey, base64.StdEncoding.EncodeToString(key)); err != nil {
			return err
		}
		return tx.tx.QueryRowContext(tx.ctx, `SELECT value FROM meta WHERE key = ?`, pageSecretKey).Scan(&secret)
	})
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(secret)
}

// newSecret is a random secret as Standard Webhooks write one: "whsec_"
// and the base64 of 24 random bytes (Svix's size).
func newSecret() string {
	key := make([]byte, 24)
	rand.Read(key) // never fails (crypto/rand's contract)
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}
