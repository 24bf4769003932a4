package checkout

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
)

// A reqFlag is a dedicated flag that sets a field of the request. Each one
// belongs to a provider ("" = both); its value goes into the document as
// command-line text, so the same checks as for a file apply and errors
// name the flag.
type reqFlag struct {
	name     string
	provider string
	path     string // the field it sets, for simple flags
	usage    string
	kind     flagKind
	values   []string // enum flags
	// apply sets the field(s) for flags that are not a plain path = value.
	apply func(d *request.Doc, wire reflect.Type, vals []string, place string) error
}

type flagKind int

const (
	textFlag flagKind = iota // --flag VALUE
	boolFlag                 // --flag / --flag=false
	listFlag                 // repeatable; replaces the list
	enumFlag                 // --flag ONE_OF
)

// metadataFlag is handled alike for both providers.
const metadataFlag = "metadata"

func requestFlags() []reqFlag {
	return []reqFlag{
		{name: "customer", path: "customer_id", usage: "customer ID (customer_id); Meteroid also takes the customer's alias"},
		{name: metadataFlag, kind: listFlag, usage: "metadata entry KEY=VALUE (repeatable)", apply: applyMetadata},

		// Meteroid
		{name: "plan-version", provider: meteroid.Name, path: "plan_version_id", usage: "plan version ID (plan_version_id)"},
		{name: "add-on", provider: meteroid.Name, kind: listFlag, usage: "add-on ID[:QUANTITY] (repeatable)", apply: applyAddOns},
		{name: "coupon", provider: meteroid.Name, kind: listFlag, path: "coupon_ids", usage: "coupon ID (repeatable, coupon_ids)"},
		{name: "coupon-code", provider: meteroid.Name, path: "coupon_code", usage: "coupon code the customer entered"},
		{name: "trial-days", provider: meteroid.Name, path: "trial_duration_days", usage: "trial length in days"},
		{name: "billing-start-date", provider: meteroid.Name, path: "billing_start_date", usage: "first billing day, YYYY-MM-DD"},
		{name: "billing-day-anchor", provider: meteroid.Name, path: "billing_day_anchor", usage: "day of the month billing is anchored to"},
		{name: "end-date", provider: meteroid.Name, path: "end_date", usage: "subscription end, YYYY-MM-DD"},
		{name: "expires-in-hours", provider: meteroid.Name, path: "expires_in_hours", usage: "session lifetime in hours (0 = never expires)"},
		{name: "net-terms", provider: meteroid.Name, path: "net_terms", usage: "days to pay an invoice"},
		{name: "invoice-memo", provider: meteroid.Name, path: "invoice_memo", usage: "memo printed on invoices"},
		{name: "invoice-threshold", provider: meteroid.Name, path: "invoice_threshold", usage: "invoice threshold, a decimal like 100.00"},
		{name: "purchase-order", provider: meteroid.Name, path: "purchase_order", usage: "purchase order reference"},
		{name: "auto-advance-invoices", provider: meteroid.Name, kind: boolFlag, path: "auto_advance_invoices", usage: "finalize invoices automatically (false keeps them in draft)"},
		{name: "charge-automatically", provider: meteroid.Name, kind: boolFlag, path: "charge_automatically", usage: "charge the saved payment method on finalize"},
		{name: "payment-methods", provider: meteroid.Name, kind: enumFlag, values: meteroidPaymentMethods(), usage: "payment methods configuration", apply: applyPaymentMethods},
		{name: "bank-account", provider: meteroid.Name, usage: "bank account ID for bank_transfer", apply: applyBankAccount},
		{name: "card", provider: meteroid.Name, kind: boolFlag, usage: "allow card payment (online)", apply: applyOnline("card")},
		{name: "direct-debit", provider: meteroid.Name, kind: boolFlag, usage: "allow direct debit (online)", apply: applyOnline("direct_debit")},
		{name: "remove-component", provider: meteroid.Name, kind: listFlag, path: "components.remove_components", usage: "price component ID to remove from the plan (repeatable)"},

		// Maple
		{name: "config-item", provider: maple.Name, kind: listFlag, usage: "config item KEY=VAL[,KEY=VAL…] in config_items field names, e.g. product_pricing_id=pp_1,num_licenses=2 (repeatable)", apply: applyConfigItems},
		{name: "product-pricing", provider: maple.Name, kind: listFlag, path: "product_pricing_ids", usage: "product pricing ID (repeatable, product_pricing_ids)"},
		{name: "bundle-pricing", provider: maple.Name, path: "bundle_pricing_id", usage: "bundle pricing ID"},
		{name: "term", provider: maple.Name, usage: "subscription term COUNT:FREQUENCY, e.g. 12:MONTH (" + strings.Join(maple.Frequency("").Values(), ", ") + ")", apply: applyTerm("term")},
		{name: "trial-term", provider: maple.Name, usage: "trial term COUNT:FREQUENCY (also sets trial: true)", apply: applyTerm("trial_term")},
		{name: "auto-charges", provider: maple.Name, kind: boolFlag, path: "auto_charges", usage: "charge automatically"},
		{name: "auto-renews", provider: maple.Name, kind: boolFlag, path: "auto_renews", usage: "renew at the end of the term"},
		{name: "previous-subscription", provider: maple.Name, path: "previous_subscription_id", usage: "subscription this checkout changes"},
		{name: "change-timing", provider: maple.Name, kind: enumFlag, values: maple.ChangeTiming("").Values(), path: "change_timing", usage: "when a change takes effect"},
		{name: "change-proration", provider: maple.Name, kind: enumFlag, values: maple.ChangeProrationType("").Values(), path: "change_proration_type", usage: "how a change is prorated"},
		{name: "reset-billing-anchor", provider: maple.Name, kind: boolFlag, path: "change_reset_billing_anchor", usage: "reset the billing anchor on change"},
		{name: "redirect-url", provider: maple.Name, path: "options.redirect_url", usage: "where the customer goes after checkout"},
		{name: "confirmation-message", provider: maple.Name, path: "options.confirmation_message", usage: "message shown after checkout"},
		{name: "completion-action", provider: maple.Name, path: "options.completion_action", usage: "what happens after checkout, e.g. REDIRECT"},
		{name: "allow-promo-code", provider: maple.Name, kind: boolFlag, path: "options.allow_promo_code", usage: "let the customer enter a promo code"},
		{name: "requires-customer-address", provider: maple.Name, kind: boolFlag, path: "options.requires_customer_address", usage: "ask the customer for an address"},
	}
}

// meteroidPaymentMethods are the tags of Meteroid's PaymentMethodsConfig.
func meteroidPaymentMethods() []string {
	return request.UnionTags(reflect.TypeOf(meteroid.PaymentMethodsConfig{}))
}

// flagValues holds the values of the request flags after parsing.
type flagValues struct {
	defs  []reqFlag
	text  map[string]*string
	bools map[string]*bool
	lists map[string]*[]string
	fs    *pflag.FlagSet
}

func addRequestFlags(cmd *cobra.Command) *flagValues {
	fv := &flagValues{defs: requestFlags(), text: map[string]*string{}, bools: map[string]*bool{}, lists: map[string]*[]string{}, fs: cmd.Flags()}
	for _, d := range fv.defs {
		usage := d.usage
		if d.provider != "" {
			usage += " [" + d.provider + "]"
		}
		switch d.kind {
		case boolFlag:
			fv.bools[d.name] = cmd.Flags().Bool(d.name, false, usage)
		case listFlag:
			fv.lists[d.name] = cmd.Flags().StringArray(d.name, nil, usage)
		case enumFlag:
			p := new(string)
			cmdutil.StringEnumFlag(cmd, cmd.Flags(), p, d.name, "", "", d.values, usage)
			fv.text[d.name] = p
		default:
			fv.text[d.name] = cmd.Flags().String(d.name, "", usage)
		}
	}
	return fv
}

// check refuses flags of the provider that is not active.
func (fv *flagValues) check(provider string) error {
	var wrong []string
	for _, d := range fv.defs {
		if d.provider != "" && d.provider != provider && fv.fs.Changed(d.name) {
			wrong = append(wrong, "--"+d.name)
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	sort.Strings(wrong)
	other := meteroid.Name
	if provider == meteroid.Name {
		other = maple.Name
	}
	return cmdutil.FlagErrorf("%s %s only for %s; the active provider is %s", strings.Join(wrong, ", "), plural(len(wrong), "is", "are"), other, provider)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// apply writes the flags that were given into d, in table order.
func (fv *flagValues) apply(d *request.Doc, wire reflect.Type, provider string) error {
	for _, def := range fv.defs {
		if !fv.fs.Changed(def.name) || (def.provider != "" && def.provider != provider) {
			continue
		}
		place := "--" + def.name
		var vals []string
		switch def.kind {
		case boolFlag:
			vals = []string{fmt.Sprint(*fv.bools[def.name])}
		case listFlag:
			vals = *fv.lists[def.name]
		default:
			vals = []string{*fv.text[def.name]}
		}
		var err error
		switch {
		case def.apply != nil:
			err = def.apply(d, wire, vals, place)
		case def.kind == listFlag:
			// A list flag replaces the file's list: later wins.
			d.DeletePath(def.path)
			for _, v := range vals {
				if err = d.Set(wire, def.path+"[]", v, place); err != nil {
					break
				}
			}
		default:
			err = d.Set(wire, def.path, vals[0], place)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func applyMetadata(d *request.Doc, _ reflect.Type, vals []string, place string) error {
	for _, kv := range vals {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return cmdutil.FlagErrorf("%s %q: expected KEY=VALUE", place, kv)
		}
		if err := d.SetKey("metadata", k, v, place); err != nil {
			return err
		}
	}
	return nil
}

func applyAddOns(d *request.Doc, wire reflect.Type, vals []string, place string) error {
	d.DeletePath("add_ons")
	for i, v := range vals {
		id, qty, hasQty := strings.Cut(v, ":")
		if id == "" {
			return cmdutil.FlagErrorf("%s %q: expected ID[:QUANTITY]", place, v)
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

func applyConfigItems(d *request.Doc, wire reflect.Type, vals []string, place string) error {
	d.DeletePath("config_items")
	for i, v := range vals {
		for _, kv := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return cmdutil.FlagErrorf("%s %q: expected KEY=VALUE[,KEY=VALUE…]", place, v)
			}
			if err := d.Set(wire, fmt.Sprintf("config_items[%d].%s", i, strings.TrimSpace(k)), val, place); err != nil {
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
	return cmdutil.FlagErrorf("%s needs the %s payment method, but payment_methods_config.type is %s", place, want, have)
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

func applyTerm(field string) func(*request.Doc, reflect.Type, []string, string) error {
	return func(d *request.Doc, wire reflect.Type, vals []string, place string) error {
		count, freq, ok := strings.Cut(vals[0], ":")
		if !ok || count == "" || freq == "" {
			return cmdutil.FlagErrorf("%s %q: expected COUNT:FREQUENCY, e.g. 12:MONTH", place, vals[0])
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
