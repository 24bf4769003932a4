// Package completion fetches what the shell offers on TAB from the user's
// own account: customer, plan version, add-on, coupon, session and product
// pricing IDs, each with a short description.
//
// A completion is a convenience, never a place for errors: every lookup has
// a short time limit, answers are kept in a small cache so that repeated
// TABs do not wait on the network, and the command-line layer turns any
// failure into no suggestions at all.
package completion

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
)

// Timeout bounds a whole completion: a person pressing TAB waits no longer.
const Timeout = 2 * time.Second

// Kind is a kind of record completed from the API.
type Kind = provider.LookupKind

// The kinds of records that can be completed; each provider says which
// of them its API can list.
const (
	Customers       = provider.Customers
	PlanVersions    = provider.PlanVersions
	AddOns          = provider.AddOns
	Coupons         = provider.Coupons
	Sessions        = provider.Sessions
	ProductPricings = provider.ProductPricings
)

// Item is one suggestion.
type Item = provider.Item

// Account is the API a lookup goes to. Token is a secret: it is sent to
// BaseURL and nowhere else, and never written to the cache.
type Account struct {
	Profile  string
	Provider string
	BaseURL  string
	Company  string
	Token    string
}

// Source looks records up for one account, through the cache when CacheDir
// is set. The caller builds it from the settings it resolved: completion
// resolves nothing itself.
type Source struct {
	// Account is the API the records come from: the cache's key.
	Account
	// HTTP is the client the lookups go through, the same stack as every
	// other request (redaction, the same-origin redirect rule, the debug
	// log, the sandbox), with Timeout as its limit and no retries: a person
	// pressing TAB would rather have nothing now than something later.
	HTTP *httpx.Client
	// Lookups are the provider's (its descriptor's); a kind missing is one
	// its API cannot list.
	Lookups map[Kind]provider.Lookup
	// CacheDir is where answers are kept; "" keeps nothing.
	CacheDir string
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Items returns the records of kind, from the cache while it is fresh, else
// from the API (and then kept). ctx should carry the time limit.
func (s *Source) Items(ctx context.Context, kind Kind) ([]Item, error) {
	if !s.Supports(kind) {
		return nil, fmt.Errorf("%s cannot list %s", s.Provider, kind)
	}
	c := s.cache()
	if items, ok := c.get(kind); ok {
		return items, nil
	}
	if c.timedOut(kind) {
		return nil, ErrRecentFailure
	}
	items, err := s.fetch(ctx, kind)
	if err != nil {
		c.fail(kind, err)
		return nil, err
	}
	c.put(kind, items)
	return items, nil
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Supports reports whether the provider's API can list kind.
func (s *Source) Supports(kind Kind) bool { return s.Lookups[kind] != nil }

// fetch asks the provider's lookup through the caller's client.
func (s *Source) fetch(ctx context.Context, kind Kind) ([]Item, error) {
	return s.Lookups[kind](ctx, s.HTTP, s.Company)
}

// StatusError is an answer other than 2xx.
type StatusError = provider.StatusError

// Suggestions formats items for cobra as "ID\tdescription", keeping those
// whose ID starts with prefix and for which keep (if not nil) says yes.
func Suggestions(items []Item, prefix string, keep func(Item) bool) []string {
	var out []string
	for _, it := range items {
		if !strings.HasPrefix(it.ID, prefix) || (keep != nil && !keep(it)) {
			continue
		}
		if it.Description == "" {
			out = append(out, it.ID)
			continue
		}
		out = append(out, it.ID+"\t"+it.Description)
	}
	return out
}
