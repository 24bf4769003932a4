package sandbox

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"strconv"

	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// meteroidPrices are the monthly prices of the demo catalogue, in euro
// cents. The API's records carry none the page could add up (a plan's
// price_components are empty, an add-on shows only a price_id), so the
// sandbox keeps them here; an item missing from this list is shown without
// an amount.
var meteroidPrices = map[string]int64{
	meteroid.DemoPlanVersionStarter: 1900,
	meteroid.DemoPlanVersionProOld:  3900,
	meteroid.DemoPlanVersionPro:     4900,
	meteroid.DemoPlanVersionDraft:   49900,
	meteroid.DemoAddOnSeats:         1500,
	meteroid.DemoAddOnSupport:       9900,
}

// meteroidRequest is the part of Meteroid's create request the page shows.
type meteroidRequest struct {
	PlanVersionID string `json:"plan_version_id"`
	AddOns        []struct {
		AddOnID  string `json:"add_on_id"`
		Quantity *int   `json:"quantity"`
	} `json:"add_ons"`
	CouponIDs         []string `json:"coupon_ids"`
	CouponCode        *string  `json:"coupon_code"`
	TrialDurationDays *int     `json:"trial_duration_days"`
	BillingDayAnchor  *int     `json:"billing_day_anchor"`
	BillingStartDate  *string  `json:"billing_start_date"`
	EndDate           *string  `json:"end_date"`
	NetTerms          *int     `json:"net_terms"`
	InvoiceMemo       *string  `json:"invoice_memo"`
	InvoiceThreshold  *string  `json:"invoice_threshold"`
	// AutoAdvanceInvoices defaults to true on the server.
	AutoAdvanceInvoices *bool   `json:"auto_advance_invoices"`
	SuccessURL          *string `json:"success_url"`
	CancelURL           *string `json:"cancel_url"`
}

// Purchase reads what a sandbox session of this API buys, from
// its create request, for the checkout page and the webhook.
func Purchase(c *purchase.Catalog, p *purchase.Purchase, body []byte) error {
	var req meteroidRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	if p.Currency == "" {
		p.Currency = "EUR"
	}
	p.Period, p.Term = "MONTHLY", "Monthly"
	if req.EndDate != nil {
		p.Term = "Monthly, until " + *req.EndDate
	}

	plan := purchase.Line{Kind: "Plan", Name: req.PlanVersionID, Detail: "Monthly"}
	if v, ok := c.Item(meteroid.Name, "plan_versions", req.PlanVersionID); ok {
		var vd struct {
			Version  int
			Currency string
		}
		json.Unmarshal(v.Data, &vd)
		p.PlanVersion = vd.Version
		if vd.Currency != "" {
			p.Currency = vd.Currency
		}
		// A plan version's Alias is its plan's ID.
		if pl, ok := c.Item(meteroid.Name, "plans", v.Alias); ok {
			var pd struct {
				NetTerms int `json:"net_terms"`
				Trial    *struct {
					DurationDays int  `json:"duration_days"`
					IsFree       bool `json:"is_free"`
				}
			}
			json.Unmarshal(pl.Data, &pd)
			p.PlanName = pl.Name
			p.NetTerms = pd.NetTerms
			if pd.Trial != nil {
				p.TrialDays = pd.Trial.DurationDays
				p.TrialPaid = !pd.Trial.IsFree
			}
			plan.Name = pl.Name + " (version " + strconv.Itoa(vd.Version) + ")"
		}
	}
	if p.PlanName == "" {
		p.PlanName = req.PlanVersionID
	}
	plan.Minor, plan.Priced = meteroidPrices[req.PlanVersionID]
	p.Lines = append(p.Lines, plan)
	subtotal := plan.Minor

	for _, a := range req.AddOns {
		n := 1
		if a.Quantity != nil {
			n = *a.Quantity
		}
		l := purchase.Line{Kind: "Add-on", Name: a.AddOnID, Detail: purchase.Quantity(n)}
		if it, ok := c.Item(meteroid.Name, "addons", a.AddOnID); ok {
			l.Name = it.Name
		}
		if unit, ok := meteroidPrices[a.AddOnID]; ok {
			l.Minor, l.Priced = unit*int64(n), true
			subtotal += l.Minor
		}
		p.Lines = append(p.Lines, l)
	}

	coupons := append([]string(nil), req.CouponIDs...)
	if req.CouponCode != nil {
		found := false
		for _, it := range c.Aliased(meteroid.Name, "coupons", *req.CouponCode) {
			coupons = append(coupons, it.ID)
			found = true
		}
		if !found {
			// Shown by the code given, unpriced, as an unknown coupon ID is.
			coupons = append(coupons, *req.CouponCode)
		}
	}
	for _, id := range coupons {
		l := purchase.Line{Kind: "Coupon", Name: id}
		if it, ok := c.Item(meteroid.Name, "coupons", id); ok {
			var cd struct {
				Code     string
				Discount struct {
					Type       string
					Percentage string
					Amount     string
				}
			}
			json.Unmarshal(it.Data, &cd)
			l.Name = cd.Code
			if pct, err := strconv.ParseFloat(cd.Discount.Percentage, 64); err == nil && cd.Discount.Type == "PERCENTAGE" {
				l.Detail = purchase.FormatPercent(pct)
				l.Minor, l.Priced = purchase.PercentOff(subtotal, pct), true
			}
		}
		p.Lines = append(p.Lines, l)
	}

	if req.TrialDurationDays != nil {
		p.TrialDays = *req.TrialDurationDays
	}
	if p.TrialDays > 0 {
		p.Trial = purchase.Days(p.TrialDays)
	}
	if req.NetTerms != nil {
		p.NetTerms = *req.NetTerms
	}
	if req.BillingDayAnchor != nil {
		p.BillingDayAnchor = *req.BillingDayAnchor
	}
	p.BillingStartDate = deref(req.BillingStartDate)
	p.EndDate = deref(req.EndDate)
	p.InvoiceMemo = deref(req.InvoiceMemo)
	p.InvoiceThreshold = deref(req.InvoiceThreshold)
	p.KeepInvoicesDraft = req.AutoAdvanceInvoices != nil && !*req.AutoAdvanceInvoices
	p.SuccessURL = deref(req.SuccessURL)
	p.CancelURL = deref(req.CancelURL)
	for _, l := range p.Lines {
		if l.Priced {
			p.MRR += l.Minor
		}
	}
	if p.MRR < 0 {
		p.MRR = 0
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
