package sandbox

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/maple"
	"strconv"
	"strings"

	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// maplePrice is a demo pricing's price in cents and how often it is
// charged ("" once).
type maplePrice struct {
	minor  int64
	period string // a Meteroid BillingPeriodEnum, for the webhook
}

// maplePrices are the prices of the demo catalogue (the API's pricing
// records carry no amount); an item missing from this list is shown
// without one.
var maplePrices = map[string]maplePrice{
	maple.DemoPricingPro:    {2900, "MONTHLY"},
	maple.DemoPricingTeam:   {120000, "ANNUAL"},
	maple.DemoPricingSetup:  {50000, ""},
	maple.DemoBundleStarter: {4900, "MONTHLY"},
}

type mapleTerm struct {
	Count     int    `json:"count"`
	Frequency string `json:"frequency"`
}

type mapleMoney struct {
	Currency     string `json:"currency"`
	ValueInCents int64  `json:"value_in_cents"`
}

// mapleRequest is the part of Maple's create request the page shows.
type mapleRequest struct {
	ConfigItems []struct {
		ProductPricingID *string `json:"product_pricing_id"`
		NumLicenses      *int    `json:"num_licenses"`
	} `json:"config_items"`
	ProductPricingIDs []string `json:"product_pricing_ids"`
	BundlePricingID   *string  `json:"bundle_pricing_id"`
	OnetimeItems      []struct {
		ProductPricingID *string  `json:"product_pricing_id"`
		Aggregate        *float64 `json:"aggregate"`
		CustomPrice      *struct {
			Amount      mapleMoney `json:"amount"`
			Description string     `json:"description"`
		} `json:"custom_price"`
	} `json:"onetime_items"`
	Discounts []struct {
		Name    string      `json:"name"`
		Type    string      `json:"type"`
		Percent *float64    `json:"percent"`
		Amount  *mapleMoney `json:"amount"`
	} `json:"discounts"`
	Term      *mapleTerm `json:"term"`
	Trial     *bool      `json:"trial"`
	TrialTerm *mapleTerm `json:"trial_term"`
	Options   *struct {
		RedirectURL         *string `json:"redirect_url"`
		ConfirmationMessage *string `json:"confirmation_message"`
		CompletionAction    *string `json:"completion_action"`
	} `json:"options"`
}

// Purchase reads what a sandbox session of this API buys, from
// its create request, for the checkout page and the webhook.
func Purchase(c *purchase.Catalog, p *purchase.Purchase, body []byte) error {
	var req mapleRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	if p.Currency == "" {
		p.Currency = "USD"
	}
	var subtotal, monthly int64
	product := func(kind, id string, n int) purchase.Line {
		l := purchase.Line{Kind: kind, Name: id, Detail: purchase.Quantity(n)}
		records := "pricings"
		if kind == "Bundle" {
			records = "bundles"
		}
		if it, ok := c.Item(maple.Name, records, id); ok {
			l.Name = it.Name
		}
		if pr, ok := maplePrices[id]; ok {
			l.Minor, l.Priced = pr.minor*int64(n), true
			subtotal += l.Minor
			switch pr.period {
			case "MONTHLY":
				monthly += l.Minor
				l.Detail = join(l.Detail, "monthly")
			case "ANNUAL":
				monthly += l.Minor / 12
				l.Detail = join(l.Detail, "yearly")
			}
			if p.Period == "" {
				p.Period = pr.period
			}
		}
		return l
	}
	for _, ci := range req.ConfigItems {
		if ci.ProductPricingID == nil {
			continue
		}
		n := 1
		if ci.NumLicenses != nil {
			n = *ci.NumLicenses
		}
		l := product("Product", *ci.ProductPricingID, n)
		if n > 1 {
			l.Detail = strings.Replace(l.Detail, "× "+strconv.Itoa(n), strconv.Itoa(n)+" licences", 1)
		}
		p.Lines = append(p.Lines, l)
	}
	for _, id := range req.ProductPricingIDs {
		p.Lines = append(p.Lines, product("Product", id, 1))
	}
	if req.BundlePricingID != nil {
		p.Lines = append(p.Lines, product("Bundle", *req.BundlePricingID, 1))
	}
	for _, o := range req.OnetimeItems {
		if o.CustomPrice != nil {
			l := purchase.Line{Kind: "One-time item", Name: o.CustomPrice.Description, Minor: o.CustomPrice.Amount.ValueInCents, Priced: true}
			if l.Name == "" {
				l.Name = "Custom price"
			}
			subtotal += l.Minor
			p.Lines = append(p.Lines, l)
			continue
		}
		if o.ProductPricingID != nil {
			n := 1
			if o.Aggregate != nil && *o.Aggregate >= 1 {
				n = int(*o.Aggregate)
			}
			p.Lines = append(p.Lines, product("One-time item", *o.ProductPricingID, n))
		}
	}
	for _, d := range req.Discounts {
		l := purchase.Line{Kind: "Discount", Name: d.Name}
		switch {
		case d.Percent != nil:
			l.Detail = purchase.FormatPercent(*d.Percent)
			l.Minor, l.Priced = purchase.PercentOff(subtotal, *d.Percent), true
		case d.Amount != nil:
			l.Minor, l.Priced = -d.Amount.ValueInCents, true
		}
		p.Lines = append(p.Lines, l)
	}
	if p.Period == "" {
		p.Period = "MONTHLY"
	}
	p.MRR = monthly
	if req.Term != nil {
		p.Term = termWords(*req.Term)
	}
	if req.TrialTerm != nil && (req.Trial == nil || *req.Trial) {
		p.Trial = termWords(*req.TrialTerm)
		p.TrialDays = termDays(*req.TrialTerm)
	}
	if o := req.Options; o != nil {
		p.RedirectURL = deref(o.RedirectURL)
		p.ConfirmationMessage = deref(o.ConfirmationMessage)
		p.CompletionAction = deref(o.CompletionAction)
	}
	p.PlanName = "Maple subscription"
	for _, l := range p.Lines {
		if l.Kind == "Product" || l.Kind == "Bundle" {
			p.PlanName = l.Name
			break
		}
	}
	return nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

// termWords says a Maple term: 12 MONTH is "12 months".
func termWords(t mapleTerm) string {
	unit := strings.ToLower(t.Frequency)
	if unit == "" {
		unit = "period"
	}
	if t.Count == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(t.Count) + " " + unit + "s"
}

// termDays is a term's length in days, for the webhook's trial_duration.
func termDays(t mapleTerm) int {
	per := map[string]int{"DAY": 1, "WEEK": 7, "MONTH": 30, "YEAR": 365}[strings.ToUpper(t.Frequency)]
	return t.Count * per
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
