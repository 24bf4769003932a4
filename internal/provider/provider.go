// Package provider is the small interface every API shape implements, the
// descriptor that says what each one is and can do, and the session and
// error types they share.
package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/request"
)

// Provider is one billing API: what every provider does, create. What
// only some can do is an interface of its own below (Preparer, Getter,
// Lister, Canceller, KeyReplayer, Settler), found by type assertion, so
// that a provider implements what its API has and stubs nothing.
type Provider interface {
	// Name is the provider's name, as its descriptor gives it.
	Name() string
	// NewRequest returns a pointer to an empty create-request wire type.
	NewRequest() any
	// CreatePath is the path of the create endpoint.
	CreatePath() string
	// Subject is what a decoded request (from NewRequest) makes a session
	// for, read from its typed fields when it is built.
	Subject(req any) Subject
	// Create sends a checked request with an idempotency key.
	Create(ctx context.Context, req Request, key string) (*Session, error)
}

// Preparer is a provider that fills, before decoding, what the tool sets
// for the user when the input leaves it out (a type, a default list).
type Preparer interface {
	Prepare(d *request.Doc)
}

// Getter is a provider that fetches one session (`checkout get`, --wait).
type Getter interface {
	Get(ctx context.Context, id string) (*Session, error)
}

// Lister is a provider that lists sessions (`checkout list`).
type Lister interface {
	// List hands fn the sessions, optionally filtered, one at a time as
	// they are read: a list can be long.
	List(ctx context.Context, f ListFilter, fn func(*Session) error) error
	// ListStatuses are the values of the list's status filter.
	ListStatuses() []string
}

// Canceller is a provider that cancels sessions (`checkout cancel`).
type Canceller interface {
	Cancel(ctx context.Context, id string) (*Session, error)
	// Cancellable says whether a session in status can still be
	// cancelled, for completion.
	Cancellable(status string) bool
}

// KeyReplayer is a provider whose API answers a create sent again with
// the same Idempotency-Key with the session already made rather than a
// second one.
type KeyReplayer interface {
	ReplaysKeys() bool
}

// Result is one result of a command: a session, or the error a batch
// document met. Index counts documents from 1. It lives here, beside the
// session, so that the engine that makes results and the printer that
// shows them need not know each other.
type Result struct {
	Index   int
	Session *Session
	Err     error
}

// Request is a checked create request: its JSON, and what it makes a
// session for, taken from the typed request when it was built, so that
// the provider never reads the bytes again to learn it.
type Request struct {
	Body    []byte
	Subject Subject
}

// Subject is the customer and plan (version, pricing) a session is for.
type Subject struct {
	Customer string
	Plan     string
}

// ListFilter narrows a list.
type ListFilter struct {
	Customer string
	Status   string
}

// Session is a checkout session as the API returned it, with the few
// fields that tables and `-o id|url` need pulled out.
type Session struct {
	// Raw is the session object exactly as the API sent it.
	Raw       json.RawMessage
	ID        string
	Status    string
	Customer  string
	Plan      string // the plan version or pricing the session is for
	URL       string
	ExpiresAt string
	CreatedAt string
	// Replayed: the API answered with a session an earlier request with
	// the same idempotency key created; nothing new was made.
	Replayed bool `json:",omitempty"`
}

// Settler is a provider whose create cannot be safely sent twice, and
// that can find out what a create sent earlier, whose answer was lost,
// did. A provider that replays idempotency keys needs none: the same
// key again is the answer.
type Settler interface {
	// Settle looks for the session that req, sent at since, may have
	// made: it returns that session, or nil and no error when none was
	// made (the request can be sent again), or an error when that cannot
	// be told.
	Settle(ctx context.Context, req Request, since time.Time) (*Session, error)
	// Claim tells the provider that these sessions belong to documents
	// already: a settle never adopts them.
	Claim(ids ...string)
}

// MaybeCreated reports whether err leaves open that the create made a
// session: false only when the request provably did not reach the
// server, or the API refused it.
func MaybeCreated(err error) bool {
	var m interface{ MaybeCreated() bool }
	if errors.As(err, &m) {
		return m.MaybeCreated()
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500 && ae.Status != 503
	}
	var he *httpx.Error
	if errors.As(err, &he) {
		return he.Sent || he.MaybeSent
	}
	return true
}

// Unreachable reports a request that never reached the server: every
// attempt failed to connect.
func Unreachable(err error) bool {
	var he *httpx.Error
	return errors.As(err, &he) && he.Unreachable()
}

// APIError is an error the API answered with.
type APIError struct {
	Provider string
	Status   int
	Code     string
	Message  string
	// Details are field-level messages (validation errors).
	Details []string
	// Hint says what to do next.
	Hint string
	// RetryAfter is the answer's Retry-After (429, 503), 0 when it gave
	// none: a caller that asks again later (checkout --wait) waits at
	// least that long.
	RetryAfter time.Duration
}

// NoteRetryAfter keeps the Retry-After of the answer h in e.
func NoteRetryAfter(e *APIError, h http.Header) {
	if d, ok := httpx.ParseRetryAfter(h.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d", e.Provider, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, d := range e.Details {
		b.WriteString("\n  - " + d)
	}
	if e.Hint != "" {
		b.WriteString("\n" + e.Hint)
	}
	return b.String()
}

// ExitCode: refused credentials are 3, every other API failure 1.
func (e *APIError) ExitCode() int {
	if e.Status == 401 || e.Status == 403 {
		return exitcode.Auth
	}
	return exitcode.Failure
}

// Unsupported is the error for a command an API cannot serve.
func Unsupported(provider, what string) error {
	return exitcode.Usagef("%s: %s (the %s API has no such endpoint)", provider, what, provider)
}
