package webhooktest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox/webhook"
)

// MemOutbox is an in-memory webhook.Outbox.
type MemOutbox struct {
	mu   sync.Mutex
	rows []*MemRow
}

// MemRow is a message in a MemOutbox and its last recorded result.
type MemRow struct {
	webhook.Delivery
	Last webhook.Result
}

// Enqueue queues m, due at once.
func (o *MemOutbox) Enqueue(_ context.Context, m webhook.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.rows {
		if r.ID == m.ID {
			return fmt.Errorf("message %s is already queued", m.ID)
		}
	}
	o.rows = append(o.rows, &MemRow{
		Delivery: webhook.Delivery{Message: m, NextAt: m.CreatedAt},
		Last:     webhook.Result{State: webhook.Pending},
	})
	return nil
}

// Claim implements webhook.Outbox.
func (o *MemOutbox) Claim(_ context.Context, now time.Time, lease time.Duration, limit int) ([]webhook.Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var due []*MemRow
	for _, r := range o.rows {
		if r.Last.State == webhook.Pending && !r.NextAt.After(now) {
			due = append(due, r)
		}
	}
	slices.SortStableFunc(due, func(a, b *MemRow) int { return a.CreatedAt.Compare(b.CreatedAt) })
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]webhook.Delivery, len(due))
	for i, r := range due {
		out[i] = r.Delivery
		out[i].Payload = bytes.Clone(r.Payload)
		r.NextAt = now.Add(lease)
	}
	return out, nil
}

// Attempted implements webhook.Outbox.
func (o *MemOutbox) Attempted(_ context.Context, id string, res webhook.Result) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.rows {
		if r.ID == id {
			r.Attempts = res.Attempts
			r.Last = res
			if res.State == webhook.Pending {
				r.NextAt = res.Next
			}
			return nil
		}
	}
	return fmt.Errorf("no message %s", id)
}

// Rows returns a copy of every message and its state.
func (o *MemOutbox) Rows() []MemRow {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]MemRow, len(o.rows))
	for i, r := range o.rows {
		out[i] = *r
	}
	return out
}

// Queue is an outbox under test and the way its store queues a message
// (in the sandbox, the transaction that completes a session).
type Queue struct {
	Outbox  webhook.Outbox
	Enqueue func(context.Context, webhook.Message) error
	// State reads back a message's delivery state and attempts.
	State func(ctx context.Context, id string) (webhook.State, int, error)
}

// TestOutbox is what every webhook.Outbox must do: hand out due messages
// oldest first, each once per lease, keep a pending one's next attempt,
// and never hand out a delivered or failed one again. open returns a fresh,
// empty outbox.
func TestOutbox(t *testing.T, open func(t *testing.T) Queue) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)
	msg := func(id string, at time.Time) webhook.Message {
		return webhook.Message{ID: id, SessionID: "che_" + id, EventType: "subscription.created", Payload: []byte(`{"id":"` + id + `"}`), CreatedAt: at}
	}
	ids := func(ds []webhook.Delivery) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("oldest first, within the limit", func(t *testing.T) {
		q := open(t)
		must(q.Enqueue(ctx, msg("evt_b", t0.Add(time.Second))))
		must(q.Enqueue(ctx, msg("evt_a", t0)))
		must(q.Enqueue(ctx, msg("evt_c", t0.Add(2*time.Second))))
		got, err := q.Outbox.Claim(ctx, t0.Add(time.Minute), time.Minute, 2)
		must(err)
		if !slices.Equal(ids(got), []string{"evt_a", "evt_b"}) {
			t.Fatalf("claimed %v, want [evt_a evt_b]", ids(got))
		}
		if string(got[0].Payload) != `{"id":"evt_a"}` || got[0].EventType != "subscription.created" || got[0].SessionID != "che_evt_a" || got[0].Attempts != 0 {
			t.Errorf("claimed %+v", got[0])
		}
		if !got[0].CreatedAt.Equal(t0) {
			t.Errorf("CreatedAt %s, want %s", got[0].CreatedAt, t0)
		}
	})

	t.Run("a claim holds for its lease", func(t *testing.T) {
		q := open(t)
		must(q.Enqueue(ctx, msg("evt_a", t0)))
		now := t0.Add(time.Second)
		got, err := q.Outbox.Claim(ctx, now, time.Minute, 10)
		must(err)
		if len(got) != 1 {
			t.Fatalf("claimed %v", ids(got))
		}
		if again, _ := q.Outbox.Claim(ctx, now.Add(59*time.Second), time.Minute, 10); len(again) != 0 {
			t.Errorf("claimed again within the lease: %v", ids(again))
		}
		// The process died before Attempted: the message comes back.
		again, err := q.Outbox.Claim(ctx, now.Add(time.Minute), time.Minute, 10)
		must(err)
		if !slices.Equal(ids(again), []string{"evt_a"}) {
			t.Errorf("after the lease, claimed %v, want [evt_a]", ids(again))
		}
	})

	t.Run("retry waits for its time", func(t *testing.T) {
		q := open(t)
		must(q.Enqueue(ctx, msg("evt_a", t0)))
		_, err := q.Outbox.Claim(ctx, t0, time.Minute, 10)
		must(err)
		next := t0.Add(5 * time.Second)
		must(q.Outbox.Attempted(ctx, "evt_a", webhook.Result{Attempts: 1, At: t0, Status: 500, Error: "500 Internal Server Error", State: webhook.Pending, Next: next}))
		if got, _ := q.Outbox.Claim(ctx, next.Add(-time.Millisecond), time.Minute, 10); len(got) != 0 {
			t.Errorf("claimed before its retry time: %v", ids(got))
		}
		got, err := q.Outbox.Claim(ctx, next, time.Minute, 10)
		must(err)
		if len(got) != 1 || got[0].Attempts != 1 {
			t.Fatalf("at its retry time claimed %+v, want evt_a with 1 attempt", got)
		}
		state, n, err := q.State(ctx, "evt_a")
		must(err)
		if state != webhook.Pending || n != 1 {
			t.Errorf("state %s, %d attempts; want pending, 1", state, n)
		}
	})

	t.Run("delivered and failed are done", func(t *testing.T) {
		q := open(t)
		must(q.Enqueue(ctx, msg("evt_ok", t0)))
		must(q.Enqueue(ctx, msg("evt_bad", t0)))
		_, err := q.Outbox.Claim(ctx, t0, time.Minute, 10)
		must(err)
		must(q.Outbox.Attempted(ctx, "evt_ok", webhook.Result{Attempts: 1, At: t0, Status: 200, State: webhook.Delivered}))
		must(q.Outbox.Attempted(ctx, "evt_bad", webhook.Result{Attempts: 9, At: t0, Status: 500, Error: "500", State: webhook.Failed}))
		if got, _ := q.Outbox.Claim(ctx, t0.Add(24*time.Hour), time.Minute, 10); len(got) != 0 {
			t.Errorf("claimed finished messages: %v", ids(got))
		}
		for id, want := range map[string]webhook.State{"evt_ok": webhook.Delivered, "evt_bad": webhook.Failed} {
			state, _, err := q.State(ctx, id)
			must(err)
			if state != want {
				t.Errorf("%s: state %s, want %s", id, state, want)
			}
		}
	})

	t.Run("one message, one row", func(t *testing.T) {
		q := open(t)
		must(q.Enqueue(ctx, msg("evt_a", t0)))
		if err := q.Enqueue(ctx, msg("evt_a", t0)); err == nil {
			t.Error("the same message ID was queued twice")
		}
	})
}

// State reads a message's state from a MemOutbox, for TestOutbox.
func (o *MemOutbox) State(_ context.Context, id string) (webhook.State, int, error) {
	for _, r := range o.Rows() {
		if r.ID == id {
			return r.Last.State, r.Attempts, nil
		}
	}
	return "", 0, fmt.Errorf("no message %s", id)
}
