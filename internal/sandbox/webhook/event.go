package webhook

import (
	"encoding/json"
	"time"
)

// SubscriptionCreatedType is the event type the sandbox sends.
const SubscriptionCreatedType = "subscription.created"

// Subscription is the subscription a completed checkout creates, as
// Meteroid's SubscriptionEventData (components.schemas in its spec; its
// server's WebhookOutSubscriptionEventData). Optional fields are pointers:
// Meteroid leaves a null out of the payload rather than writing null, and
// so does the sandbox.
type Subscription struct {
	SubscriptionID   string  `json:"subscription_id"`
	CustomerID       string  `json:"customer_id"`
	CustomerAlias    *string `json:"customer_alias,omitempty"`
	CustomerName     string  `json:"customer_name"`
	BillingDayAnchor uint16  `json:"billing_day_anchor"`
	Currency         string  `json:"currency"`
	TrialDuration    *uint32 `json:"trial_duration,omitempty"`
	// Dates are YYYY-MM-DD.
	StartDate        string  `json:"start_date"`
	EndDate          *string `json:"end_date,omitempty"`
	BillingStartDate *string `json:"billing_start_date,omitempty"`
	PlanName         string  `json:"plan_name"`
	Version          uint32  `json:"version"`
	CreatedAt        Time    `json:"created_at"`
	NetTerms         uint32  `json:"net_terms"`
	InvoiceMemo      *string `json:"invoice_memo,omitempty"`
	// InvoiceThreshold is a decimal, written as a string as Meteroid does.
	InvoiceThreshold *string `json:"invoice_threshold,omitempty"`
	ActivatedAt      *Time   `json:"activated_at,omitempty"`
	MRRCents         uint64  `json:"mrr_cents"`
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
	Subscription
	Timestamp Time `json:"timestamp"`
}

// Time is a moment written as Meteroid's webhooks write one: UTC, RFC 3339
// with milliseconds ("2026-11-25T16:02:03.120Z").
type Time struct{ time.Time }

// MarshalJSON writes t in Meteroid's webhook format.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

// SubscriptionCreated builds the message that announces sub. eventID is an
// evt_… ID; it is also the message's webhook-id, so a receiver that
// de-duplicates on webhook-id sees one event however often it is retried.
func SubscriptionCreated(eventID string, sub Subscription, at time.Time) (Message, error) {
	body, err := json.Marshal(SubscriptionEvent{
		ID:           eventID,
		Type:         SubscriptionCreatedType,
		Subscription: sub,
		Timestamp:    Time{at},
	})
	if err != nil {
		return Message{}, err
	}
	return Message{ID: eventID, EventType: SubscriptionCreatedType, Payload: body, CreatedAt: at}, nil
}
