package webhook

import (
	"context"
	"time"
)

// Message is one event to deliver, as the store queues it: in the same
// transaction as the change it announces, so a completion is never
// without its webhook nor a webhook without its completion.
type Message struct {
	// ID is the webhook-id: unique, the same on every retry.
	ID string
	// SessionID is the checkout session the event is about ("" if none).
	SessionID string
	// EventType is the event's type, e.g. subscription.created.
	EventType string
	// Payload is the JSON body, sent and signed byte for byte.
	Payload []byte
	// CreatedAt is when the event happened; messages go out oldest first.
	CreatedAt time.Time
}

// Delivery is a queued message and how far its delivery got.
type Delivery struct {
	Message
	// Attempts is how many attempts were made so far.
	Attempts int
	// NextAt is when it is next due.
	NextAt time.Time
}

// State is where a message's delivery stands.
type State string

// A message is Pending until it is Delivered (a 2xx answer) or Failed (no
// 2xx after the last retry of the backoff schedule).
const (
	Pending   State = "pending"
	Delivered State = "delivered"
	Failed    State = "failed"
)

// Result is the outcome of one attempt, as the outbox records it.
type Result struct {
	// Attempts counts this attempt.
	Attempts int
	At       time.Time
	// Status is the receiver's HTTP status; 0 when none came.
	Status int
	// Error says why the attempt failed ("" when delivered): the network
	// error, or the status and the start of the answer.
	Error string
	State State
	// Next is when to try again (State Pending); zero otherwise.
	Next time.Time
}

// Outbox is the durable queue of webhook deliveries that the sandbox's
// store keeps, so that retries survive a restart.
type Outbox interface {
	// Claim returns up to limit Pending messages due at now, oldest first,
	// and in the same step moves their next attempt to now+lease, so that
	// nothing else claims them while they are in flight; if the process
	// dies before Attempted, they are retried once the lease has passed.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// Attempted stores the outcome of an attempt of message id.
	Attempted(ctx context.Context, id string, r Result) error
}
