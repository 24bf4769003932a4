package checkout

import (
	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/provider"
)

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
			_ = sub.RegisterFlagCompletionFunc("customer", shared.Live(f.LookupSource, completion.Customers, "customer", nil))
		}
	}
}

// cancellable is what the active provider can still cancel.
func cancellable(f *cmdutil.Factory) func(completion.Item) bool {
	return func(it completion.Item) bool {
		d := descriptor(f)
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
