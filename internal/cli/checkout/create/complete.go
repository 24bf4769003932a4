package create

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/provider"
)

// registerCompletions makes TAB offer, for the request flags of create,
// what each provider's flag completes with: the IDs the account holds
// (looked up live) or the provider's own suggestions. Flags that take free
// text get no file names.
func registerCompletions(cmd *cobra.Command, source func() *completion.Source, defs []engine.FlagDef) {
	reg := func(name string, fn cobra.CompletionFunc) { _ = cmd.RegisterFlagCompletionFunc(name, fn) }
	for _, d := range defs {
		switch {
		case d.Complete != nil:
			reg(d.Name, own(source, d.Complete, d.GoesOn))
		case d.Lookup != "" && d.Kind == provider.ListFlag:
			// A repeatable ID[:QUANTITY] flag completes the ID; the
			// quantity is the user's to type.
			ids := shared.Live(source, d.Lookup, d.Name, nil)
			reg(d.Name, func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if strings.Contains(toComplete, ":") {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return ids(cmd, args, toComplete)
			})
		case d.Lookup != "":
			reg(d.Name, shared.Live(source, d.Lookup, d.Name, nil))
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
func own(source func() *completion.Source, complete func(string, func(provider.LookupKind) []provider.Item) []string, goesOn bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		lookup := func(kind provider.LookupKind) []provider.Item {
			return completion.Lookup(cmd.Context(), source(), kind)
		}
		dir := cobra.ShellCompDirectiveNoFileComp
		if goesOn {
			dir |= cobra.ShellCompDirectiveNoSpace
		}
		return complete(toComplete, lookup), dir
	}
}
