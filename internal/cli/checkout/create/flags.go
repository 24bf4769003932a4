package create

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
)

// flagValues holds the request flags of every provider and, after
// parsing, their values.
type flagValues struct {
	defs  []engine.FlagDef
	text  map[string]*string
	bools map[string]*bool
	lists map[string]*[]string
	fs    *pflag.FlagSet
}

// addRequestFlags registers the dedicated request flags of every provider
// on cmd; a flag that only some providers take says which.
func addRequestFlags(cmd *cobra.Command) *flagValues {
	fv := &flagValues{defs: engine.RequestFlags(registry.All()), text: map[string]*string{}, bools: map[string]*bool{}, lists: map[string]*[]string{}, fs: cmd.Flags()}
	for _, d := range fv.defs {
		usage := d.Usage
		for i, o := range d.Owners {
			if i == 0 {
				usage += " ["
			} else {
				usage += ", "
			}
			usage += o
			if i == len(d.Owners)-1 {
				usage += "]"
			}
		}
		switch d.Kind {
		case provider.BoolFlag:
			fv.bools[d.Name] = cmd.Flags().Bool(d.Name, false, usage)
		case provider.ListFlag:
			fv.lists[d.Name] = cmd.Flags().StringArray(d.Name, nil, usage)
		case provider.EnumFlag:
			p := new(string)
			cmdutil.StringEnumFlag(cmd, cmd.Flags(), p, d.Name, "", "", d.Values, usage)
			fv.text[d.Name] = p
		default:
			fv.text[d.Name] = cmd.Flags().String(d.Name, "", usage)
		}
	}
	return fv
}

// given are the request flags that were passed, in table order, with
// their values as text.
func (fv *flagValues) given() []engine.Given {
	var out []engine.Given
	for _, d := range fv.defs {
		if !fv.fs.Changed(d.Name) {
			continue
		}
		var vals []string
		switch d.Kind {
		case provider.BoolFlag:
			vals = []string{fmt.Sprint(*fv.bools[d.Name])}
		case provider.ListFlag:
			vals = *fv.lists[d.Name]
		default:
			vals = []string{*fv.text[d.Name]}
		}
		out = append(out, engine.Given{Def: d, Vals: vals})
	}
	return out
}

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
