package checkout

import (
	"reflect"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

// registerCompletions makes TAB offer, for the request flags of create, the
// IDs the account holds (looked up live), the keys of --config-item and the
// frequencies of --term. Flags that take free text get no file names.
func registerCompletions(cmd *cobra.Command, f *cmdutil.Factory) {
	reg := func(name string, fn cobra.CompletionFunc) { _ = cmd.RegisterFlagCompletionFunc(name, fn) }
	reg("customer", live(f, completion.Customers, "customer", nil))
	reg("plan-version", live(f, completion.PlanVersions, "plan-version", nil))
	reg("add-on", completeAddOn(f))
	reg("coupon", live(f, completion.Coupons, "coupon", nil))
	reg("product-pricing", live(f, completion.ProductPricings, "product-pricing", nil))
	reg("config-item", completeConfigItem(f))
	reg("term", completeTerm)
	reg("trial-term", completeTerm)
	// Registering fails, harmlessly, for the flags that already complete
	// (enums, -f).
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Value.Type() != "bool" && fl.Annotations[cobra.BashCompFilenameExt] == nil {
			reg(fl.Name, cobra.NoFileCompletions)
		}
	})
}

// registerSessionCompletions completes the session ID of get and cancel and
// the --customer of the other subcommands of cmd. It is called once they
// are all built. Maple has no list of sessions, so there it offers nothing.
func registerSessionCompletions(cmd *cobra.Command, f *cmdutil.Factory) {
	for _, sub := range cmd.Commands() {
		switch sub.Name() {
		case "get":
			sub.ValidArgsFunction = sessionIDs(f, nil)
		case "cancel":
			sub.ValidArgsFunction = sessionIDs(f, cancellable)
		}
		if sub.Flags().Lookup("customer") != nil {
			_ = sub.RegisterFlagCompletionFunc("customer", live(f, completion.Customers, "customer", nil))
		}
	}
}

// cancellable is what Meteroid can still cancel: a session nobody has
// paid, that has not expired.
func cancellable(it completion.Item) bool {
	return it.Status == string(meteroid.CheckoutSessionCreated) || it.Status == string(meteroid.CheckoutSessionAwaitingPayment)
}

func sessionIDs(f *cmdutil.Factory, keep func(completion.Item) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		items := completion.Lookup(cmd.Context(), env(f), completion.Sessions)
		return completion.Suggestions(items, toComplete, keep), cobra.ShellCompDirectiveNoFileComp
	}
}

func env(f *cmdutil.Factory) completion.Env {
	return completion.Env{Flags: f.Flags, Getenv: f.Getenv, UserAgent: f.UserAgent(), Transport: f.Transport}
}

// live offers the records of kind whose ID starts with what was typed,
// leaving out those already given to a repeatable flag.
func live(f *cmdutil.Factory, kind completion.Kind, flag string, keep func(completion.Item) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		items := completion.Lookup(cmd.Context(), env(f), kind)
		given := givenIDs(cmd, flag)
		return completion.Suggestions(items, toComplete, func(it completion.Item) bool {
			return !given[it.ID] && (keep == nil || keep(it))
		}), cobra.ShellCompDirectiveNoFileComp
	}
}

// givenIDs are the IDs already given to a repeatable flag (--add-on's
// without their :QUANTITY).
func givenIDs(cmd *cobra.Command, flag string) map[string]bool {
	vals, err := cmd.Flags().GetStringArray(flag)
	if err != nil {
		return nil
	}
	given := map[string]bool{}
	for _, v := range vals {
		id, _, _ := strings.Cut(v, ":")
		given[id] = true
	}
	return given
}

// completeAddOn completes the ID of --add-on ID[:QUANTITY]; the quantity
// is the user's to type.
func completeAddOn(f *cmdutil.Factory) cobra.CompletionFunc {
	ids := live(f, completion.AddOns, "add-on", nil)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if strings.Contains(toComplete, ":") {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return ids(cmd, args, toComplete)
	}
}

// completeConfigItem completes --config-item KEY=VAL[,KEY=VAL…]: the keys
// (config_items field names, each followed by =) and, after
// product_pricing_id=, the product pricing IDs. No space follows, since
// another ,KEY=VAL may.
func completeConfigItem(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		const dir = cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
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
			for _, k := range configItemKeys() {
				if !used[k.Name] && strings.HasPrefix(k.Name, cur) {
					out = append(out, done+k.Name+"=\t"+k.Type)
				}
			}
			return out, dir
		}
		if strings.TrimSpace(key) != "product_pricing_id" {
			return nil, dir
		}
		items := completion.Lookup(cmd.Context(), env(f), completion.ProductPricings)
		var out []string
		for _, s := range completion.Suggestions(items, val, nil) {
			out = append(out, done+key+"="+s)
		}
		return out, dir
	}
}

// A configItemKey is a key --config-item takes, with the kind of value.
type configItemKey struct{ Name, Type string }

// configItemKeys are the field names of Maple's config_items, read from
// the wire type, nested objects as dotted paths, so the list cannot drift
// from what the request accepts.
func configItemKeys() []configItemKey {
	var out []configItemKey
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
				out = append(out, configItemKey{prefix + name, "true or false"})
			case reflect.Int, reflect.Int32, reflect.Int64:
				out = append(out, configItemKey{prefix + name, "whole number"})
			case reflect.String:
				if strings.HasSuffix(name, "_id") {
					out = append(out, configItemKey{prefix + name, "ID"})
				} else {
					out = append(out, configItemKey{prefix + name, "text"})
				}
			default:
				out = append(out, configItemKey{prefix + name, ft.Kind().String()})
			}
		}
	}
	walk(reflect.TypeOf(maple.ConfigItem{}), "")
	return out
}

// completeTerm completes --term and --trial-term COUNT:FREQUENCY with the
// frequencies Maple accepts; the count defaults to 1 in the suggestions.
func completeTerm(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	count, freq, _ := strings.Cut(toComplete, ":")
	if count == "" {
		count = "1"
	}
	if strings.Trim(count, "0123456789") != "" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, v := range maple.Frequency("").Values() {
		if strings.HasPrefix(v, strings.ToUpper(freq)) {
			out = append(out, count+":"+v)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
