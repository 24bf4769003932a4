package checkout

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
)

// registerCompletions makes TAB offer, for the request flags of create,
// what each provider's flag completes with: the IDs the account holds
// (looked up live) or the provider's own suggestions. Flags that take free
// text get no file names.
func registerCompletions(cmd *cobra.Command, f *cmdutil.Factory, defs []engine.FlagDef) {
	reg := func(name string, fn cobra.CompletionFunc) { _ = cmd.RegisterFlagCompletionFunc(name, fn) }
	for _, d := range defs {
		switch {
		case d.Complete != nil:
			reg(d.Name, own(f, d.Complete, d.GoesOn))
		case d.Lookup != "" && d.Kind == provider.ListFlag:
			// A repeatable ID[:QUANTITY] flag completes the ID; the
			// quantity is the user's to type.
			ids := live(f, d.Lookup, d.Name, nil)
			reg(d.Name, func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if strings.Contains(toComplete, ":") {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return ids(cmd, args, toComplete)
			})
		case d.Lookup != "":
			reg(d.Name, live(f, d.Lookup, d.Name, nil))
		}
	}
	// Registering fails, harmlessly, for the flags that already complete
	// (enums, -f).
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Value.Type() != "bool" && fl.Annotations[cobra.BashCompFilenameExt] == nil {
			reg(fl.Name, cobra.NoFileCompletions)
		}
	})
}

// own completes a flag with the provider's own suggestions. A value that
// may go on (KEY=VAL,…) gets no space after it.
func own(f *cmdutil.Factory, complete func(string, func(provider.LookupKind) []provider.Item) []string, goesOn bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		lookup := func(kind provider.LookupKind) []provider.Item {
			return completion.Lookup(cmd.Context(), f.LookupSource(), kind)
		}
		dir := cobra.ShellCompDirectiveNoFileComp
		if goesOn {
			dir |= cobra.ShellCompDirectiveNoSpace
		}
		return complete(toComplete, lookup), dir
	}
}

// registerSessionCompletions completes the session ID of get and cancel and
// the --customer of the other subcommands of cmd. It is called once they
// are all built. A provider that cannot list sessions offers nothing.
func registerSessionCompletions(cmd *cobra.Command, f *cmdutil.Factory) {
	for _, sub := range cmd.Commands() {
		switch sub.Name() {
		case "get":
			sub.ValidArgsFunction = sessionIDs(f, nil)
		case "cancel":
			sub.ValidArgsFunction = sessionIDs(f, cancellable(f))
		}
		if sub.Flags().Lookup("customer") != nil {
			_ = sub.RegisterFlagCompletionFunc("customer", live(f, completion.Customers, "customer", nil))
		}
	}
}

// cancellable is what the active provider can still cancel.
func cancellable(f *cmdutil.Factory) func(completion.Item) bool {
	return func(it completion.Item) bool {
		s, err := f.Settings()
		if err != nil {
			return false
		}
		d := registry.Get(s.Provider)
		if d == nil {
			return false
		}
		c, ok := d.New(nil, "").(provider.Canceller)
		return ok && c.Cancellable(it.Status)
	}
}

func sessionIDs(f *cmdutil.Factory, keep func(completion.Item) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		items := completion.Lookup(cmd.Context(), f.LookupSource(), completion.Sessions)
		return completion.Suggestions(items, toComplete, keep), cobra.ShellCompDirectiveNoFileComp
	}
}

// live offers the records of kind whose ID starts with what was typed,
// leaving out those already given to a repeatable flag.
func live(f *cmdutil.Factory, kind completion.Kind, flag string, keep func(completion.Item) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		items := completion.Lookup(cmd.Context(), f.LookupSource(), kind)
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
