package webhook

import (
	"context"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
)

// StoreOutbox is the Outbox kept in the sandbox store's deliveries table,
// so a delivery that failed is retried after a restart.
type StoreOutbox struct{ Store *sandbox.Store }

var (
	_ Outbox   = StoreOutbox{}
	_ Releaser = StoreOutbox{}
)

// Claim implements Outbox. A row is claimed by moving its next attempt
// only if nobody moved it since it was read, so two servers on one
// database never send the same attempt twice.
func (o StoreOutbox) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	due, err := o.Store.Due(ctx, limit)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	var out []Delivery
	err = o.Store.Update(ctx, func(tx *sandbox.Tx) error {
		out = out[:0]
		for _, d := range due {
			res, err := tx.Exec(`UPDATE deliveries SET next_at = ? WHERE id = ? AND next_at = ? AND delivered_at IS NULL`,
				sandbox.Micros(now.Add(lease)), d.ID, sandbox.Micros(d.NextAt))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out = append(out, Delivery{
					Message: Message{ID: d.ID, SessionID: d.SessionID, EventType: d.EventType, Payload: d.Payload, CreatedAt: d.CreatedAt},
					// The store counts attempts itself; the row read says how many so far.
					Attempts: d.Attempts,
					NextAt:   d.NextAt,
				})
			}
		}
		return nil
	})
	return out, err
}

// Attempted implements Outbox.
func (o StoreOutbox) Attempted(ctx context.Context, id string, r Result) error {
	next := r.Next
	if r.State != Pending {
		next = time.Time{}
	}
	return o.Store.Attempted(ctx, id, r.Status, r.Error, r.State == Delivered, next)
}

// Release implements Releaser: the messages a stopping server claimed and
// did not deliver are due again at now, for the next start.
func (o StoreOutbox) Release(ctx context.Context, ids []string, now time.Time) error {
	return o.Store.Update(ctx, func(tx *sandbox.Tx) error {
		for _, id := range ids {
			if _, err := tx.Exec(`UPDATE deliveries SET next_at = ? WHERE id = ? AND delivered_at IS NULL`, sandbox.Micros(now), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// State reads where a delivery stands, and its attempts so far.
func (o StoreOutbox) State(ctx context.Context, id string) (State, int, error) {
	all, err := o.Store.Deliveries(ctx, "")
	if err != nil {
		return "", 0, err
	}
	for _, d := range all {
		if d.ID != id {
			continue
		}
		switch {
		case d.DeliveredAt != nil:
			return Delivered, d.Attempts, nil
		case d.NextAt.Year() > 9999: // the store's "never again"
			return Failed, d.Attempts, nil
		}
		return Pending, d.Attempts, nil
	}
	return "", 0, sandbox.ErrNotFound
}

// Enqueue queues m in the store's outbox, in a transaction of its own.
func (o StoreOutbox) Enqueue(ctx context.Context, m Message) error {
	return o.Store.Update(ctx, func(tx *sandbox.Tx) error { return enqueue(tx, m, "") })
}

func enqueue(tx *sandbox.Tx, m Message, url string) error {
	return tx.Enqueue(sandbox.Delivery{
		ID: m.ID, SessionID: m.SessionID, EventType: m.EventType, URL: url, Payload: m.Payload, NextAt: m.CreatedAt,
	})
}

// QueueOnComplete makes the store queue a delivery to url of each event a
// session emits when it completes, in the transaction that completes it,
// so a delivery exists exactly when the payment was recorded; wake runs
// after that transaction commits (the dispatcher's Notify). Register it
// where webhooks are configured: `sandbox serve --webhook-url`.
func QueueOnComplete(st *sandbox.Store, url string, wake func()) {
	st.OnComplete(func(tx *sandbox.Tx, ss *sandbox.Session) error {
		evs, err := tx.SessionEvents(ss.ID)
		if err != nil {
			return err
		}
		for _, e := range evs {
			m := Message{ID: e.ID, SessionID: e.SessionID, EventType: e.Type, Payload: e.Payload, CreatedAt: e.CreatedAt}
			if err := enqueue(tx, m, url); err != nil {
				return err
			}
		}
		if wake != nil && len(evs) > 0 {
			tx.AfterCommit(wake)
		}
		return nil
	})
}
