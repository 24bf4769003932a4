package shared

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/completion"
)

// Live offers the records of kind whose ID starts with what was typed,
// leaving out those already given to a repeatable flag; source is where
// they are looked up (nil: nowhere).
func Live(source func() *completion.Source, kind completion.Kind, flag string, keep func(completion.Item) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		items := completion.Lookup(cmd.Context(), source(), kind)
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
