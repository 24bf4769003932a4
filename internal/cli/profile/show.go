package profile

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/output"
)

// ShowOptions are the parsed flags and dependencies of `profile show`.
type ShowOptions struct {
	IO         *output.IO
	ConfigPath string
	Format     string
	// Name is the profile to show; "" is the one this invocation would use.
	Name string
	// Selected is --profile or BILLCTL_PROFILE, used when Name is "".
	Selected string
}

// NewCmdShow builds `billctl profile show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "show [NAME]",
		Short: "Show a profile, its token masked",
		Long: strings.TrimSpace(`
Show a profile's settings. The token is masked: of a token of 16
characters or more, its last four are shown (****p7dc), enough to tell two
tokens apart; of a shorter one, none (********), since four would be too
much of it.

Without NAME, show the profile a command would use: --profile, else
BILLCTL_PROFILE, else the current one.`),
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeNames(f),
		RunE: func(_ *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = outputFormat(f); err != nil {
				return err
			}
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if fl := f.Flags.Lookup("profile"); fl != nil && fl.Changed {
				opts.Selected = fl.Value.String()
			} else {
				opts.Selected = f.Getenv("BILLCTL_PROFILE")
			}
			opts.ConfigPath = config.ConfigPath(f.Flags, f.Getenv)
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
}

func showRun(opts *ShowOptions) error {
	file, err := load(opts.IO, opts.ConfigPath)
	if err != nil {
		return err
	}
	name := opts.Name
	if name == "" {
		name = opts.Selected
	}
	if name == "" {
		name = file.CurrentProfile
	}
	if name == "" {
		return exitcode.Usagef("no current profile: name one (billctl profile show NAME), or choose one with `billctl profile use NAME`")
	}
	if _, ok := file.Profiles[name]; !ok {
		return file.NotFound(name, opts.ConfigPath, cmdutil.Catalogue())
	}
	v := newView(file, name)
	r := output.Record{Data: v, ID: v.Name}
	row := func(key, val string) { r.Fields = append(r.Fields, output.Field{Key: key, Value: val}) }
	row("name", v.Name)
	row("current", map[bool]string{true: "yes", false: "no"}[v.Current])
	row("provider", v.Provider)
	if v.defaultURL {
		row("base_url", v.BaseURL+" (default)")
	} else {
		row("base_url", v.BaseURL)
	}
	if v.Company != "" {
		row("company", v.Company)
	}
	if v.Token == "" {
		row("token", "(none)")
	} else {
		row("token", v.Token)
	}
	if v.Output != "" {
		row("output", v.Output)
	}
	if v.Timeout != "" {
		row("timeout", v.Timeout)
	}
	if v.Retries != nil {
		row("retries", strconv.Itoa(*v.Retries))
	}
	return (&output.Printer{IO: opts.IO, Format: opts.Format}).Record(r)
}
