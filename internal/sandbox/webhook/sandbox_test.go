package webhook_test

import (
	"context"
	"encoding/json"
	maplesandbox "github.com/billctl/billctl/internal/provider/maple/sandbox"
	meteroidsandbox "github.com/billctl/billctl/internal/provider/meteroid/sandbox"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/webhook"
	"github.com/billctl/billctl/internal/sandbox/webhook/webhooktest"
)

func TestStoreOutbox(t *testing.T) {
	webhooktest.TestOutbox(t, func(t *testing.T) webhooktest.Queue {
		st, err := sandbox.Open("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		// The store reads due rows by its own clock; the suite's times are
		// its own, so the clock follows them.
		var now time.Time
		st.SetClock(func() time.Time { return now })
		o := webhook.StoreOutbox{Store: st}
		return webhooktest.Queue{
			Outbox: claimAt{o, &now},
			Enqueue: func(ctx context.Context, m webhook.Message) error {
				now = m.CreatedAt
				return o.Enqueue(ctx, m)
			},
			State: o.State,
		}
	})
}

// claimAt sets the store's clock to each claim's time.
type claimAt struct {
	webhook.StoreOutbox
	now *time.Time
}

func (c claimAt) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhook.Delivery, error) {
	*c.now = now
	return c.StoreOutbox.Claim(ctx, now, lease, limit)
}

func insertSession(t *testing.T, st *sandbox.Store, provider, customer string, req map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(req)
	id := meteroid.NewID("che_", time.Now())
	if err := st.Update(context.Background(), func(tx *sandbox.Tx) error {
		return tx.InsertSession(&sandbox.Session{ID: id, Provider: provider, Customer: customer, Status: sandbox.Created, CreatedAt: tx.Now(), Request: body})
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// A session paid in the sandbox queues its event, and the event a
// receiver gets is signed and matches the spec, for either API's session.
func TestPayQueuesASignedEvent(t *testing.T) {
	secret := webhook.NewSecret()
	key, _ := webhook.ParseSecret(secret)
	recv := webhooktest.NewReceiver(t, secret, spec)
	st, err := sandbox.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Prepare(ctx, []sandbox.API{meteroidsandbox.API(), maplesandbox.API()}); err != nil {
		t.Fatal(err)
	}
	webhook.QueueOnComplete(st, recv.URL, nil)

	met := insertSession(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{
		"customer_id": "acme", "plan_version_id": meteroid.DemoPlanVersionPro, "invoice_memo": "PO 7",
		"add_ons": []any{map[string]any{"add_on_id": meteroid.DemoAddOnSeats, "quantity": 2}},
	})
	mpl := insertSession(t, st, "maple", maple.DemoCustomerAda, map[string]any{
		"customer_id": maple.DemoCustomerAda, "config_items": []any{map[string]any{"product_pricing_id": maple.DemoPricingTeam}},
	})
	cancelled := insertSession(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{"customer_id": "acme", "plan_version_id": meteroid.DemoPlanVersionStarter})
	for _, id := range []string{met, mpl} {
		if _, err := st.Pay(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Cancel(ctx, cancelled); err != nil {
		t.Fatal(err)
	}

	d := webhook.NewDispatcher(webhook.Options{Outbox: webhook.StoreOutbox{Store: st}, URL: recv.URL, Secret: key, Log: slog.New(slog.DiscardHandler)})
	// The Meteroid session's plan has a free trial: nothing is charged
	// today, so no invoice, and subscription.created alone. Maple's API
	// defines no webhooks: its session emits nothing.
	if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d, %v; want the Meteroid session's one event", n, err)
	}
	got := recv.Deliveries()
	events := map[string]map[string]any{}
	for _, g := range got {
		if g.Problem != nil {
			t.Fatalf("delivery refused: %v\n%s", g.Problem, g.Body)
		}
		var e map[string]any
		json.Unmarshal(g.Body, &e)
		events[e["customer_id"].(string)] = e
	}
	ss, _ := st.Session(ctx, met)
	e := events[meteroid.DemoCustomerAcme]
	for k, want := range map[string]any{
		"type": "subscription.created", "subscription_id": ss.SubscriptionID, "customer_alias": "acme",
		"customer_name": "Acme Corp", "plan_name": "Pro", "version": 2.0, "currency": "EUR",
		"mrr_cents": 0.0, "trial_duration": 14.0, "status": "TRIAL_ACTIVE", "net_terms": 30.0,
		"invoice_memo": "PO 7", "period": "MONTHLY",
	} {
		if e[k] != want {
			t.Errorf("meteroid event %s = %#v, want %#v", k, e[k], want)
		}
	}
	if ds, _ := st.Deliveries(ctx, mpl); len(ds) != 0 {
		t.Errorf("a Maple session queued %d deliveries", len(ds))
	}
	if ds, _ := st.Deliveries(ctx, cancelled); len(ds) != 0 {
		t.Errorf("a cancelled session queued %d deliveries", len(ds))
	}
}

// The first delivery fails, the server stops, a new one starts on the same
// database, and the retry arrives.
func TestRetryAcrossRestart(t *testing.T) {
	secret := webhook.NewSecret()
	key, _ := webhook.ParseSecret(secret)
	recv := webhooktest.NewReceiver(t, secret, spec)
	recv.FailNext(1)
	path := filepath.Join(t.TempDir(), "sandbox.db")
	ctx := context.Background()

	st, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx, []sandbox.API{meteroidsandbox.API()}); err != nil {
		t.Fatal(err)
	}
	webhook.QueueOnComplete(st, recv.URL, nil)
	id := insertSession(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{"customer_id": "acme", "plan_version_id": meteroid.DemoPlanVersionPro})
	if _, err := st.Pay(ctx, id); err != nil {
		t.Fatal(err)
	}
	d := webhook.NewDispatcher(webhook.Options{Outbox: webhook.StoreOutbox{Store: st}, URL: recv.URL, Secret: key,
		Backoff: []time.Duration{time.Millisecond}, Log: slog.New(slog.DiscardHandler)})
	if n, err := d.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("first pass: %d, %v", n, err)
	}
	st.Close()

	st, err = sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	time.Sleep(5 * time.Millisecond) // past the 1 ms backoff
	d = webhook.NewDispatcher(webhook.Options{Outbox: webhook.StoreOutbox{Store: st}, URL: recv.URL, Secret: key, Log: slog.New(slog.DiscardHandler)})
	if n, err := d.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("after the restart: %d, %v", n, err)
	}
	got := recv.Deliveries()
	if len(got) != 2 || got[0].Answered != 500 || got[1].Answered != 200 || got[1].Problem != nil {
		t.Fatalf("deliveries %+v", got)
	}
	if got[0].Header.Get("webhook-id") != got[1].Header.Get("webhook-id") {
		t.Error("the retry after the restart has another webhook-id")
	}
	ds, _ := st.Deliveries(ctx, id)
	if len(ds) != 1 || ds[0].DeliveredAt == nil || ds[0].Attempts != 2 || ds[0].LastStatus != 200 {
		t.Errorf("stored delivery %+v", ds)
	}
}
