package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	meteroidsandbox "github.com/billctl/billctl/internal/provider/meteroid/sandbox"
	"net/http"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/webhook"
	"github.com/billctl/billctl/internal/sandbox/webhook/webhooktest"
)

const spec = "../../../../testdata/specs/meteroid-openapi.json"

func sampleSubscription() meteroidsandbox.EventSubscription {
	alias, memo, threshold, end := "acme", "PO 42", "1000.50", "2027-11-25"
	trial := uint32(14)
	return meteroidsandbox.EventSubscription{
		SubscriptionID:   "sub_7n42DGM5Tflk9n8mt7Fhc7",
		CustomerID:       "cus_7n42DGM5Tflk9n8mt7Fhc7",
		CustomerAlias:    &alias,
		CustomerName:     "Acme Corporation",
		BillingDayAnchor: 25,
		Currency:         "EUR",
		TrialDuration:    &trial,
		StartDate:        "2026-11-25",
		EndDate:          &end,
		PlanName:         "Pro",
		Version:          2,
		CreatedAt:        meteroidsandbox.EventTime{Time: time.Date(2026, 11, 25, 16, 2, 3, 120456000, time.UTC)},
		NetTerms:         30,
		InvoiceMemo:      &memo,
		InvoiceThreshold: &threshold,
		MRRCents:         4900,
		Period:           "MONTHLY",
		Status:           "TRIAL_ACTIVE",
	}
}

func TestPayloadMatchesTheSpec(t *testing.T) {
	full := sampleSubscription()
	activated := meteroidsandbox.EventTime{Time: full.CreatedAt.Time}
	full.ActivatedAt = &activated
	bare := meteroidsandbox.EventSubscription{
		SubscriptionID: "sub_1", CustomerID: "cus_1", CustomerName: "Bare",
		Currency: "USD", StartDate: "2026-11-25", PlanName: "Basic",
		CreatedAt: meteroidsandbox.EventTime{Time: time.Unix(0, 0)}, Period: "ANNUAL", Status: "ACTIVE",
	}
	for name, sub := range map[string]meteroidsandbox.EventSubscription{"every field": full, "required fields only": bare} {
		t.Run(name, func(t *testing.T) {
			m, err := meteroidsandbox.SubscriptionCreated("evt_7n42DGM5Tflk9n8mt7Fhc7", sub, time.Date(2026, 11, 25, 16, 2, 4, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if m.ID != "evt_7n42DGM5Tflk9n8mt7Fhc7" || m.Type != "subscription.created" {
				t.Errorf("event %s %s", m.ID, m.Type)
			}
			if err := webhooktest.CheckPayload(spec, m.Payload); err != nil {
				t.Errorf("%v\n%s", err, m.Payload)
			}
		})
	}

	m, _ := meteroidsandbox.SubscriptionCreated("evt_1", full, time.Date(2026, 11, 25, 16, 2, 4, 0, time.FixedZone("CET", 3600)))
	var got map[string]any
	if err := json.Unmarshal(m.Payload, &got); err != nil {
		t.Fatal(err)
	}
	// As Meteroid writes them: UTC with milliseconds; the event beside the
	// subscription's fields, not around them.
	for k, want := range map[string]any{
		"id": "evt_1", "type": "subscription.created", "timestamp": "2026-11-25T15:02:04.000Z",
		"created_at": "2026-11-25T16:02:03.120Z", "invoice_threshold": "1000.50",
		"trial_duration": 14.0, "subscription_id": "sub_7n42DGM5Tflk9n8mt7Fhc7",
	} {
		if got[k] != want {
			t.Errorf("%s = %#v, want %#v", k, got[k], want)
		}
	}

	// Meteroid leaves nulls out rather than writing null.
	m, _ = meteroidsandbox.SubscriptionCreated("evt_2", bare, time.Now())
	if bytes.Contains(m.Payload, []byte("null")) || bytes.Contains(m.Payload, []byte("customer_alias")) {
		t.Errorf("an empty optional field was written: %s", m.Payload)
	}
}

// The schema check is not a rubber stamp either.
func TestCheckPayloadRefuses(t *testing.T) {
	good, _ := meteroidsandbox.SubscriptionCreated("evt_1", sampleSubscription(), time.Now())
	for name, edit := range map[string]func(map[string]any){
		"status not in the enum": func(m map[string]any) { m["status"] = "PAID" },
		"required key missing":   func(m map[string]any) { delete(m, "plan_name") },
		"wrong type":             func(m map[string]any) { m["mrr_cents"] = "4900" },
		"key not in the schema":  func(m map[string]any) { m["mrr"] = 49 },
		"bad date":               func(m map[string]any) { m["start_date"] = "25/11/2026" },
	} {
		var m map[string]any
		json.Unmarshal(good.Payload, &m)
		edit(m)
		body, _ := json.Marshal(m)
		if err := webhooktest.CheckPayload(spec, body); err == nil {
			t.Errorf("%s: accepted %s", name, body)
		}
	}
}

// BenchmarkSubscriptionCreated builds and signs one event, as each
// completion and each attempt do.
func BenchmarkSubscriptionCreated(b *testing.B) {
	k, _ := webhook.ParseSecret(webhook.NewSecret())
	sub := sampleSubscription()
	h := http.Header{}
	at := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		m, err := meteroidsandbox.SubscriptionCreated("evt_1", sub, at)
		if err != nil {
			b.Fatal(err)
		}
		k.Header(h, m.ID, at, m.Payload)
	}
}

// paid pays a Meteroid session made from req in a fresh store prepared as
// the sandbox prepares it, at the given moment, and returns its events.
func paid(t *testing.T, at time.Time, req map[string]any) (*sandbox.Session, []sandbox.Event) {
	t.Helper()
	st, err := sandbox.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetClock(func() time.Time { return at })
	ctx := context.Background()
	if err := st.Prepare(ctx, []sandbox.API{meteroidsandbox.API()}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(req)
	id := meteroid.NewID("che_", at)
	if err := st.Update(ctx, func(tx *sandbox.Tx) error {
		return tx.InsertSession(&sandbox.Session{ID: id, Provider: meteroid.Name, Customer: meteroid.DemoCustomerAcme, Status: sandbox.Created, CreatedAt: at, Request: body})
	}); err != nil {
		t.Fatal(err)
	}
	ss, err := st.Pay(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events(ctx, sandbox.EventFilter{SessionID: id})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if err := webhooktest.CheckPayload(spec, e.Payload); err != nil {
			t.Errorf("%s: %v\n%s", e.Type, err, e.Payload)
		}
		if e.SessionID != id || e.SubscriptionID != ss.SubscriptionID {
			t.Errorf("%s: session %s subscription %s", e.Type, e.SessionID, e.SubscriptionID)
		}
	}
	return ss, evs
}

func decode(t *testing.T, e sandbox.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func types(evs []sandbox.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// A plan charged today: the subscription, then its first invoice created,
// finalized and paid, as the server's checkout completion emits them.
func TestPaidCheckoutEmitsSubscriptionAndInvoice(t *testing.T) {
	at := time.Date(2026, 11, 25, 16, 2, 3, 0, time.UTC)
	ss, evs := paid(t, at, map[string]any{"customer_id": "acme", "plan_version_id": meteroid.DemoPlanVersionStarter})
	want := []string{"subscription.created", "invoice.created", "invoice.finalized", "invoice.paid"}
	if got := types(evs); !equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	sub := decode(t, evs[0])
	// As the server's insert leaves the row when it records the event:
	// pending, not yet activated, no MRR until the invoice adds it.
	for k, v := range map[string]any{"subscription_id": ss.SubscriptionID, "status": "PENDING_ACTIVATION", "billing_day_anchor": 25.0,
		"start_date": "2026-11-25", "billing_start_date": "2026-11-25", "plan_name": "Starter", "mrr_cents": 0.0,
		"created_at": "2026-11-25T16:02:03.000Z", "customer_id": meteroid.DemoCustomerAcme, "customer_alias": "acme"} {
		if sub[k] != v {
			t.Errorf("subscription %s = %#v, want %#v", k, sub[k], v)
		}
	}
	for _, k := range []string{"activated_at", "trial_duration"} {
		if _, ok := sub[k]; ok {
			t.Errorf("subscription has %s: %s", k, evs[0].Payload)
		}
	}
	inv := map[string]bool{}
	for i, e := range evs[1:] {
		m := decode(t, e)
		inv[m["invoice_id"].(string)] = true
		status := "FINALIZED"
		if i == 0 {
			status = "DRAFT"
		}
		if m["status"] != status || m["total"] != 1900.0 || m["currency"] != "EUR" || m["customer_id"] != meteroid.DemoCustomerAcme {
			t.Errorf("%s: %s", e.Type, e.Payload)
		}
	}
	if len(inv) != 1 {
		t.Errorf("the invoice events name %d invoices, want one", len(inv))
	}
	ids := map[string]bool{}
	for _, e := range evs {
		ids[e.ID] = true
	}
	if len(ids) != len(evs) {
		t.Error("two events share an ID")
	}
}

// billing_day_anchor and status as the server's insert sets them
// (subscriptions/insert/process.rs): the explicit anchor, else the day a
// free trial ends, else the day billing starts; a free trial that starts
// today is TRIAL_ACTIVE, every other checkout's subscription
// PENDING_ACTIVATION, a future start included; and a checkout that charges
// today bills its first invoice whatever the start date.
func TestBillingDayAnchorAndStart(t *testing.T) {
	at := time.Date(2026, 11, 25, 16, 2, 3, 0, time.UTC)
	invoiced := []string{"subscription.created", "invoice.created", "invoice.finalized", "invoice.paid"}
	alone := []string{"subscription.created"}
	for _, tc := range []struct {
		name   string
		req    map[string]any
		anchor float64
		status string
		start  string
		trial  float64 // 0: no trial_duration
		events []string
	}{
		{"no trial", map[string]any{"plan_version_id": meteroid.DemoPlanVersionStarter}, 25, "PENDING_ACTIVATION", "2026-11-25", 0, invoiced},
		{"explicit anchor", map[string]any{"plan_version_id": meteroid.DemoPlanVersionStarter, "billing_day_anchor": 1}, 1, "PENDING_ACTIVATION", "2026-11-25", 0, invoiced},
		{"free trial of the plan", map[string]any{"plan_version_id": meteroid.DemoPlanVersionPro}, 9, "TRIAL_ACTIVE", "2026-11-25", 14, alone},
		{"free trial and anchor", map[string]any{"plan_version_id": meteroid.DemoPlanVersionPro, "billing_day_anchor": 3}, 3, "TRIAL_ACTIVE", "2026-11-25", 14, alone},
		// A plan without a trial takes the session's as free: trial_is_free
		// defaults to true (migrations/diesel/2024-10-01-084201_plan_trials).
		{"session's trial", map[string]any{"plan_version_id": meteroid.DemoPlanVersionStarter, "trial_duration_days": 10}, 5, "TRIAL_ACTIVE", "2026-11-25", 10, alone},
		{"session's trial of 0 days", map[string]any{"plan_version_id": meteroid.DemoPlanVersionStarter, "trial_duration_days": 0}, 25, "PENDING_ACTIVATION", "2026-11-25", 0, invoiced},
		{"future start", map[string]any{"plan_version_id": meteroid.DemoPlanVersionStarter, "billing_start_date": "2027-01-15"}, 15, "PENDING_ACTIVATION", "2027-01-15", 0, invoiced},
		{"future start of a free trial", map[string]any{"plan_version_id": meteroid.DemoPlanVersionPro, "billing_start_date": "2027-01-15"}, 29, "PENDING_ACTIVATION", "2027-01-15", 14, alone},
		{"past start", map[string]any{"plan_version_id": meteroid.DemoPlanVersionPro, "billing_start_date": "2026-11-20"}, 4, "TRIAL_ACTIVE", "2026-11-20", 14, alone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req["customer_id"] = "acme"
			_, evs := paid(t, at, tc.req)
			if got := types(evs); !equal(got, tc.events) {
				t.Fatalf("events %v, want %v", got, tc.events)
			}
			sub := decode(t, evs[0])
			if sub["billing_day_anchor"] != tc.anchor || sub["status"] != tc.status || sub["start_date"] != tc.start || sub["billing_start_date"] != tc.start {
				t.Errorf("anchor %v status %v start %v billing start %v; want %v %s %s", sub["billing_day_anchor"], sub["status"], sub["start_date"], sub["billing_start_date"], tc.anchor, tc.status, tc.start)
			}
			if got, ok := sub["trial_duration"]; ok != (tc.trial > 0) || (ok && got != tc.trial) {
				t.Errorf("trial_duration %v, want %v", got, tc.trial)
			}
			if _, ok := sub["activated_at"]; ok || sub["mrr_cents"] != 0.0 {
				t.Errorf("a checkout's subscription.created has activated_at or MRR: %s", evs[0].Payload)
			}
			for _, e := range evs[1:] {
				if m := decode(t, e); m["total"] != 1900.0 {
					t.Errorf("%s total %v, want the first period's 1900", e.Type, m["total"])
				}
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
