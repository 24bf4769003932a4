package maple

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"encoding/json"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// companyPrefix starts every Maple company ID.
const companyPrefix = "cmp_"

func init() { provider.Register(20, Descriptor) }

// Descriptor is what billctl knows about Maple.
func Descriptor() *provider.Descriptor {
	return &provider.Descriptor{
		Name:           Name,
		DefaultBaseURL: "https://api.maplebilling.com",
		// Maple's API addresses every request to a company.
		Tenant: &provider.Tenant{What: "company ID", Example: companyPrefix + "…", Check: checkCompany},
		Flags:  flags,
		// The sandbox's side (routes, answers, what a session buys) is
		// the sandbox package's, which registers it; these commands use
		// its demo catalogue.
		SandboxExamples: []string{
			"checkout create --provider " + Name + " --customer " + DemoCustomerAda + " --product-pricing " + DemoPricingPro,
		},
		SandboxTenant: DemoCompany,
		Lookups: map[provider.LookupKind]provider.Lookup{
			provider.Customers:       lookup("customers", provider.Customers),
			provider.ProductPricings: lookup("pricing", provider.ProductPricings),
		},
		Vocabulary: provider.Vocabulary{
			Fields: provider.JSONFields(CheckoutSession{}),
			// Maple's statuses are its proposals' (its reference shows
			// them there; a checkout session's are inferred from them).
			States: map[string]provider.State{
				"DRAFT": provider.Open, "PENDING_PAYMENT": provider.Open,
				"COMPLETE": provider.Completed, "VOID": provider.Cancelled, "EXPIRED": provider.Expired,
			},
			Colours: map[string]string{
				"COMPLETE":        "32",
				"DRAFT":           "33",
				"PENDING_PAYMENT": "33",
				"EXPIRED":         "90",
				"VOID":            "90",
			},
		},
		New: func(h *httpx.Client, company string) provider.Provider { return New(h, company) },
		Examples: map[string]string{
			"checkout create": "billctl checkout create --provider maple --company cmp_2MkGNwZq --customer cus_1 \\\n    --config-item product_pricing_id=pp_1,num_licenses=2 --term 12:MONTH",
			"checkout get":    "billctl checkout get chk_8Fq2LmT0xRw7NbZk4Hs1 --provider maple --company cmp_2MkGNwZq --open",
			"profile add":     "billctl profile add prod --provider maple --company cmp_2MkGNwZq < token.txt",
		},
		NotFoundHint: func(id, company string) string {
			return fmt.Sprintf("No checkout session %s in company %s: check the ID, and that --company (or the profile) is the company that created it.", id, company)
		},
	}
}

// checkCompany refuses a company ID that is not one: it goes into every
// path, so a stray "/" or ".." would address another resource.
func checkCompany(v string) error {
	if err := provider.CheckID("company", v); err != nil {
		return err
	}
	if !strings.HasPrefix(v, companyPrefix) || len(v) == len(companyPrefix) {
		return fmt.Errorf("company %q is not a Maple company ID: it starts with %s", v, companyPrefix)
	}
	return nil
}

func flags() []provider.Flag {
	return []provider.Flag{
		{Name: "config-item", Kind: provider.ListFlag, Usage: "config item KEY=VAL[,KEY=VAL…] in config_items field names, e.g. product_pricing_id=pp_1,num_licenses=2 (repeatable)", Apply: applyConfigItems, Complete: completeConfigItem, GoesOn: true},
		{Name: "product-pricing", Kind: provider.ListFlag, Path: "product_pricing_ids", Usage: "product pricing ID (repeatable, product_pricing_ids)", Lookup: provider.ProductPricings, Ask: provider.AskFirst},
		{Name: "bundle-pricing", Path: "bundle_pricing_id", Usage: "bundle pricing ID"},
		{Name: "term", Usage: "subscription term COUNT:FREQUENCY, e.g. 12:MONTH (" + strings.Join(Frequency("").Values(), ", ") + ")", Apply: applyTerm("term"), Complete: completeTerm, Ask: provider.AskOffered},
		{Name: "trial-term", Usage: "trial term COUNT:FREQUENCY (also sets trial: true)", Apply: applyTerm("trial_term"), Complete: completeTerm, Ask: provider.AskOffered},
		{Name: "auto-charges", Kind: provider.BoolFlag, Path: "auto_charges", Usage: "charge automatically"},
		{Name: "auto-renews", Kind: provider.BoolFlag, Path: "auto_renews", Usage: "renew at the end of the term"},
		{Name: "previous-subscription", Path: "previous_subscription_id", Usage: "subscription this checkout changes"},
		{Name: "change-timing", Kind: provider.EnumFlag, Values: ChangeTiming("").Values(), Path: "change_timing", Usage: "when a change takes effect"},
		{Name: "change-proration", Kind: provider.EnumFlag, Values: ChangeProrationType("").Values(), Path: "change_proration_type", Usage: "how a change is prorated"},
		{Name: "reset-billing-anchor", Kind: provider.BoolFlag, Path: "change_reset_billing_anchor", Usage: "reset the billing anchor on change"},
		{Name: "redirect-url", Path: "options.redirect_url", Usage: "where the customer goes after checkout", Ask: provider.AskOffered},
		{Name: "confirmation-message", Path: "options.confirmation_message", Usage: "message shown after checkout"},
		{Name: "completion-action", Path: "options.completion_action", Usage: "what happens after checkout, e.g. REDIRECT"},
		{Name: "allow-promo-code", Kind: provider.BoolFlag, Path: "options.allow_promo_code", Usage: "let the customer enter a promo code"},
		{Name: "requires-customer-address", Kind: provider.BoolFlag, Path: "options.requires_customer_address", Usage: "ask the customer for an address"},
	}
}

func applyConfigItems(d *request.Doc, wire reflect.Type, vals []string, place string) error {
	d.DeletePath("config_items")
	for i, v := range vals {
		for _, kv := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return provider.UsageErrorf("%s %q: expected KEY=VALUE[,KEY=VALUE…]", place, v)
			}
			if err := d.Set(wire, fmt.Sprintf("config_items[%d].%s", i, strings.TrimSpace(k)), val, place); err != nil {
				return err
			}
		}
	}
	return nil
}

func applyTerm(field string) func(*request.Doc, reflect.Type, []string, string) error {
	return func(d *request.Doc, wire reflect.Type, vals []string, place string) error {
		count, freq, ok := strings.Cut(vals[0], ":")
		if !ok || count == "" || freq == "" {
			return provider.UsageErrorf("%s %q: expected COUNT:FREQUENCY, e.g. 12:MONTH", place, vals[0])
		}
		d.DeletePath(field)
		if err := d.Set(wire, field+".count", count, place); err != nil {
			return err
		}
		if err := d.Set(wire, field+".frequency", strings.ToUpper(freq), place); err != nil {
			return err
		}
		if field == "trial_term" {
			return d.Set(wire, "trial", "true", place)
		}
		return nil
	}
}

// completeConfigItem completes --config-item KEY=VAL[,KEY=VAL…]: the keys
// (config_items field names, each followed by =) and, after
// product_pricing_id=, the product pricing IDs.
func completeConfigItem(toComplete string, lookup func(provider.LookupKind) []provider.Item) []string {
	done, cur := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done, cur = toComplete[:i+1], toComplete[i+1:]
	}
	key, val, hasValue := strings.Cut(cur, "=")
	if !hasValue {
		used := map[string]bool{}
		for _, kv := range strings.Split(done, ",") {
			k, _, _ := strings.Cut(kv, "=")
			used[strings.TrimSpace(k)] = true
		}
		var out []string
		for _, k := range ConfigItemKeys() {
			if !used[k.Name] && strings.HasPrefix(k.Name, cur) {
				out = append(out, done+k.Name+"=\t"+k.Type)
			}
		}
		return out
	}
	if strings.TrimSpace(key) != "product_pricing_id" {
		return nil
	}
	var out []string
	for _, it := range lookup(provider.ProductPricings) {
		if !strings.HasPrefix(it.ID, val) {
			continue
		}
		s := it.ID
		if it.Description != "" {
			s += "\t" + it.Description
		}
		out = append(out, done+key+"="+s)
	}
	return out
}

// A ConfigItemKey is a key --config-item takes, with the kind of value.
type ConfigItemKey struct{ Name, Type string }

// ConfigItemKeys are the field names of config_items, read from the wire
// type, nested objects as dotted paths, so the list cannot drift from
// what the request accepts.
func ConfigItemKeys() []ConfigItemKey {
	var out []ConfigItemKey
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			fld := t.Field(i)
			name, _, _ := strings.Cut(fld.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			ft := fld.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Struct:
				walk(ft, prefix+name+".")
				continue
			case reflect.Bool:
				out = append(out, ConfigItemKey{prefix + name, "true or false"})
			case reflect.Int, reflect.Int32, reflect.Int64:
				out = append(out, ConfigItemKey{prefix + name, "whole number"})
			case reflect.String:
				if strings.HasSuffix(name, "_id") {
					out = append(out, ConfigItemKey{prefix + name, "ID"})
				} else {
					out = append(out, ConfigItemKey{prefix + name, "text"})
				}
			default:
				out = append(out, ConfigItemKey{prefix + name, ft.Kind().String()})
			}
		}
	}
	walk(reflect.TypeOf(ConfigItem{}), "")
	return out
}

// completeTerm completes --term and --trial-term COUNT:FREQUENCY with the
// frequencies Maple accepts; the count defaults to 1 in the suggestions.
func completeTerm(toComplete string, _ func(provider.LookupKind) []provider.Item) []string {
	count, freq, _ := strings.Cut(toComplete, ":")
	if count == "" {
		count = "1"
	}
	if strings.Trim(count, "0123456789") != "" {
		return nil
	}
	var out []string
	for _, v := range Frequency("").Values() {
		if strings.HasPrefix(v, strings.ToUpper(freq)) {
			out = append(out, count+":"+v)
		}
	}
	return out
}

// findBody is the body of the find endpoints: the newest records first,
// one page of 100, the API's maximum. A constant: nothing to build at
// start-up.
const findBody = `{"pagination":{"limit":100},"sort_key":"createdAtDesc"}`

func lookup(what string, kind provider.LookupKind) provider.Lookup {
	return func(ctx context.Context, h *httpx.Client, company string) ([]provider.Item, error) {
		path := "/api/v1/companies/" + url.PathEscape(company) + "/" + what + "/find"
		body, err := provider.LookupBody(ctx, h, http.MethodPost, path, []byte(findBody))
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
		var out []provider.Item
		d := provider.Deref
		for _, x := range r.Results {
			if kind == provider.ProductPricings {
				name := d(x.Name)
				if name == "" {
					name = d(x.ExternalName)
				}
				out = provider.AddItem(out, x.ID, provider.Describe(name, d(x.Currency), d(x.Type)), d(x.State))
				continue
			}
			org := d(x.OrgName)
			if org == d(x.Name) {
				org = ""
			}
			out = provider.AddItem(out, x.ID, provider.Describe(d(x.Name), org, d(x.Email)), d(x.Status))
		}
		return out, nil
	}
}
