// Package pagetest holds what every page.Sessions implementation must do,
// as a suite that the in-memory test store and the sandbox's SQLite store
// both run. It is for tests only.
package pagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/billctl/billctl/internal/sandbox/page"
)

// Store is a Sessions under test and the ways to set up its sessions.
type Store struct {
	Sessions page.Sessions
	// Create makes a new session (CREATED) and returns its ID.
	Create func(t *testing.T) string
	// Expire makes a session expired, as time passing or `sandbox expire`
	// would.
	Expire func(t *testing.T, id string)
	// Completions returns how many times a session's completion was acted
	// on (its webhook queued); nil when the store cannot tell.
	Completions func(t *testing.T, id string) int
}

// TestSessions runs the suite; open returns a fresh store.
func TestSessions(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	status := func(t *testing.T, s Store, id string) page.Status {
		t.Helper()
		c, err := s.Sessions.Checkout(ctx, id)
		if err != nil {
			t.Fatalf("Checkout(%s): %v", id, err)
		}
		return c.Status
	}
	wantState := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, page.ErrState) {
			t.Errorf("%s: error %v, want page.ErrState", what, err)
		}
	}

	t.Run("open, then pay", func(t *testing.T) {
		s := open(t)
		id := s.Create(t)
		if got := status(t, s, id); got != page.Created {
			t.Fatalf("new session is %s", got)
		}
		c, err := s.Sessions.Opened(ctx, id)
		if err != nil || c.Status != page.AwaitingPayment || c.ID != id {
			t.Fatalf("Opened: %s %s, %v", c.ID, c.Status, err)
		}
		if c, err = s.Sessions.Opened(ctx, id); err != nil || c.Status != page.AwaitingPayment {
			t.Errorf("Opened twice: %s, %v", c.Status, err)
		}
		c, err = s.Sessions.Pay(ctx, id)
		if err != nil || c.Status != page.Completed {
			t.Fatalf("Pay: %s, %v", c.Status, err)
		}
		if c, err = s.Sessions.Opened(ctx, id); err != nil || c.Status != page.Completed {
			t.Errorf("Opened after paying: %s, %v; want COMPLETED, no error", c.Status, err)
		}
		_, err = s.Sessions.Pay(ctx, id)
		wantState(t, "Pay twice", err)
		_, err = s.Sessions.Cancel(ctx, id)
		wantState(t, "Cancel after paying", err)
		if got := status(t, s, id); got != page.Completed {
			t.Errorf("status %s, want COMPLETED", got)
		}
		if s.Completions != nil {
			if n := s.Completions(t, id); n != 1 {
				t.Errorf("completion acted on %d times, want 1", n)
			}
		}
	})

	t.Run("pay without opening", func(t *testing.T) {
		s := open(t)
		id := s.Create(t)
		if c, err := s.Sessions.Pay(ctx, id); err != nil || c.Status != page.Completed {
			t.Errorf("Pay from CREATED: %s, %v", c.Status, err)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		s := open(t)
		created, opened := s.Create(t), s.Create(t)
		if _, err := s.Sessions.Opened(ctx, opened); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{created, opened} {
			c, err := s.Sessions.Cancel(ctx, id)
			if err != nil || c.Status != page.Cancelled {
				t.Errorf("Cancel: %s, %v", c.Status, err)
			}
			_, err = s.Sessions.Pay(ctx, id)
			wantState(t, "Pay after cancelling", err)
			if c, err = s.Sessions.Opened(ctx, id); err != nil || c.Status != page.Cancelled {
				t.Errorf("Opened after cancelling: %s, %v", c.Status, err)
			}
		}
		if s.Completions != nil {
			if n := s.Completions(t, created); n != 0 {
				t.Errorf("a cancelled session was acted on as completed %d times", n)
			}
		}
	})

	t.Run("expired", func(t *testing.T) {
		s := open(t)
		id := s.Create(t)
		s.Expire(t, id)
		if got := status(t, s, id); got != page.Expired {
			t.Fatalf("status %s, want EXPIRED", got)
		}
		if c, err := s.Sessions.Opened(ctx, id); err != nil || c.Status != page.Expired {
			t.Errorf("Opened: %s, %v; want EXPIRED, no error", c.Status, err)
		}
		_, err := s.Sessions.Pay(ctx, id)
		wantState(t, "Pay an expired session", err)
		_, err = s.Sessions.Cancel(ctx, id)
		wantState(t, "Cancel an expired session", err)
	})

	t.Run("unknown", func(t *testing.T) {
		s := open(t)
		for name, call := range map[string]func(context.Context, string) (page.Checkout, error){
			"Checkout": s.Sessions.Checkout, "Opened": s.Sessions.Opened,
			"Pay": s.Sessions.Pay, "Cancel": s.Sessions.Cancel,
		} {
			if _, err := call(ctx, "che_doesNotExist"); !errors.Is(err, page.ErrNotFound) {
				t.Errorf("%s of an unknown ID: %v, want page.ErrNotFound", name, err)
			}
		}
	})
}
