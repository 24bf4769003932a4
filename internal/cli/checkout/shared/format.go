package shared

import (
	"context"
	"slices"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
)

// FormatFlags are --columns and --jq, which shape what create, get and
// list print.
type FormatFlags struct {
	columns string
	jq      string

	// Checked by resolve, before anything is sent.
	cols  []string
	query *output.JQ
}

// AddFormatFlags registers --columns and --jq on cmd; fields, asked when
// --columns is completed, are the session fields to offer.
func AddFormatFlags(cmd *cobra.Command, fields func() []string) *FormatFlags {
	ff := &FormatFlags{}
	fl := cmd.Flags()
	fl.StringVar(&ff.columns, "columns", "", "the session fields a table or CSV shows, in this order: A,B,… (as the API names them)")
	fl.StringVar(&ff.jq, "jq", "", "filter the JSON output with a jq expression; strings print bare (implies -o json)")
	_ = cmd.RegisterFlagCompletionFunc("columns", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		// More names may follow a comma: no space after a completion.
		return output.CompleteColumns(toComplete, fields()), cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("jq", cobra.NoFileCompletions)
	return ff
}

// SessionFields are the fields of the sessions of d, the active
// provider, or of every provider's when no provider is active (d nil).
func SessionFields(d *provider.Descriptor) []string {
	if d != nil {
		return d.Vocabulary.Fields
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

// Resolve checks --columns and --jq against the output format and the
// provider d, before anything is sent: a mistake is exit 2. --jq makes the
// output json unless -o asks for another format on the command line
// (outputGiven).
func (ff *FormatFlags) Resolve(outputGiven bool, s *config.Settings, d *provider.Descriptor) error {
	if ff == nil {
		return nil
	}
	if ff.jq != "" {
		if outputGiven && !output.TakesJQ(s.Output) {
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
		if d != nil {
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

// On sets the checked flags on a printer, whose --jq runs under ctx.
func (ff *FormatFlags) On(ctx context.Context, p *output.Printer) *output.Printer {
	if ff == nil {
		return p
	}
	p.Columns = ff.cols
	p.JQ = ff.query
	p.Context = ctx
	return p
}

// Shapes reports whether --jq or --columns was given: they shape what the
// API answers, so a --dry-run refuses them.
func (ff *FormatFlags) Shapes() bool { return ff != nil && (ff.jq != "" || ff.columns != "") }
