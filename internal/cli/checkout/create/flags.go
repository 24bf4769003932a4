package create

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/cmdutil"
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
