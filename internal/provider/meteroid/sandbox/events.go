package sandbox

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// sandboxEvents builds the events Meteroid's server emits when a checkout
// session completes, in its order. The files and lines cited here and
// below are of meteroid-oss/meteroid at 6a27ef61, under
// modules/meteroid/crates/meteroid-store/src unless said otherwise.
//
// Its checkout completion (services/edge.rs, complete_checkout_self_serve_tx,
// lines 2110-2407) inserts the subscription first, and the insert records
// subscription.created in the same transaction
// (services/subscriptions/insert/process.rs:979,
// services/subscriptions/utils.rs:759-785). Then, only when the session
// charges something today, it bills the first invoice as already paid
// (edge.rs:2251-2265; InvoiceBillingMode::AlreadyPaid,
// services/invoices/bill.rs:429-505): invoice.created as the draft is
// inserted (repositories/invoices.rs:839-857), invoice.finalized
// (services/invoices/finalize.rs:224-233), invoice.paid once the charge
// settles it (bill.rs:483-505). A future billing_start_date changes none of
// this: the first period is charged at checkout (the amount is computed on
// the preview's period, edge.rs:2133-2145) and the invoice is dated that
// start.
//
// A free trial charges nothing and bills no invoice (edge.rs:2300-2327):
// subscription.created alone. A session whose total comes to zero without
// a free trial (a coupon of 100%) is billed at once instead
// (edge.rs:2328-2339; InvoiceBillingMode::Immediate, bill.rs:400-428): the
// invoice is created and, unless auto_advance_invoices is false, finalized,
// and no invoice.paid is emitted on that path. Nothing priced at all makes
// no invoice lines, hence no invoice (services/invoices/draft.rs:141-147).
func sandboxEvents(cat *purchase.Catalog) sandbox.EventsFunc {
	return func(ss *sandbox.Session, now time.Time) ([]sandbox.Event, error) {
		p, err := cat.Of(ss)
		if err != nil {
			return nil, err
		}
		sub := sandboxSubscription(ss, p, now)
		var out []sandbox.Event
		add := func(e sandbox.Event, err error) error {
			if err != nil {
				return err
			}
			e.SessionID, e.SubscriptionID = ss.ID, ss.SubscriptionID
			out = append(out, e)
			return nil
		}
		if err := add(SubscriptionCreated(meteroid.NewID("evt_", now), sub, now)); err != nil {
			return nil, err
		}
		types := invoiceEvents(p)
		if len(types) == 0 {
			return out, nil
		}
		// The invoice events carry the invoice as it is when each is
		// recorded: a draft when created, finalized after (the paid one is
		// read back after finalization, bill.rs:493).
		inv := EventInvoice{
			InvoiceID: meteroid.NewID("inv_", now), CustomerID: p.CustomerID, Status: "DRAFT",
			Currency: p.Currency, Total: p.Total, CreatedAt: EventTime{Time: now},
		}
		for _, typ := range types {
			if typ != "invoice.created" {
				inv.Status = "FINALIZED"
			}
			if err := add(InvoiceEventOf(meteroid.NewID("evt_", now), typ, inv, now)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// invoiceEvents are the types of the first invoice's events that paying p
// emits, in order; none when the checkout bills no invoice. See
// sandboxEvents for the server's paths.
func invoiceEvents(p purchase.Purchase) []string {
	priced := false
	for _, l := range p.Lines {
		priced = priced || l.Priced
	}
	switch {
	case p.FreeTrial() || !priced:
		return nil
	case p.Total > 0:
		return []string{"invoice.created", "invoice.finalized", "invoice.paid"}
	case p.KeepInvoicesDraft:
		return []string{"invoice.created"}
	default:
		return []string{"invoice.created", "invoice.finalized"}
	}
}

// sandboxSubscription is the subscription a completed session creates, as
// subscription.created announces it: the row the server has just inserted
// (services/subscriptions/utils.rs:770-779 reads it back in the insert's
// transaction), before the checkout activates it after the payment
// (edge.rs:2284-2297, services/subscriptions/activate.rs) and before the
// first invoice adds its MRR (repositories/invoices.rs:840, process_mrr).
// Hence, as the server reports it: no activated_at, mrr_cents 0, and the
// status the insert gives a subscription activated on checkout.
func sandboxSubscription(ss *sandbox.Session, p purchase.Purchase, now time.Time) EventSubscription {
	created := now
	if ss.CompletedAt != nil {
		created = *ss.CompletedAt
	}
	today := created.UTC().Truncate(24 * time.Hour)
	// The checkout starts the subscription on its billing_start_date, or
	// today (edge.rs:2239-2241), and the row's billing_start_date is that
	// same day (process.rs:255-258, domain/subscriptions.rs:361).
	start := today
	if d, err := time.Parse(time.DateOnly, p.BillingStartDate); err == nil {
		start = d
	}
	startDate := start.Format(time.DateOnly)
	sub := EventSubscription{
		SubscriptionID:   ss.SubscriptionID,
		CustomerID:       p.CustomerID,
		CustomerName:     p.CustomerName,
		Currency:         p.Currency,
		StartDate:        startDate,
		BillingStartDate: &startDate,
		PlanName:         p.PlanName,
		Version:          uint32(max(p.PlanVersion, 0)),
		CreatedAt:        EventTime{Time: created},
		NetTerms:         uint32(max(p.NetTerms, 0)),
		// The row is inserted with mrr_cents 0 (domain/subscriptions.rs:369).
		MRRCents: 0,
		Period:   p.Period,
		// The insert leaves a subscription activated on checkout pending
		// (process.rs:326; the session makes it OnCheckout,
		// domain/checkout_sessions.rs:109), a paid trial's too
		// (process.rs:533).
		Status: "PENDING_ACTIVATION",
	}
	if p.CustomerAlias != "" {
		sub.CustomerAlias = &p.CustomerAlias
	}
	// The billing day (process.rs:295-311): the explicit anchor, else the
	// day a free trial ends (billing starts then), else the day billing
	// starts. A paid trial bills from its first day, so its anchor is the
	// start's.
	freeTrial := p.FreeTrial()
	switch {
	case p.BillingDayAnchor > 0 && p.BillingDayAnchor <= 31:
		sub.BillingDayAnchor = uint16(p.BillingDayAnchor)
	case freeTrial:
		sub.BillingDayAnchor = uint16(start.AddDate(0, 0, p.TrialDays).Day())
	default:
		sub.BillingDayAnchor = uint16(start.Day())
	}
	if p.TrialDays > 0 {
		// The session's trial_duration_days, else the plan's
		// (process.rs:289-293), paid or free.
		d := uint32(p.TrialDays)
		sub.TrialDuration = &d
	}
	// A free trial that starts today or earlier starts at once
	// (process.rs:514-527); one that starts later stays pending until its
	// start date (process.rs:528-531).
	if freeTrial && !start.After(today) {
		sub.Status = "TRIAL_ACTIVE"
	}
	// activated_at is set on insert only for subscriptions activated on
	// their start date (process.rs:315-320), never for a checkout's.
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	sub.EndDate = opt(p.EndDate)
	sub.InvoiceMemo = opt(p.InvoiceMemo)
	sub.InvoiceThreshold = opt(p.InvoiceThreshold)
	return sub
}

// SubscriptionCreatedType is the event type the sandbox sends.
const SubscriptionCreatedType = "subscription.created"

// EventSubscription is the subscription a completed checkout creates, as
// Meteroid's SubscriptionEventData (components.schemas in its spec; its
// server's WebhookOutSubscriptionEventData). Optional fields are pointers:
// Meteroid leaves a null out of the payload rather than writing null, and
// so does the sandbox.
type EventSubscription struct {
	SubscriptionID   string  `json:"subscription_id"`
	CustomerID       string  `json:"customer_id"`
	CustomerAlias    *string `json:"customer_alias,omitempty"`
	CustomerName     string  `json:"customer_name"`
	BillingDayAnchor uint16  `json:"billing_day_anchor"`
	Currency         string  `json:"currency"`
	TrialDuration    *uint32 `json:"trial_duration,omitempty"`
	// Dates are YYYY-MM-DD.
	StartDate        string    `json:"start_date"`
	EndDate          *string   `json:"end_date,omitempty"`
	BillingStartDate *string   `json:"billing_start_date,omitempty"`
	PlanName         string    `json:"plan_name"`
	Version          uint32    `json:"version"`
	CreatedAt        EventTime `json:"created_at"`
	NetTerms         uint32    `json:"net_terms"`
	InvoiceMemo      *string   `json:"invoice_memo,omitempty"`
	// InvoiceThreshold is a decimal, written as a string as Meteroid does.
	InvoiceThreshold *string    `json:"invoice_threshold,omitempty"`
	ActivatedAt      *EventTime `json:"activated_at,omitempty"`
	MRRCents         uint64     `json:"mrr_cents"`
	// Period is a BillingPeriodEnum: MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL.
	Period string `json:"period"`
	// Status is a SubscriptionStatusEnum, e.g. ACTIVE or TRIAL_ACTIVE.
	Status string `json:"status"`
}

// SubscriptionEvent is the whole subscription.created payload: the event's
// ID and type, the subscription's fields beside them (flattened, as
// Meteroid's serde(flatten) writes them), and when the event was sent.
type SubscriptionEvent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	EventSubscription
	// Timestamp is when the event is recorded. The server stamps the
	// moment its worker hands the message to Svix
	// (modules/meteroid/src/workers/pgmq/webhook_out.rs:138), as a rule a
	// moment later.
	Timestamp EventTime `json:"timestamp"`
}

// EventTime is a moment written as Meteroid's webhooks write one: UTC, RFC 3339
// with milliseconds ("2026-11-25T16:02:03.120Z").
type EventTime struct{ time.Time }

// MarshalJSON writes t in Meteroid's webhook format.
func (t EventTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

// SubscriptionCreated builds the event that announces sub. eventID is an
// evt_… ID; it is also the webhook-id, so a receiver that
// de-duplicates on webhook-id sees one event however often it is retried.
func SubscriptionCreated(eventID string, sub EventSubscription, at time.Time) (sandbox.Event, error) {
	body, err := json.Marshal(SubscriptionEvent{
		ID:                eventID,
		Type:              SubscriptionCreatedType,
		EventSubscription: sub,
		Timestamp:         EventTime{at},
	})
	if err != nil {
		return sandbox.Event{}, err
	}
	return sandbox.Event{ID: eventID, Type: SubscriptionCreatedType, Payload: body, CreatedAt: at}, nil
}

// EventInvoice is an invoice as Meteroid's InvoiceEventData announces it (its
// server's WebhookOutInvoiceEventData), the payload of invoice.created,
// invoice.finalized and invoice.paid.
type EventInvoice struct {
	InvoiceID  string `json:"invoice_id"`
	CustomerID string `json:"customer_id"`
	// Status is an InvoiceStatus: DRAFT, FINALIZED, UNCOLLECTIBLE or VOID.
	Status   string `json:"status"`
	Currency string `json:"currency"`
	// Total and TaxAmount are in minor units.
	Total     int64     `json:"total"`
	TaxAmount int64     `json:"tax_amount"`
	CreatedAt EventTime `json:"created_at"`
}

// InvoiceEvent is the whole payload of an invoice event: the event's ID and
// type beside the invoice's fields, and when it was sent.
type InvoiceEvent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	EventInvoice
	Timestamp EventTime `json:"timestamp"`
}

// InvoiceEventOf builds an invoice event of type typ.
func InvoiceEventOf(eventID, typ string, inv EventInvoice, at time.Time) (sandbox.Event, error) {
	body, err := json.Marshal(InvoiceEvent{ID: eventID, Type: typ, EventInvoice: inv, Timestamp: EventTime{at}})
	if err != nil {
		return sandbox.Event{}, err
	}
	return sandbox.Event{ID: eventID, Type: typ, Payload: body, CreatedAt: at}, nil
}
