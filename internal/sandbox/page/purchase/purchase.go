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
	Kind   string // "Plan", "Add-on", "Coupon", "Product", "One-time item", "Discount"
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

	// Maple's options.
	RedirectURL         string
	ConfirmationMessage string
	CompletionAction    string
}

// Catalog is the demo catalogue of each API, looked up in memory.
type Catalog struct {
	items map[string]sandbox.Item // provider/kind/id
}

// NewCatalog indexes the catalogues, by API name ("meteroid", "maple").
func NewCatalog(byAPI map[string][]sandbox.Item) *Catalog {
	c := &Catalog{items: map[string]sandbox.Item{}}
	for api, items := range byAPI {
		for _, it := range items {
			c.items[api+"/"+it.Kind+"/"+it.ID] = it
		}
	}
	return c
}

func (c *Catalog) get(api, kind, id string) (sandbox.Item, bool) {
	it, ok := c.items[api+"/"+kind+"/"+id]
	return it, ok
}

// Of reads what session ss buys.
func (c *Catalog) Of(ss *sandbox.Session) (Purchase, error) {
	p := Purchase{Provider: ss.Provider, CustomerID: ss.Customer, CustomerName: ss.Customer}
	if cust, ok := c.get(ss.Provider, "customers", ss.Customer); ok {
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
	var err error
	switch ss.Provider {
	case "meteroid":
		err = c.meteroid(&p, ss.Request)
	case "maple":
		err = c.maple(&p, ss.Request)
	default:
		err = fmt.Errorf("session %s: unknown provider %q", ss.ID, ss.Provider)
	}
	if err != nil {
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

// Days says a number of days in words.
func Days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

func quantity(n int) string {
	if n <= 1 {
		return ""
	}
	return "× " + strconv.Itoa(n)
}

// percentOff is the discount of pct percent on amount, rounded to the
// minor unit, as a negative amount.
func percentOff(amount int64, pct float64) int64 {
	return -int64(float64(amount)*pct/100 + 0.5)
}

func formatPercent(pct float64) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(pct, 'f', 2, 64), "0"), ".") + "% off"
}
