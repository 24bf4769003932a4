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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

// Timeout bounds a whole completion: a person pressing TAB waits no longer.
const Timeout = 2 * time.Second

// pageSize is how many records one lookup asks for: both APIs' maximum, and
// more than a completion menu can usefully show.
const pageSize = 100

// maxBody caps what is read of an answer.
const maxBody = 4 << 20

// Kind is a kind of record completed from the API.
type Kind string

// The kinds of records that can be completed.
const (
	Customers       Kind = "customers"
	PlanVersions    Kind = "plan-versions"    // Meteroid
	AddOns          Kind = "add-ons"          // Meteroid
	Coupons         Kind = "coupons"          // Meteroid
	Sessions        Kind = "sessions"         // Meteroid
	ProductPricings Kind = "product-pricings" // Maple
)

// Supports reports whether provider's API can list kind.
func Supports(provider string, kind Kind) bool {
	switch provider {
	case meteroid.Name:
		return kind != ProductPricings
	case maple.Name:
		return kind == Customers || kind == ProductPricings
	}
	return false
}

// Item is one suggestion. Status is the record's state where the API gives
// one (a session's), so callers can narrow the list without another lookup.
type Item struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	Status      string `json:"status,omitempty"`
}

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
// is set.
type Source struct {
	Account
	UserAgent string
	// Transport replaces the network (tests); nil uses the default.
	Transport http.RoundTripper
	// CacheDir is where answers are kept; "" keeps nothing.
	CacheDir string
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Items returns the records of kind, from the cache while it is fresh, else
// from the API (and then kept). ctx should carry the time limit.
func (s *Source) Items(ctx context.Context, kind Kind) ([]Item, error) {
	if !Supports(s.Provider, kind) {
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

func (s *Source) fetch(ctx context.Context, kind Kind) ([]Item, error) {
	if s.Provider == maple.Name {
		return s.fetchMaple(ctx, kind)
	}
	return s.fetchMeteroid(ctx, kind)
}

func (s *Source) fetchMeteroid(ctx context.Context, kind Kind) ([]Item, error) {
	q := url.Values{}
	var path string
	switch kind {
	case Customers:
		path = "/api/v1/customers"
	case PlanVersions:
		// A plan in the list carries its current version; only active
		// plans can be subscribed to.
		path = "/api/v1/plans"
		q.Set("status", "ACTIVE")
	case AddOns:
		path = "/api/v1/addons"
	case Coupons:
		path = "/api/v1/coupons"
		q.Set("filter", "ACTIVE")
	case Sessions:
		path = "/api/v1/checkout-sessions"
	}
	if kind != Sessions { // the sessions list is not paginated
		q.Set("per_page", fmt.Sprint(pageSize))
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	body, err := s.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	switch kind {
	case Customers:
		var r struct {
			Data []struct {
				ID           string  `json:"id"`
				Name         string  `json:"name"`
				Alias        *string `json:"alias"`
				BillingEmail *string `json:"billing_email"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		var out []Item
		for _, c := range r.Data {
			alias := deref(c.Alias)
			if alias != "" {
				alias = "alias " + alias
			}
			out = add(out, c.ID, describe(c.Name, alias, deref(c.BillingEmail)), "")
		}
		return out, nil
	case PlanVersions:
		var r struct {
			Data []struct {
				Name      string `json:"name"`
				Version   int    `json:"version"`
				VersionID string `json:"version_id"`
				Currency  string `json:"currency"`
				Status    string `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		var out []Item
		for _, p := range r.Data {
			v := ""
			if p.Version > 0 {
				v = fmt.Sprintf("v%d", p.Version)
			}
			out = add(out, p.VersionID, describe(strings.TrimSpace(p.Name+" "+v), p.Currency), p.Status)
		}
		return out, nil
	case AddOns:
		var r struct {
			Data []struct {
				ID          string  `json:"id"`
				Name        string  `json:"name"`
				Description *string `json:"description"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		var out []Item
		for _, a := range r.Data {
			out = add(out, a.ID, describe(a.Name, deref(a.Description)), "")
		}
		return out, nil
	case Coupons:
		var r struct {
			Data []struct {
				ID          string  `json:"id"`
				Code        string  `json:"code"`
				Description *string `json:"description"`
				Disabled    bool    `json:"disabled"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		var out []Item
		for _, c := range r.Data {
			if c.Disabled {
				continue
			}
			out = add(out, c.ID, describe(c.Code, deref(c.Description)), "")
		}
		return out, nil
	default: // Sessions
		var r struct {
			Sessions []struct {
				ID         string `json:"id"`
				Status     string `json:"status"`
				CustomerID string `json:"customer_id"`
				CreatedAt  string `json:"created_at"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		var out []Item
		for _, x := range r.Sessions {
			created := x.CreatedAt
			if created != "" {
				created = "created " + created
			}
			out = add(out, x.ID, describe(x.Status, x.CustomerID, created), x.Status)
		}
		return out, nil
	}
}

// mapleFind is the body of Maple's find endpoints: the newest records
// first, one page.
var mapleFind = []byte(fmt.Sprintf(`{"pagination":{"limit":%d},"sort_key":"createdAtDesc"}`, pageSize))

func (s *Source) fetchMaple(ctx context.Context, kind Kind) ([]Item, error) {
	what := "customers"
	if kind == ProductPricings {
		what = "pricing"
	}
	path := "/api/v1/companies/" + url.PathEscape(s.Company) + "/" + what + "/find"
	body, err := s.do(ctx, http.MethodPost, path, mapleFind)
	if err != nil {
		return nil, err
	}
	var r struct {
		Results []struct {
			ID           string  `json:"id"`
			Name         *string `json:"name"`
			OrgName      *string `json:"org_name"`
			Email        *string `json:"email"`
			ExternalName *string `json:"external_name"`
			Currency     *string `json:"currency"`
			Type         *string `json:"type"`
			State        *string `json:"state"`
			Status       *string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	var out []Item
	for _, x := range r.Results {
		if kind == ProductPricings {
			name := deref(x.Name)
			if name == "" {
				name = deref(x.ExternalName)
			}
			out = add(out, x.ID, describe(name, deref(x.Currency), deref(x.Type)), deref(x.State))
			continue
		}
		org := deref(x.OrgName)
		if org == deref(x.Name) {
			org = ""
		}
		out = add(out, x.ID, describe(deref(x.Name), org, deref(x.Email)), deref(x.Status))
	}
	return out, nil
}

// do sends one request and returns the body of a 2xx answer.
func (s *Source) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(s.BaseURL, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.Token)
	if s.UserAgent != "" {
		req.Header.Set("User-Agent", s.UserAgent)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{
		Transport: s.Transport,
		// A redirect could carry the token elsewhere; the APIs do not
		// redirect.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, &StatusError{Status: res.StatusCode}
	}
	return b, nil
}

// StatusError is an answer other than 2xx.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d", e.Status) }

// add appends an item whose ID can stand as one shell word; descriptions
// are made single-line, since a tab or a newline would break the list the
// shell reads.
func add(out []Item, id, desc, status string) []Item {
	if id == "" || strings.ContainsAny(id, " \t\r\n") {
		return out
	}
	return append(out, Item{ID: id, Description: oneLine(desc), Status: status})
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// describe joins the parts that are there: "Acme Corp, alias acme".
func describe(parts ...string) string {
	return strings.Join(nonEmpty(parts...), ", ")
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

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
