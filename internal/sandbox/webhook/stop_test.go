package webhook_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/webhook"
)

// A stop while a receiver hangs: Run returns once StopGrace has passed,
// nothing is counted as attempted, and every claimed message is due again
// at once for the next start (not after its lease).
func TestStopHandsClaimedMessagesBack(t *testing.T) {
	ctx := context.Background()
	st, err := sandbox.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := webhook.StoreOutbox{Store: st}
	now := time.Now()
	for i := 0; i < 5; i++ {
		m := webhook.Message{ID: fmt.Sprintf("msg_2zg9tUmeQMonp21OV6Rl%02d", i), EventType: "subscription.created", Payload: []byte(`{}`), CreatedAt: now.Add(-time.Minute)}
		if err := o.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	arrived, release := make(chan struct{}, 5), make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer recv.Close()
	defer close(release)
	key, _ := webhook.ParseSecret(webhook.NewSecret())
	d := webhook.NewDispatcher(webhook.Options{Outbox: o, URL: recv.URL, Secret: key, Lease: time.Hour,
		StopGrace: 200 * time.Millisecond, Log: slog.New(slog.DiscardHandler)})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery started")
	}
	stopped := time.Now()
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its grace")
	}
	if took := time.Since(stopped); took < 150*time.Millisecond || took > 3*time.Second {
		t.Errorf("Run returned %s after the stop, want about the 200ms grace", took)
	}
	due, err := st.Due(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 5 {
		t.Fatalf("%d messages due after the stop, want all 5 (none left to its hour-long lease)", len(due))
	}
	for _, m := range due {
		if m.Attempts != 0 || m.DeliveredAt != nil {
			t.Errorf("%s: %d attempts, delivered %v; a cut-off attempt is not one", m.ID, m.Attempts, m.DeliveredAt)
		}
	}
}
