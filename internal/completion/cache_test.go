package completion

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// An API that hangs costs the wait once; the next TABs within FailTTL
// answer at once, and the API is asked again after it.
func TestTimedOutLookupIsRemembered(t *testing.T) {
	var asked atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := source(t, "meteroid", srv.URL)
	s.Now = func() time.Time { return now }

	lookup := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := s.Items(ctx, Customers)
		return err
	}
	if err := lookup(); err == nil || errors.Is(err, ErrRecentFailure) {
		t.Fatalf("first lookup: %v, want a timeout", err)
	}
	for i := 0; i < 3; i++ {
		now = now.Add(FailTTL / 4)
		if err := lookup(); !errors.Is(err, ErrRecentFailure) {
			t.Fatalf("lookup %d within FailTTL: %v, want ErrRecentFailure", i+2, err)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Fatalf("the API was asked %d times within FailTTL, want 1", n)
	}
	now = now.Add(FailTTL / 4)
	if err := lookup(); err == nil || errors.Is(err, ErrRecentFailure) {
		t.Fatalf("after FailTTL: %v, want a new lookup", err)
	}
	if n := asked.Load(); n != 2 {
		t.Fatalf("the API was asked %d times, want 2", n)
	}
}

// A failure that came back at once (a refused connection) is not kept.
func TestQuickFailureIsNotRemembered(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s := source(t, "meteroid", url)
	for i := 0; i < 2; i++ {
		if _, err := s.Items(context.Background(), Customers); err == nil || errors.Is(err, ErrRecentFailure) {
			t.Fatalf("lookup %d: %v, want the connection's error", i+1, err)
		}
	}
}
