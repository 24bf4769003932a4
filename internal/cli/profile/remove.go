package profile

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
)

// RemoveOptions are the parsed arguments and dependencies of
// `profile remove`.
type RemoveOptions struct {
	IO         *output.IO
	ConfigPath string
	Name       string
}

// NewCmdRemove builds `billctl profile remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{IO: f.IO}
	return &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a profile and its token from the config file",
		Long: `Remove a profile and its token from the config file. Removing the current
profile leaves no profile current: the next command then needs --profile,
BILLCTL_PROFILE or ` + "`billctl profile use NAME`" + `, rather than silently
switching to another account.`,
		Annotations:       map[string]string{cmdutil.ArgsAnnotation: "the profile's name"},
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeNames(f),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.ConfigPath = config.ConfigPath(f.Flags, f.Getenv)
			if runF != nil {
				return runF(opts)
			}
			return removeRun(opts)
		},
	}
}

func removeRun(opts *RemoveOptions) error {
	var wasCurrent bool
	err := config.Update(opts.ConfigPath, opts.IO.Err, func(file *config.File) error {
		if _, ok := file.Profiles[opts.Name]; !ok {
			return file.NotFound(opts.Name, opts.ConfigPath, cmdutil.Catalogue())
		}
		delete(file.Profiles, opts.Name)
		wasCurrent = file.CurrentProfile == opts.Name
		if wasCurrent {
			file.CurrentProfile = ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Err, "Removed profile %q.\n", opts.Name)
	if wasCurrent {
		fmt.Fprintf(opts.IO.Err, "It was the current profile; none is current now. Choose one with `billctl profile use NAME`.\n")
	}
	return nil
}
