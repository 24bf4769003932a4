// Package profile is the `billctl profile` command group: the accounts kept
// in the config file, one of them current.
//
// These commands edit the file itself and never resolve the full settings,
// so that a profile with a broken value, or a BILLCTL_PROFILE naming a
// profile that is gone, can still be listed, replaced and removed.
package profile

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/output"
)

// NewCmd builds `billctl profile`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Keep several accounts and switch between them",
		Long: strings.TrimSpace(`
A profile is one account: a provider, its base URL, the company (for a
provider that addresses requests to one) and the API token. Profiles live
in the config file, $XDG_CONFIG_HOME/billctl/config.yaml (or --config,
BILLCTL_CONFIG), written with mode 0600.

The current profile is used unless --profile or BILLCTL_PROFILE names
another; flags and BILLCTL_* variables override any of its values.`),
	}
	f.AddSubcommands(cmd, 1,
		cmdutil.Sub{Name: "add", Build: func() *cobra.Command { return NewCmdAdd(f, nil) }},
		cmdutil.Sub{Name: "list", Build: func() *cobra.Command { return NewCmdList(f, nil) }},
		cmdutil.Sub{Name: "show", Build: func() *cobra.Command { return NewCmdShow(f, nil) }},
		cmdutil.Sub{Name: "use", Build: func() *cobra.Command { return NewCmdUse(f, nil) }},
		cmdutil.Sub{Name: "remove", Build: func() *cobra.Command { return NewCmdRemove(f, nil) }},
	)
	return cmd
}

// load reads the config file at path, refusing one that others could
// have changed and making it private first if others can read it.
func load(streams *output.IO, path string) (*config.File, error) {
	if err := config.CheckFile(path, streams.Err); err != nil {
		return nil, err
	}
	return config.Load(path)
}

// completeNames completes profile names from the config file, and is
// silent when the file cannot be read: completion is no place for errors.
func completeNames(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		file, err := config.Load(config.ConfigPath(f.Flags, f.Getenv))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, name := range file.Names() {
			out = append(out, name+"\t"+describe(file.Profiles[name]))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func describe(p *config.Profile) string {
	d := p.Provider
	if p.Company != "" {
		d += " " + p.Company
	}
	if p.BaseURL != "" {
		d += " " + p.BaseURL
	}
	return strings.TrimSpace(d)
}

// Formats are what list and show print: the formats of any record.
var Formats = output.RecordFormats

// outputFormat is the -o of a profile command: the flag, else BILLCTL_OUTPUT,
// else table. Profiles are not consulted (these commands read the file, not
// the settings). A BILLCTL_OUTPUT meant for checkout results (url, curl)
// falls back to table rather than breaking `profile list` in a CI job.
func outputFormat(f *cmdutil.Factory) (string, error) {
	if fl := f.Flags.Lookup("output"); fl != nil && fl.Changed {
		v := fl.Value.String()
		if v == "" {
			return format.Table, nil
		}
		if !slices.Contains(Formats, v) {
			return "", cmdutil.FlagErrorf("profile commands print %s, not %q", strings.Join(Formats, ", "), v)
		}
		return v, nil
	}
	if v := f.Getenv("BILLCTL_OUTPUT"); slices.Contains(Formats, v) {
		return v, nil
	}
	return format.Table, nil
}

// view is a profile as list and show print it: never the token itself.
type view struct {
	Name     string `json:"name" yaml:"name"`
	Current  bool   `json:"current" yaml:"current"`
	Provider string `json:"provider,omitempty" yaml:"provider,omitempty"`
	BaseURL  string `json:"base_url,omitempty" yaml:"base_url,omitempty"`
	Company  string `json:"company,omitempty" yaml:"company,omitempty"`
	Token    string `json:"token,omitempty" yaml:"token,omitempty"`
	Output   string `json:"output,omitempty" yaml:"output,omitempty"`
	Timeout  string `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	Retries  *int   `json:"retries,omitempty" yaml:"retries,omitempty"`

	defaultURL bool
}

func newView(file *config.File, name string) view {
	p := file.Profiles[name]
	v := view{
		Name:     name,
		Current:  file.CurrentProfile == name,
		Provider: p.Provider,
		BaseURL:  p.BaseURL,
		Company:  p.Company,
		Token:    config.Mask(p.Token),
		Output:   p.Output,
		Timeout:  p.Timeout,
		Retries:  p.Retries,
	}
	if v.BaseURL == "" {
		// Show where requests actually go, not a blank.
		if d := cmdutil.Catalogue().Get(p.Provider); d != nil {
			v.BaseURL = d.DefaultBaseURL
		}
		v.defaultURL = true
	}
	return v
}
