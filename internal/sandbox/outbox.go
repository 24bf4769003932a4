package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Delivery is one webhook event waiting to be delivered, or delivered. The
// outbox lives in the database so that a delivery that failed is retried
// after a restart.
type Delivery struct {
	ID          string // the event's ID (webhook-id)
	SessionID   string
	EventType   string // "subscription.created"
	URL         string
	Payload     []byte
	Attempts    int
	NextAt      time.Time
	DeliveredAt *time.Time
	LastStatus  int
	LastError   string
	CreatedAt   time.Time
}

// Enqueue adds a delivery, due at d.NextAt (now when zero).
func (tx *Tx) Enqueue(d Delivery) error {
	now := tx.Now()
	if d.NextAt.IsZero() {
		d.NextAt = now
	}
	_, err := tx.Exec(`INSERT INTO deliveries (id, session_id, event_type, url, payload, attempts, next_at, created_at) VALUES (?,?,?,?,?,0,?,?)`,
		d.ID, d.SessionID, d.EventType, d.URL, d.Payload, Micros(d.NextAt), Micros(now))
	if err != nil {
		return fmt.Errorf("sandbox: queueing delivery: %w", err)
	}
	return nil
}

// Due lists undelivered deliveries whose time has come, oldest first.
func (s *Store) Due(ctx context.Context, limit int) ([]Delivery, error) {
	return s.deliveries(ctx, `WHERE delivered_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT ?`, Micros(s.now()), limit)
}

// Deliveries lists every delivery of a session (or all when sessionID is ""), oldest first.
func (s *Store) Deliveries(ctx context.Context, sessionID string) ([]Delivery, error) {
	if sessionID == "" {
		return s.deliveries(ctx, `ORDER BY created_at`)
	}
	return s.deliveries(ctx, `WHERE session_id = ? ORDER BY created_at`, sessionID)
}

func (s *Store) deliveries(ctx context.Context, where string, args ...any) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, session_id, event_type, url, payload, attempts, next_at, delivered_at, coalesce(last_status, 0), coalesce(last_error, ''), created_at FROM deliveries `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var next, created int64
		var delivered sql.NullInt64
		if err := rows.Scan(&d.ID, &d.SessionID, &d.EventType, &d.URL, &d.Payload, &d.Attempts, &next, &delivered, &d.LastStatus, &d.LastError, &created); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		d.NextAt, d.CreatedAt = FromMicros(next), FromMicros(created)
		if delivered.Valid {
			t := FromMicros(delivered.Int64)
			d.DeliveredAt = &t
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Attempted records one attempt at delivery id: its HTTP status (0 when
// none came back) and error. delivered ends it; otherwise it is due again
// at retryAt, or never again when retryAt is zero (given up).
func (s *Store) Attempted(ctx context.Context, id string, status int, errText string, delivered bool, retryAt time.Time) error {
	return s.Update(ctx, func(tx *Tx) error {
		var deliveredAt, next any
		if delivered {
			deliveredAt = Micros(tx.Now())
		}
		next = Micros(retryAt)
		if retryAt.IsZero() {
			next = int64(1<<63 - 1)
		}
		_, err := tx.Exec(`UPDATE deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, delivered_at = ?, next_at = ? WHERE id = ?`,
			status, errText, deliveredAt, next, id)
		if err != nil {
			return err
		}
		// The attempt joins the event's history that `sandbox events` shows.
		_, err = tx.Exec(`INSERT INTO event_attempts (event_id, url, at, status, error, took_us)
			SELECT id, url, ?, ?, ?, 0 FROM deliveries WHERE id = ?`, Micros(tx.Now()), status, errText, id)
		return err
	})
}
