package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

func init() { provider.Register(10, Descriptor) }

// Descriptor is what billctl knows about Meteroid.
func Descriptor() *provider.Descriptor {
	return &provider.Descriptor{
		Name:           Name,
		DefaultBaseURL: "https://api.meteroid.com",
		Flags:          flags,
		// The sandbox's side (routes, answers, what a session buys) is
		// the sandbox package's, which registers it; these commands use
		// its demo catalogue.
		SandboxExamples: []string{
			"checkout create --customer acme --plan-version " + DemoPlanVersionPro,
			"checkout list --customer " + DemoCustomerAcme,
		},
		Lookups: map[provider.LookupKind]provider.Lookup{
			provider.Customers:    lookup(provider.Customers),
			provider.PlanVersions: lookup(provider.PlanVersions),
			provider.AddOns:       lookup(provider.AddOns),
			provider.Coupons:      lookup(provider.Coupons),
			provider.Sessions:     lookup(provider.Sessions),
		},
		Vocabulary: provider.Vocabulary{
			Fields: provider.JSONFields(CheckoutSession{}),
			States: map[string]provider.State{
				"CREATED": provider.Open, "AWAITING_PAYMENT": provider.Open,
				"COMPLETED": provider.Completed, "CANCELLED": provider.Cancelled, "EXPIRED": provider.Expired,
			},
			Colours: map[string]string{
				"COMPLETED":        "32", // green
				"CREATED":          "33", // yellow
				"AWAITING_PAYMENT": "33",
				"EXPIRED":          "90", // grey
				"CANCELLED":        "90",
			},
			// A null expires_at is Meteroid's way of saying the session
			// never expires.
			NullMeans: map[string]string{"expires_at": "never"},
			Expiry:    "expires_at",
		},
		New: func(h *httpx.Client, _ string) provider.Provider { return New(h) },
		Examples: map[string]string{
			"checkout create": "billctl checkout create --provider meteroid --customer cus_1 --plan-version plv_1 --trial-days 14",
			"profile add":     "billctl profile add local --provider meteroid --base-url http://127.0.0.1:8080",
		},
		SessionID: "che_7n42DGM5Tflk9n8mt7Fhc7",
		NotFoundHint: func(id, _ string) string {
			return fmt.Sprintf("No checkout session %s on this account: check the ID, and that the profile or --base-url is the one that created it; `billctl checkout list` shows the account's sessions.", id)
		},
	}
}

func flags() []provider.Flag {
	return []provider.Flag{
		{Name: "plan-version", Path: "plan_version_id", Usage: "plan version ID (plan_version_id)", Lookup: provider.PlanVersions, Ask: provider.AskFirst},
		{Name: "add-on", Kind: provider.ListFlag, Usage: "add-on ID[:QUANTITY] (repeatable)", Apply: applyAddOns, Lookup: provider.AddOns, Ask: provider.AskOffered},
		{Name: "coupon", Kind: provider.ListFlag, Path: "coupon_ids", Usage: "coupon ID (repeatable, coupon_ids)", Lookup: provider.Coupons, Ask: provider.AskOffered},
		{Name: "coupon-code", Path: "coupon_code", Usage: "coupon code the customer entered"},
		{Name: "trial-days", Path: "trial_duration_days", Usage: "trial length in days", Ask: provider.AskOffered},
		{Name: "billing-start-date", Path: "billing_start_date", Usage: "first billing day, YYYY-MM-DD"},
		{Name: "billing-day-anchor", Path: "billing_day_anchor", Usage: "day of the month billing is anchored to"},
		{Name: "end-date", Path: "end_date", Usage: "subscription end, YYYY-MM-DD"},
		{Name: "expires-in-hours", Path: "expires_in_hours", Usage: "session lifetime in hours (0 = never expires)", Ask: provider.AskOffered},
		{Name: "net-terms", Path: "net_terms", Usage: "days to pay an invoice"},
		{Name: "invoice-memo", Path: "invoice_memo", Usage: "memo printed on invoices"},
		{Name: "invoice-threshold", Path: "invoice_threshold", Usage: "invoice threshold, a decimal like 100.00"},
		{Name: "purchase-order", Path: "purchase_order", Usage: "purchase order reference"},
		{Name: "auto-advance-invoices", Kind: provider.BoolFlag, Path: "auto_advance_invoices", Usage: "finalize invoices automatically (false keeps them in draft)"},
		{Name: "charge-automatically", Kind: provider.BoolFlag, Path: "charge_automatically", Usage: "charge the saved payment method on finalize"},
		{Name: "payment-methods", Kind: provider.EnumFlag, Values: request.UnionTags(reflect.TypeOf(PaymentMethodsConfig{})), Usage: "payment methods configuration", Apply: applyPaymentMethods},
		{Name: "bank-account", Usage: "bank account ID for bank_transfer", Apply: applyBankAccount},
		{Name: "card", Kind: provider.BoolFlag, Usage: "allow card payment (online)", Apply: applyOnline("card")},
		{Name: "direct-debit", Kind: provider.BoolFlag, Usage: "allow direct debit (online)", Apply: applyOnline("direct_debit")},
		{Name: "remove-component", Kind: provider.ListFlag, Path: "components.remove_components", Usage: "price component ID to remove from the plan (repeatable)"},
		{Name: "success-url", Path: "success_url", Usage: "where the customer goes after paying, an absolute http(s) URL"},
		{Name: "cancel-url", Path: "cancel_url", Usage: "where the customer goes on leaving without paying, an absolute http(s) URL"},
	}
}

func applyAddOns(d *request.Doc, wire reflect.Type, vals []string, place string) error {
	d.DeletePath("add_ons")
	for i, v := range vals {
		id, qty, hasQty := strings.Cut(v, ":")
		if id == "" {
			return provider.UsageErrorf("%s %q: expected ID[:QUANTITY]", place, v)
		}
		if err := d.Set(wire, fmt.Sprintf("add_ons[%d].add_on_id", i), id, place); err != nil {
			return err
		}
		if hasQty {
			if err := d.Set(wire, fmt.Sprintf("add_ons[%d].quantity", i), qty, place); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyPaymentMethods starts payment_methods_config afresh with the given
// type, so a file's settings of another type do not linger.
func applyPaymentMethods(d *request.Doc, wire reflect.Type, vals []string, place string) error {
	d.DeletePath("payment_methods_config")
	return d.Set(wire, "payment_methods_config.type", vals[0], place)
}

// paymentType makes sure payment_methods_config has type want, the one a
// sub-flag (--bank-account, --card) implies.
func paymentType(d *request.Doc, wire reflect.Type, want, place string) error {
	have := d.Get("payment_methods_config.type")
	switch have {
	case "":
		return d.Set(wire, "payment_methods_config.type", want, place)
	case want:
		return nil
	}
	return provider.UsageErrorf("%s needs the %s payment method, but payment_methods_config.type is %s", place, want, have)
}

func applyBankAccount(d *request.Doc, wire reflect.Type, vals []string, place string) error {
	if err := paymentType(d, wire, "bank_transfer", place); err != nil {
		return err
	}
	return d.Set(wire, "payment_methods_config.account_id", vals[0], place)
}

func applyOnline(method string) func(*request.Doc, reflect.Type, []string, string) error {
	return func(d *request.Doc, wire reflect.Type, vals []string, place string) error {
		if err := paymentType(d, wire, "online", place); err != nil {
			return err
		}
		return d.Set(wire, "payment_methods_config.config."+method+".enabled", vals[0], place)
	}
}

// pageSize is how many records one lookup asks for: the API's maximum, and
// more than a completion menu can usefully show.
const pageSize = 100

func lookup(kind provider.LookupKind) provider.Lookup {
	return func(ctx context.Context, h *httpx.Client, _ string) ([]provider.Item, error) {
		return fetchItems(ctx, h, kind)
	}
}

// maxSessionItems bounds the sessions a completion offers: the list is
// not paginated and may hold a tenant's whole history, read as a stream
// only as far as this.
const maxSessionItems = 1000

// errEnough stops reading the session list once a completion has enough.
var errEnough = errors.New("enough sessions")

func sessionItems(ctx context.Context, h *httpx.Client) ([]provider.Item, error) {
	var out []provider.Item
	err := New(h).eachSession(ctx, provider.ListFilter{}, func(s *provider.Session, _ *CheckoutSession) error {
		created := s.CreatedAt
		if created != "" {
			created = "created " + created
		}
		out = provider.AddItem(out, s.ID, provider.Describe(s.Status, s.Customer, created), s.Status)
		if len(out) >= maxSessionItems {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return out, nil
}

func fetchItems(ctx context.Context, h *httpx.Client, kind provider.LookupKind) ([]provider.Item, error) {
	if kind == provider.Sessions {
		return sessionItems(ctx, h)
	}
	q := url.Values{}
	var path string
	switch kind {
	case provider.Customers:
		path = "/api/v1/customers"
	case provider.PlanVersions:
		// A plan in the list carries its current version; only active
		// plans can be subscribed to.
		path = "/api/v1/plans"
		q.Set("status", "ACTIVE")
	case provider.AddOns:
		path = "/api/v1/addons"
	case provider.Coupons:
		path = "/api/v1/coupons"
		q.Set("filter", "ACTIVE")
	}
	q.Set("per_page", fmt.Sprint(pageSize))
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	body, err := provider.LookupBody(ctx, h, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var out []provider.Item
	switch kind {
	case provider.Customers:
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
		for _, c := range r.Data {
			alias := provider.Deref(c.Alias)
			if alias != "" {
				alias = "alias " + alias
			}
			out = provider.AddItem(out, c.ID, provider.Describe(c.Name, alias, provider.Deref(c.BillingEmail)), "")
		}
	case provider.PlanVersions:
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
		for _, p := range r.Data {
			v := ""
			if p.Version > 0 {
				v = fmt.Sprintf("v%d", p.Version)
			}
			out = provider.AddItem(out, p.VersionID, provider.Describe(strings.TrimSpace(p.Name+" "+v), p.Currency), p.Status)
		}
	case provider.AddOns:
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
		for _, a := range r.Data {
			out = provider.AddItem(out, a.ID, provider.Describe(a.Name, provider.Deref(a.Description)), "")
		}
	case provider.Coupons:
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
		for _, c := range r.Data {
			if c.Disabled {
				continue
			}
			out = provider.AddItem(out, c.ID, provider.Describe(c.Code, provider.Deref(c.Description)), "")
		}
	}
	return out, nil
}
