package sandbox

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// sandboxEvents builds the events Meteroid's server emits when a checkout
// session completes (meteroid-store services/edge.rs,
// complete_checkout_self_serve_tx): subscription.created when the
// subscription is inserted, then, when something is charged today, the
// first invoice's invoice.created (draft), invoice.finalized and
// invoice.paid (invoices/bill.rs, InvoiceBillingMode::AlreadyPaid). A free
// trial, or a subscription that starts later, bills nothing at checkout:
// no invoice, so subscription.created alone.
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
		if sub.Status == "PENDING_ACTIVATION" || (sub.Status == "TRIAL_ACTIVE" && !p.TrialPaid) {
			return out, nil
		}
		inv := EventInvoice{
			InvoiceID: meteroid.NewID("inv_", now), CustomerID: p.CustomerID, Status: "DRAFT",
			Currency: p.Currency, Total: p.Total, CreatedAt: EventTime{Time: now},
		}
		if err := add(InvoiceEventOf(meteroid.NewID("evt_", now), "invoice.created", inv, now)); err != nil {
			return nil, err
		}
		inv.Status = "FINALIZED"
		for _, typ := range []string{"invoice.finalized", "invoice.paid"} {
			if err := add(InvoiceEventOf(meteroid.NewID("evt_", now), typ, inv, now)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// sandboxSubscription is the subscription a completed session creates, as
// subscription.created announces it, by the rules of the server's
// subscriptions/insert/process.rs.
func sandboxSubscription(ss *sandbox.Session, p purchase.Purchase, now time.Time) EventSubscription {
	created := now
	if ss.CompletedAt != nil {
		created = *ss.CompletedAt
	}
	today := created.UTC().Truncate(24 * time.Hour)
	// The checkout starts the subscription on its billing_start_date, or
	// today (edge.rs: session.billing_start_date.unwrap_or(today)).
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
		MRRCents:         uint64(max(p.MRR, 0)),
		Period:           p.Period,
		Status:           "ACTIVE",
	}
	if p.CustomerAlias != "" {
		sub.CustomerAlias = &p.CustomerAlias
	}
	// The billing day: the explicit anchor, else the day a free trial ends
	// (billing starts then), else the day billing starts.
	freeTrial := p.TrialDays > 0 && !p.TrialPaid
	switch {
	case p.BillingDayAnchor > 0 && p.BillingDayAnchor <= 31:
		sub.BillingDayAnchor = uint16(p.BillingDayAnchor)
	case freeTrial:
		sub.BillingDayAnchor = uint16(start.AddDate(0, 0, p.TrialDays).Day())
	default:
		sub.BillingDayAnchor = uint16(start.Day())
	}
	if p.TrialDays > 0 {
		d := uint32(p.TrialDays)
		sub.TrialDuration = &d
		sub.Status = "TRIAL_ACTIVE"
	}
	if start.After(today) {
		// Not started yet: the server leaves it pending until its start
		// date, not activated.
		sub.Status = "PENDING_ACTIVATION"
	} else {
		sub.ActivatedAt = &EventTime{Time: created}
	}
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
