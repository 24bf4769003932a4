package profile

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
)

// UseOptions are the parsed arguments and dependencies of `profile use`.
type UseOptions struct {
	IO         *output.IO
	ConfigPath string
	Name       string
}

// NewCmdUse builds `billctl profile use`.
func NewCmdUse(f *cmdutil.Factory, runF func(*UseOptions) error) *cobra.Command {
	opts := &UseOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "use NAME",
		Short: "Make a profile the current one",
		Long: strings.TrimSpace(`
Make a profile the current one: the profile every command uses unless
--profile or BILLCTL_PROFILE names another. Nothing else in the config
file changes; billctl profile list marks the current profile with *.`),
		Example: cmdutil.Example(`
  # Work on the staging account from now on
  billctl profile use staging
  billctl profile list

  # One command on another account, without switching
  billctl --profile prod checkout list`),
		Annotations:       map[string]string{cmdutil.ArgsAnnotation: "the profile's name"},
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeNames(f),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.ConfigPath = config.ConfigPath(f.Flags, f.Getenv)
			if runF != nil {
				return runF(opts)
			}
			return useRun(opts)
		},
	}
}

func useRun(opts *UseOptions) error {
	var p *config.Profile
	err := config.Update(opts.ConfigPath, opts.IO.Err, func(file *config.File) error {
		var ok bool
		if p, ok = file.Profiles[opts.Name]; !ok {
			return file.NotFound(opts.Name, opts.ConfigPath, cmdutil.Catalogue())
		}
		file.CurrentProfile = opts.Name
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Err, "Now using profile %q (%s).\n", opts.Name, describe(p))
	return nil
}
