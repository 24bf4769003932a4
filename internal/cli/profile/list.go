package profile

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
)

// ListOptions are the parsed flags and dependencies of `profile list`.
type ListOptions struct {
	IO         *output.IO
	ConfigPath string
	Format     string
}

// NewCmdList builds `billctl profile list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles; the current one is marked with *",
		Long: strings.TrimSpace(`
List the profiles of the config file, the current one marked with *.
Tokens are not shown. -o json or yaml gives one object per profile, -o id
the names alone, one per line.`),
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var err error
			if opts.Format, err = outputFormat(f); err != nil {
				return err
			}
			opts.ConfigPath = config.ConfigPath(f.Flags, f.Getenv)
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
}

func listRun(opts *ListOptions) error {
	file, err := load(opts.IO, opts.ConfigPath)
	if err != nil {
		return err
	}
	names := file.Names()
	p := &output.Printer{IO: opts.IO, Format: opts.Format}
	if len(names) == 0 && p.EmptyInWords() {
		fmt.Fprintf(opts.IO.Err, "No profiles in %s. Add one with `billctl profile add NAME --provider %s`.\n", opts.ConfigPath, strings.Join(cmdutil.Catalogue().Names(), "|"))
		return nil
	}
	views := make([]view, 0, len(names))
	for _, name := range names {
		v := newView(file, name)
		v.Token = "" // list is for choosing; show tells the tokens apart
		views = append(views, v)
	}
	r := output.Records{Data: views, Header: []string{"CURRENT", "NAME", "PROVIDER", "BASE URL", "COMPANY"}}
	for _, v := range views {
		mark := ""
		if v.Current {
			mark = "*"
		}
		r.IDs = append(r.IDs, v.Name)
		r.Rows = append(r.Rows, []string{mark, v.Name, v.Provider, v.BaseURL, v.Company})
	}
	return p.Records(r)
}
