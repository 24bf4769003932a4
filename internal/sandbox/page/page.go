// Package page is the sandbox's checkout page: the link a session's
// checkout_url (Meteroid) or url (Maple) points to. It shows what is
// bought and its total, and offers Pay (a test payment: no money, no card
// data) and Cancel as plain HTML forms, so a user can go through what
// follows a create without an account and without JavaScript.
//
// The page knows nothing of how sessions are stored: it reads and moves
// them through the small Sessions interface, which the sandbox's store
// implements.
package page

import (
	"context"
	"errors"
	"time"
)

// Status is a checkout session's state, spelled as Meteroid's
// CheckoutSessionStatus.
type Status string

// The states of a session's life.
const (
	Created         Status = "CREATED"
	AwaitingPayment Status = "AWAITING_PAYMENT"
	Completed       Status = "COMPLETED"
	Cancelled       Status = "CANCELLED"
	Expired         Status = "EXPIRED"
)

// Payable reports whether the Pay and Cancel buttons apply.
func (s Status) Payable() bool { return s == Created || s == AwaitingPayment }

// Errors a Sessions implementation returns (wrapped or not) so the page can
// answer 404 or 409 rather than 500.
var (
	ErrNotFound = errors.New("checkout session not found")
	ErrState    = errors.New("checkout session is not in a state that allows this")
)

// Sessions is what the page needs from the sandbox's store. Each method
// returns the session as it is after the call.
type Sessions interface {
	// Checkout returns the session as the page shows it, or ErrNotFound.
	// A session past its expiry time is reported EXPIRED.
	Checkout(ctx context.Context, id string) (Checkout, error)
	// Opened records that the page was opened: CREATED becomes
	// AWAITING_PAYMENT; any other state is left as it is.
	Opened(ctx context.Context, id string) (Checkout, error)
	// Pay completes a CREATED or AWAITING_PAYMENT session (ErrState
	// otherwise). Whatever follows a completion, such as queueing its
	// webhook, happens in the same transaction.
	Pay(ctx context.Context, id string) (Checkout, error)
	// Cancel cancels a CREATED or AWAITING_PAYMENT session (ErrState
	// otherwise).
	Cancel(ctx context.Context, id string) (Checkout, error)
}

// Checkout is a session as the page shows it. Every string may come from
// a user's request and is shown as text, never as markup.
type Checkout struct {
	ID string
	// Provider is the name of the API the session was made on.
	Provider string
	Status   Status
	// StatusText is the status as the session's API writes it, for the
	// page; "" shows Status.
	StatusText string

	// CustomerName is the customer's name from the demo catalogue (or
	// whatever name the customer record has); CustomerID is shown beside it.
	CustomerName string
	CustomerID   string

	// Items are what is bought, in the order the request listed them:
	// Meteroid's plan version, add-ons and coupons; Maple's config items,
	// one-time items and discounts.
	Items []Item
	// Term is how long the subscription runs or how it renews, in words
	// ("Monthly", "12 months"); empty when the request sets none.
	Term string
	// Trial is the trial in words ("14 days"); empty when there is none.
	Trial string
	// Total is what is due at each billing period (after discounts).
	Total Money
	// FreeTrial: nothing is charged today; Total is first billed when the
	// trial ends, on TrialEnds (zero when unknown). Without it, Total is
	// due today.
	FreeTrial bool
	TrialEnds time.Time

	// ExpiresAt is when the session expires; zero means never.
	ExpiresAt time.Time

	// Meteroid's success_url: after paying, the page sends the customer
	// there with checkout_session_id added to its query; its cancel_url:
	// after Cancel, the page sends the customer there.
	SuccessURL string
	CancelURL  string

	// Maple's options: after paying, the page follows RedirectURL when
	// CompletionAction is empty or REDIRECT, else shows
	// ConfirmationMessage.
	RedirectURL         string
	ConfirmationMessage string
	CompletionAction    string
}

// Item is one line of what is bought.
type Item struct {
	// Kind says what the line is: "Plan", "Add-on", "Coupon", "Product", "Bundle",
	// "One-time item", "Discount".
	Kind string
	Name string
	// Detail qualifies it: a quantity, a billing period, "10% off".
	Detail string
	// Amount is the line's price; a discount is negative. A zero Money
	// (no currency) shows no amount.
	Amount Money
}

// Money is an amount in minor units (cents) of a currency (ISO 4217 code).
type Money struct {
	Minor    int64
	Currency string
}

// DueToday is what paying charges now: nothing during a free trial, else
// the total.
func (c Checkout) DueToday() Money {
	if c.FreeTrial {
		return Money{Currency: c.Total.Currency}
	}
	return c.Total
}

// IsZero reports whether m carries no amount at all (not even 0.00).
func (m Money) IsZero() bool { return m.Currency == "" && m.Minor == 0 }
