package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// Descriptor is everything the rest of billctl knows about one API shape:
// the command line, the settings, completion and the printer ask it rather
// than naming a provider. Adding a provider is a package that registers one
// of these from its init (Register), plus its import line in the registry.
type Descriptor struct {
	// Name is the value of --provider.
	Name string
	// DefaultBaseURL is the public API root, used when none is configured.
	DefaultBaseURL string
	// Tenant is the account inside the API every request is addressed to
	// (--company); nil when the token alone names the account.
	Tenant *Tenant
	// Flags are the dedicated request flags of `checkout create` that
	// belong to this provider (the common ones are CommonFlags).
	Flags func() []Flag
	// Lookups fetch records for shell completion; a kind that is missing
	// is one the API cannot list.
	Lookups map[LookupKind]Lookup
	// Vocabulary is how the provider's sessions read.
	Vocabulary Vocabulary
	// New builds the client; tenant is the checked --company value.
	New func(h *httpx.Client, tenant string) Provider
	// NotFoundHint says what to check when a session id is unknown.
	NotFoundHint func(id, tenant string) string
	// Examples are command lines for help, by command ("checkout create",
	// "checkout get", "profile add"), in this provider's terms.
	Examples map[string]string
	// SessionID is what one of its session IDs looks like, for help.
	SessionID string
	// Sandbox is the provider's side of the local sandbox: its routes,
	// answers and demo catalogue; nil when it has none. Its sandbox
	// package sets it (RegisterSandbox), not the descriptor.
	Sandbox func() sandbox.API
	// SandboxPurchase reads what a sandbox session buys, for the checkout
	// page and the webhooks; set with Sandbox.
	SandboxPurchase purchase.Describer
	// SandboxExamples are ready-to-run commands against the sandbox's demo
	// catalogue, as `billctl --sandbox …` takes them after --sandbox
	// ("checkout create --customer acme …"), for `sandbox serve`.
	SandboxExamples []string
	// SandboxTenant is the sandbox's demo tenant, the default of --company
	// with --sandbox ("" when the provider has no tenant).
	SandboxTenant string
}

// Tenant is the account a provider addresses requests to.
type Tenant struct {
	// What names it in messages ("company ID").
	What string
	// Example is a well-formed value for messages ("cmp_…").
	Example string
	// Check refuses a malformed value before anything is sent.
	Check func(v string) error
}

// Can reports whether the provider d describes implements T, one of the
// optional interfaces (Getter, Lister, Canceller, …): asked of a client
// built without a connection, so that a verb the provider lacks is refused
// before any setting or token is needed to learn it.
func Can[T any](d *Descriptor) bool {
	_, ok := d.New(nil, "").(T)
	return ok
}

// Takes reports whether the provider d describes takes the common request
// flag f: it does when its create request has the field the flag sets
// (--metadata only where the wire type has metadata).
func (d *Descriptor) Takes(f Flag) bool {
	field := f.Path
	if f.Field != "" {
		field = f.Field
	}
	field, _, _ = strings.Cut(field, ".")
	return slices.Contains(JSONFields(d.New(nil, "").NewRequest()), field)
}

// Vocabulary is a provider's words for its sessions.
type Vocabulary struct {
	// States maps each status the API writes to what it means: whether a
	// session is still open, completed, cancelled or expired. --wait,
	// --open and the messages read statuses through it, so that each
	// provider's own words work (COMPLETED on one API, COMPLETE on
	// another). Nil: the common words (CommonStates).
	States map[string]State
	// Colours maps a status to an ANSI colour code ("32" green).
	Colours map[string]string
	// NullMeans maps a top-level field to what its null value means
	// (expires_at: never), for tables; a null field not listed is left out.
	NullMeans map[string]string
	// Expiry is the top-level field that says when a session expires, ""
	// when sessions carry none; the table's EXPIRES column reads it (and
	// NullMeans of it when it is null).
	Expiry string
	// Fields are the top-level fields a session can have, as the API
	// names them: the values of --columns.
	Fields []string
}

// State is what a session's status means, whatever the API calls it.
type State int

// The states of a session.
const (
	Open      State = iota // not paid yet: created, or its page opened
	Completed              // the customer went through checkout
	Cancelled
	Expired
)

// CommonStates are the statuses most APIs write (Meteroid's words).
var CommonStates = map[string]State{
	"CREATED": Open, "AWAITING_PAYMENT": Open, "COMPLETED": Completed, "CANCELLED": Cancelled, "CANCELED": Cancelled, "EXPIRED": Expired,
}

// State is what status means to the provider; a status it does not list
// (a word the API added since) is taken as open, so --wait keeps looking
// rather than stopping on a word it cannot read.
func (v Vocabulary) State(status string) State {
	states := v.States
	if states == nil {
		states = CommonStates
	}
	if st, ok := states[strings.ToUpper(status)]; ok {
		return st
	}
	return Open
}

// FlagKind is how a request flag takes its value.
type FlagKind int

// The kinds of request flags.
const (
	TextFlag FlagKind = iota // --flag VALUE
	BoolFlag                 // --flag / --flag=false
	ListFlag                 // repeatable; replaces the list
	EnumFlag                 // --flag ONE_OF
)

// Flag is a dedicated flag of `checkout create` that sets a field of the
// request. Its value goes into the document as command-line text, so the
// same checks as for a file apply and errors name the flag.
type Flag struct {
	Name   string
	Path   string // the field it sets, for simple flags
	Usage  string
	Kind   FlagKind
	Values []string // enum flags
	// Apply sets the field(s) for flags that are not a plain path = value.
	Apply func(d *request.Doc, wire reflect.Type, vals []string, place string) error
	// Lookup, when set, completes the flag with the account's records.
	Lookup LookupKind
	// Complete, when set, completes the flag; lookup fetches records.
	Complete func(toComplete string, lookup func(LookupKind) []Item) []string
	// Field is the top-level field an Apply flag sets, when Path is
	// empty: a common flag applies to the providers whose wire type has
	// it (Descriptor.Takes).
	Field string
	// GoesOn: a completed value may go on (KEY=VAL,…), so the shell adds
	// no space after it.
	GoesOn bool
	// Ask is whether `checkout create` asks for it on a terminal.
	Ask Asking
}

// Asking is whether `checkout create`, run on a terminal without the
// fields a session needs, asks for a flag.
type Asking int

// How a flag is asked for.
const (
	NotAsked   Asking = iota
	AskFirst          // asked in order: what a session is for (customer, plan)
	AskOffered        // offered in one short list of common options
)

// CommonFlags are the request flags of the shape every provider may
// share; each applies to the providers whose create request has its field
// (Descriptor.Takes).
func CommonFlags() []Flag {
	return []Flag{
		{Name: "customer", Path: "customer_id", Usage: "customer ID (customer_id); some providers also take the customer's alias", Lookup: Customers, Ask: AskFirst},
		{Name: "metadata", Kind: ListFlag, Field: "metadata", Usage: "metadata entry KEY=VALUE (repeatable)", Apply: applyMetadata},
	}
}

func applyMetadata(d *request.Doc, _ reflect.Type, vals []string, place string) error {
	for _, kv := range vals {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return UsageErrorf("%s %q: expected KEY=VALUE", place, kv)
		}
		if err := d.SetKey("metadata", k, v, place); err != nil {
			return err
		}
	}
	return nil
}

// LookupKind is a kind of record completed from the API.
type LookupKind string

// The kinds of records that can be completed.
const (
	Customers       LookupKind = "customers"
	PlanVersions    LookupKind = "plan-versions"
	AddOns          LookupKind = "add-ons"
	Coupons         LookupKind = "coupons"
	Sessions        LookupKind = "sessions"
	ProductPricings LookupKind = "product-pricings"
)

// Lookup fetches one kind of record through h for tenant.
type Lookup func(ctx context.Context, h *httpx.Client, tenant string) ([]Item, error)

// Item is one completion suggestion. Status is the record's state where
// the API gives one (a session's), so callers can narrow the list.
type Item struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	Status      string `json:"status,omitempty"`
}

// UsageError is a usage mistake on the command line: exit 2, and the
// command's usage line is pointed at.
type UsageError struct{ Err error }

func (e *UsageError) Error() string    { return e.Err.Error() }
func (e *UsageError) Unwrap() error    { return e.Err }
func (e *UsageError) ExitCode() int    { return exitcode.Usage }
func (e *UsageError) ShowsUsage() bool { return true }

// UsageErrorf builds a UsageError.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}
