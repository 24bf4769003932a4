// Package purchase reads what a sandbox session buys: its customer, its
// lines named from the demo catalogue with their prices, the term and the
// trial. The checkout page shows it and the subscription.created webhook
// announces it, so both say the same thing.
//
// It reads the catalogue from memory (the items the sandbox seeds), never
// from the database: it runs inside the transaction that completes a
// session, where an in-memory database has no second connection to read.
package purchase

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/billctl/billctl/internal/sandbox"
)

// Line is one thing bought.
type Line struct {
	Kind   string // "Plan", "Add-on", "Coupon", "Product", "Bundle", "One-time item", "Discount"
	Name   string
	Detail string
	// Minor is the line's amount in minor units (negative for a discount);
	// Priced is false when the sandbox knows no price for it.
	Minor  int64
	Priced bool
}

// Purchase is what a session buys.
type Purchase struct {
	Provider      string
	CustomerID    string
	CustomerName  string
	CustomerAlias string
	Currency      string

	Lines []Line
	// Total is the sum of the priced lines, in Currency's minor units.
	Total int64

	// Period is Meteroid's BillingPeriodEnum of the subscription: MONTHLY,
	// QUARTERLY, SEMIANNUAL or ANNUAL.
	Period string
	// Term says how long it runs or how it renews, in words.
	Term string
	// TrialDays is the trial's length in days (0: none); Trial says it in
	// words, for Maple's trial terms too.
	TrialDays int
	Trial     string
	// TrialPaid: the trial is billed from its first day (Meteroid's
	// trial.is_free false); a free trial bills nothing until it ends.
	TrialPaid bool

	PlanName    string
	PlanVersion int
	// MRR is the monthly recurring revenue in minor units.
	MRR int64

	// Meteroid's request fields that the webhook repeats.
	BillingDayAnchor int
	NetTerms         int
	BillingStartDate string
	EndDate          string
	InvoiceMemo      string
	InvoiceThreshold string
	// KeepInvoicesDraft is Meteroid's auto_advance_invoices false: an
	// invoice billed at once stays a draft.
	KeepInvoicesDraft bool

	// Meteroid's success_url and cancel_url.
	SuccessURL string
	CancelURL  string

	// Maple's options.
	RedirectURL         string
	ConfirmationMessage string
	CompletionAction    string
}

// Describer fills in what a session buys from its create request body:
// the lines, term and trial, and the request fields the webhook repeats.
// The customer is read already. Each provider package supplies its own.
type Describer func(c *Catalog, p *Purchase, body []byte) error

// API is one API's demo catalogue and how its purchases read.
type API struct {
	Name     string
	Items    []sandbox.Item
	Describe Describer
}

// Catalog is the demo catalogue of each API, looked up in memory.
type Catalog struct {
	items    map[string]sandbox.Item // provider/kind/id
	describe map[string]Describer    // by provider
}

// NewCatalog indexes the catalogues of apis.
func NewCatalog(apis ...API) *Catalog {
	c := &Catalog{items: map[string]sandbox.Item{}, describe: map[string]Describer{}}
	for _, api := range apis {
		for _, it := range api.Items {
			c.items[api.Name+"/"+it.Kind+"/"+it.ID] = it
		}
		c.describe[api.Name] = api.Describe
	}
	return c
}

// Item is the catalogue item of api of that kind and ID.
func (c *Catalog) Item(api, kind, id string) (sandbox.Item, bool) {
	it, ok := c.items[api+"/"+kind+"/"+id]
	return it, ok
}

// Aliased are the catalogue items of api of that kind with that alias.
func (c *Catalog) Aliased(api, kind, alias string) []sandbox.Item {
	var out []sandbox.Item
	for key, it := range c.items {
		if it.Kind == kind && it.Alias == alias && strings.HasPrefix(key, api+"/") {
			out = append(out, it)
		}
	}
	return out
}

// Of reads what session ss buys.
func (c *Catalog) Of(ss *sandbox.Session) (Purchase, error) {
	p := Purchase{Provider: ss.Provider, CustomerID: ss.Customer, CustomerName: ss.Customer}
	if cust, ok := c.Item(ss.Provider, "customers", ss.Customer); ok {
		var d struct {
			Name, Alias, Currency, Identifier *string
		}
		json.Unmarshal(cust.Data, &d)
		if cust.Name != "" {
			p.CustomerName = cust.Name
		}
		if d.Alias != nil {
			p.CustomerAlias = *d.Alias
		} else if d.Identifier != nil {
			p.CustomerAlias = *d.Identifier
		}
		if d.Currency != nil {
			p.Currency = *d.Currency
		}
	}
	describe := c.describe[ss.Provider]
	if describe == nil {
		return Purchase{}, fmt.Errorf("session %s: unknown provider %q", ss.ID, ss.Provider)
	}
	if err := describe(c, &p, ss.Request); err != nil {
		return Purchase{}, fmt.Errorf("session %s: %w", ss.ID, err)
	}
	for _, l := range p.Lines {
		if l.Priced {
			p.Total += l.Minor
		}
	}
	if p.Total < 0 {
		p.Total = 0
	}
	return p, nil
}

// FreeTrial reports whether a free trial comes first: paying the session
// charges nothing today, and Total is first billed when the trial ends.
// The page says so and the events follow the same rule (no invoice).
func (p Purchase) FreeTrial() bool { return p.TrialDays > 0 && !p.TrialPaid }

// Days says a number of days in words.
func Days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

// Quantity says a count of more than one ("× 3"), "" otherwise.
func Quantity(n int) string {
	if n <= 1 {
		return ""
	}
	return "× " + strconv.Itoa(n)
}

// PercentOff is the discount of pct percent on amount, rounded to the
// minor unit, as a negative amount.
func PercentOff(amount int64, pct float64) int64 {
	return -int64(float64(amount)*pct/100 + 0.5)
}

// FormatPercent says a discount of pct percent ("12.5% off").
func FormatPercent(pct float64) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(pct, 'f', 2, 64), "0"), ".") + "% off"
}
