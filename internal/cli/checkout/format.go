package checkout

import (
	"slices"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider/registry"
)

// formatFlags are --columns and --jq, which shape what create, get and
// list print.
type formatFlags struct {
	columns string
	jq      string

	// Checked by resolve, before anything is sent.
	cols  []string
	query *output.JQ
}

func addFormatFlags(cmd *cobra.Command, f *cmdutil.Factory) *formatFlags {
	ff := &formatFlags{}
	fl := cmd.Flags()
	fl.StringVar(&ff.columns, "columns", "", "the session fields a table or CSV shows, in this order: A,B,… (as the API names them)")
	fl.StringVar(&ff.jq, "jq", "", "filter the JSON output with a jq expression; strings print bare (implies -o json)")
	_ = cmd.RegisterFlagCompletionFunc("columns", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		// More names may follow a comma: no space after a completion.
		return output.CompleteColumns(toComplete, sessionFields(f)), cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("jq", cobra.NoFileCompletions)
	return ff
}

// sessionFields are the fields of the active provider's sessions, or of
// every provider's when the settings do not say which one is active.
func sessionFields(f *cmdutil.Factory) []string {
	if s, err := f.Settings(); err == nil {
		if d := registry.Get(s.Provider); d != nil {
			return d.Vocabulary.Fields
		}
	}
	var all []string
	for _, d := range registry.All() {
		for _, name := range d.Vocabulary.Fields {
			if !slices.Contains(all, name) {
				all = append(all, name)
			}
		}
	}
	return all
}

// resolve checks --columns and --jq against the output format and the
// provider, before anything is sent: a mistake is exit 2. --jq makes the
// output json unless -o asks for another format on the command line.
func (ff *formatFlags) resolve(f *cmdutil.Factory, s *config.Settings) error {
	if ff == nil {
		return nil
	}
	if ff.jq != "" {
		if o := f.Flags.Lookup("output"); o != nil && o.Changed && !output.TakesJQ(s.Output) {
			return cmdutil.FlagErrorf("--jq filters JSON: it cannot go with -o %s", s.Output)
		}
		s.Output = format.JSON
		q, err := output.ParseJQ(ff.jq)
		if err != nil {
			return err
		}
		ff.query = q
	}
	if ff.columns != "" {
		if !output.TakesColumns(s.Output) {
			return cmdutil.FlagErrorf("--columns picks the columns of -o table or -o csv, not of -o %s", s.Output)
		}
		var known []string
		if d := registry.Get(s.Provider); d != nil {
			known = d.Vocabulary.Fields
		}
		cols, err := output.ParseColumns(ff.columns, known)
		if err != nil {
			return err
		}
		ff.cols = cols
	}
	return nil
}

// on sets the checked flags on a printer.
func (ff *formatFlags) on(f *cmdutil.Factory, p *output.Printer) *output.Printer {
	if ff == nil {
		return p
	}
	p.Columns = ff.cols
	p.JQ = ff.query
	p.Context = f.Context
	return p
}
