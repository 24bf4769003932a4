package sandbox

import (
	"slices"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// The server's paths through a checkout's first invoice
// (services/edge.rs:2179-2391): charged today, nothing at a free trial,
// billed at once when the total comes to zero (finalized unless
// auto_advance_invoices is false, never announced paid), none without
// anything priced.
func TestInvoiceEventsFollowTheServersPaths(t *testing.T) {
	plan := purchase.Line{Kind: "Plan", Name: "Starter", Minor: 1900, Priced: true}
	free := purchase.Line{Kind: "Coupon", Name: "FREE", Minor: -1900, Priced: true}
	all := []string{"invoice.created", "invoice.finalized", "invoice.paid"}
	for _, tc := range []struct {
		name string
		p    purchase.Purchase
		want []string
	}{
		{"charged today", purchase.Purchase{Lines: []purchase.Line{plan}, Total: 1900}, all},
		{"paid trial", purchase.Purchase{Lines: []purchase.Line{plan}, Total: 1900, TrialDays: 7, TrialPaid: true}, all},
		{"free trial", purchase.Purchase{Lines: []purchase.Line{plan}, Total: 1900, TrialDays: 7}, nil},
		{"zero total", purchase.Purchase{Lines: []purchase.Line{plan, free}}, []string{"invoice.created", "invoice.finalized"}},
		{"zero total kept draft", purchase.Purchase{Lines: []purchase.Line{plan, free}, KeepInvoicesDraft: true}, []string{"invoice.created"}},
		{"charged, kept draft", purchase.Purchase{Lines: []purchase.Line{plan}, Total: 1900, KeepInvoicesDraft: true}, all},
		{"nothing priced", purchase.Purchase{Lines: []purchase.Line{{Kind: "Plan", Name: "plv_x"}}}, nil},
	} {
		if got := invoiceEvents(tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A paid trial bills from its first day: its anchor is the start's, not
// the trial's end, and the insert leaves it pending (process.rs:295-311,
// 533), unlike a free trial.
func TestPaidTrialSubscription(t *testing.T) {
	at := time.Date(2026, 11, 25, 16, 2, 3, 0, time.UTC)
	ss := &sandbox.Session{ID: "che_1", SubscriptionID: "sub_1", CompletedAt: &at}
	p := purchase.Purchase{CustomerID: "cus_1", TrialDays: 14, TrialPaid: true, Period: "MONTHLY"}
	sub := sandboxSubscription(ss, p, at)
	if sub.BillingDayAnchor != 25 || sub.Status != "PENDING_ACTIVATION" || sub.TrialDuration == nil || *sub.TrialDuration != 14 || sub.ActivatedAt != nil {
		t.Errorf("paid trial: %+v", sub)
	}
	p.TrialPaid = false
	if sub := sandboxSubscription(ss, p, at); sub.BillingDayAnchor != 9 || sub.Status != "TRIAL_ACTIVE" {
		t.Errorf("free trial: anchor %d status %s", sub.BillingDayAnchor, sub.Status)
	}
}
