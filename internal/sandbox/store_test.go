package sandbox_test

import (
	"context"
	"errors"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"path/filepath"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
)

func newSession(t *testing.T, st *sandbox.Store, expires *time.Time) *sandbox.Session {
	t.Helper()
	now := st.Now().UTC().Truncate(time.Microsecond)
	ss := &sandbox.Session{ID: meteroid.NewID("che_", now), Provider: "meteroid", Customer: "cus_1",
		Status: sandbox.Created, CreatedAt: now, ExpiresAt: expires, Request: []byte(`{}`)}
	if err := st.Update(context.Background(), func(tx *sandbox.Tx) error { return tx.InsertSession(ss) }); err != nil {
		t.Fatal(err)
	}
	return ss
}

func TestLifecycle(t *testing.T) {
	st, err := sandbox.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var hooked []string
	st.OnComplete(func(tx *sandbox.Tx, ss *sandbox.Session) error {
		hooked = append(hooked, ss.ID)
		return tx.Enqueue(sandbox.Delivery{ID: "evt_" + ss.ID, SessionID: ss.ID, EventType: "subscription.created", URL: "http://127.0.0.1:1/hook", Payload: []byte(`{}`)})
	})

	a := newSession(t, st, nil)
	if s, err := st.Opened(ctx, a.ID); err != nil || s.Status != sandbox.AwaitingPayment {
		t.Fatalf("opened: %v %v", s, err)
	}
	if s, err := st.Opened(ctx, a.ID); err != nil || s.Status != sandbox.AwaitingPayment {
		t.Fatalf("opened twice: %v %v", s, err)
	}
	s, err := st.Pay(ctx, a.ID)
	if err != nil || s.Status != sandbox.Completed || s.CompletedAt == nil || s.SubscriptionID == "" {
		t.Fatalf("pay: %+v %v", s, err)
	}
	if _, err := st.Pay(ctx, a.ID); !errors.Is(err, sandbox.ErrState) {
		t.Errorf("pay twice: %v", err)
	}
	if _, err := st.Cancel(ctx, a.ID); !errors.Is(err, sandbox.ErrState) {
		t.Errorf("cancel completed: %v", err)
	}
	if _, err := st.Pay(ctx, "che_none"); !errors.Is(err, sandbox.ErrNotFound) {
		t.Errorf("pay unknown: %v", err)
	}
	if len(hooked) != 1 {
		t.Errorf("completion hook ran %d times", len(hooked))
	}
	due, err := st.Due(ctx, 10)
	if err != nil || len(due) != 1 || due[0].SessionID != a.ID {
		t.Fatalf("due: %v %v", due, err)
	}
	retry := st.Now().Add(time.Minute)
	if err := st.Attempted(ctx, due[0].ID, 500, "boom", false, retry); err != nil {
		t.Fatal(err)
	}
	if due, _ := st.Due(ctx, 10); len(due) != 0 {
		t.Errorf("due again before its retry time: %v", due)
	}
	st.SetClock(func() time.Time { return retry.Add(time.Second) })
	if due, _ := st.Due(ctx, 10); len(due) != 1 || due[0].Attempts != 1 || due[0].LastStatus != 500 {
		t.Errorf("due at retry: %+v", due)
	}
	st.SetClock(time.Now)

	b := newSession(t, st, nil)
	if s, err := st.Expire(ctx, b.ID); err != nil || s.Status != sandbox.Expired || s.ExpiresAt == nil {
		t.Errorf("expire: %+v %v", s, err)
	}
	if _, err := st.Pay(ctx, b.ID); !errors.Is(err, sandbox.ErrState) {
		t.Errorf("pay expired: %v", err)
	}
	soon := st.Now().Add(time.Hour)
	c := newSession(t, st, &soon)
	st.SetClock(func() time.Time { return soon.Add(time.Second) })
	if s, _ := st.Session(ctx, c.ID); s.Status != sandbox.Expired {
		t.Errorf("past expiry reads %s", s.Status)
	}
	if _, err := st.Cancel(ctx, c.ID); !errors.Is(err, sandbox.ErrState) {
		t.Errorf("cancel past expiry: %v", err)
	}
	st.SetClock(time.Now)

	if err := st.Seed(ctx, "meteroid", []sandbox.Item{{Kind: "customers", ID: "cus_1", Name: "One", Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Count(ctx); n != 0 {
		t.Errorf("%d sessions after reset", n)
	}
	if items, _ := st.Catalog(ctx, "meteroid", "customers"); len(items) != 1 {
		t.Errorf("catalogue after reset: %v", items)
	}
	if d, _ := st.Deliveries(ctx, ""); len(d) != 0 {
		t.Errorf("deliveries after reset: %v", d)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(context.Background(), func(tx *sandbox.Tx) error {
		_, err := tx.Exec("PRAGMA user_version = 99")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := sandbox.Open(path); err == nil {
		t.Fatal("a database of schema 99 was opened")
	}
}

// Updates that wait together commit together, but a failing one undoes
// only its own writes.
func TestUpdatesShareACommitNotAFailure(t *testing.T) {
	st, err := sandbox.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	boom := errors.New("boom")
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		go func() {
			now := time.Now()
			ss := &sandbox.Session{ID: meteroid.NewID("che_", now), Provider: "meteroid", Customer: "cus_1",
				Status: sandbox.Created, CreatedAt: now, Request: []byte(`{}`)}
			errs <- st.Update(context.Background(), func(tx *sandbox.Tx) error {
				if err := tx.InsertSession(ss); err != nil {
					return err
				}
				if i%2 == 1 {
					return boom
				}
				return nil
			})
		}()
	}
	failed := 0
	for i := 0; i < 200; i++ {
		if err := <-errs; errors.Is(err, boom) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := st.Count(context.Background()); n != 100 || failed != 100 {
		t.Errorf("%d stored, %d failed; want 100 and 100", n, failed)
	}
}

func TestAddCatalog(t *testing.T) {
	st, err := sandbox.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Seed(ctx, "meteroid", []sandbox.Item{{Kind: "customers", ID: "cus_1", Name: "One", Data: []byte(`{"id":"cus_1"}`)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CatalogItem(ctx, "meteroid", "customers", "cus_2", false); !errors.Is(err, sandbox.ErrNoItem) {
		t.Fatalf("cus_2 before: %v", err)
	}
	if err := st.AddCatalog(ctx, "meteroid", []sandbox.Item{{Kind: "customers", ID: "cus_2", Alias: "two", Name: "Two", Data: []byte(`{"id":"cus_2"}`)}}); err != nil {
		t.Fatal(err)
	}
	if it, err := st.CatalogItem(ctx, "meteroid", "customers", "two", true); err != nil || it.ID != "cus_2" {
		t.Errorf("cus_2 by alias after: %v %v", it, err)
	}
	if items, _ := st.Catalog(ctx, "meteroid", "customers"); len(items) != 2 || items[1].ID != "cus_2" {
		t.Errorf("order: %v", items)
	}
}
