package profile

import (
	"bytes"
	"fmt"
	"strings"
	"text/tabwriter"

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
			if opts.Format, err = format(f); err != nil {
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
	if len(names) == 0 && opts.Format == "table" {
		fmt.Fprintf(opts.IO.Err, "No profiles in %s. Add one with `billctl profile add NAME --provider %s`.\n", opts.ConfigPath, strings.Join(cmdutil.Catalogue().Names(), "|"))
		return nil
	}
	views := make([]view, 0, len(names))
	for _, name := range names {
		v := newView(file, name)
		v.Token = "" // list is for choosing; show tells the tokens apart
		views = append(views, v)
	}
	switch opts.Format {
	case "json", "yaml":
		return writeData(opts.IO.Out, opts.Format, views)
	case "id":
		for _, v := range views {
			fmt.Fprintln(opts.IO.Out, v.Name)
		}
		return nil
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CURRENT\tNAME\tPROVIDER\tBASE URL\tCOMPANY")
	for _, v := range views {
		mark := ""
		if v.Current {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", mark, v.Name, v.Provider, v.BaseURL, v.Company)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// tabwriter pads a cell even when the cells after it are empty.
	for line := range strings.Lines(buf.String()) {
		if _, err := fmt.Fprintln(opts.IO.Out, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}
