// Package checkout is the `billctl checkout` command group, and its get,
// list and cancel; create is its own package (checkout/create).
package checkout

import (
	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/checkout/create"
	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
)

// NewCmd builds `billctl checkout`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checkout",
		Short: "Create, inspect and cancel checkout sessions",
	}
	f.AddSubcommands(cmd, 1,
		cmdutil.Sub{Name: "create", Build: func() *cobra.Command { return create.NewCmdCreate(f, nil) }},
		cmdutil.Sub{Name: "get", Build: func() *cobra.Command { return NewCmdGet(f, nil) }},
		cmdutil.Sub{Name: "list", Build: func() *cobra.Command { return NewCmdList(f, nil) }},
		cmdutil.Sub{Name: "cancel", Build: func() *cobra.Command { return NewCmdCancel(f, nil) }},
	)
	registerSessionCompletions(cmd, f)
	return cmd
}

// sessionAPI resolves the settings of a command that reads or changes
// existing sessions and builds its client. A verb the provider's API
// lacks is refused before a token or tenant is asked for only to learn
// it.
func sessionAPI(f *cmdutil.Factory, v shared.Verb) (*config.Settings, provider.Provider, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, nil, err
	}
	if err := shared.CheckFormat(s.Output, false); err != nil {
		return nil, nil, err
	}
	if d, err := f.Descriptor(); err == nil {
		if err := v.Refuse(d); err != nil {
			return nil, nil, err
		}
	}
	if err := s.Check(); err != nil {
		return nil, nil, err
	}
	if err := s.RequireToken(); err != nil {
		return nil, nil, err
	}
	p, err := f.Provider(s)
	if err != nil {
		return nil, nil, err
	}
	return s, p, nil
}

// printer prints results the way the settings s ask.
func printer(f *cmdutil.Factory, s *config.Settings) *output.Printer {
	return shared.Printer(f.IO, s, descriptor(f))
}

// descriptor is the active provider's descriptor, nil when the settings
// name none the registry knows.
func descriptor(f *cmdutil.Factory) *provider.Descriptor {
	d, _ := f.Descriptor()
	return d
}

// fields are the session fields --columns completes with.
func fields(f *cmdutil.Factory) func() []string {
	return func() []string { return shared.SessionFields(descriptor(f)) }
}

// openURL opens the page of sess, a session of the provider s names.
func openURL(f *cmdutil.Factory, s *config.Settings, sess *provider.Session) error {
	return shared.OpenURL(f.IO, f.Browser, shared.ProviderName(s), shared.Vocabulary(descriptor(f)), sess)
}

// outputGiven reports whether -o was given on the command line.
func outputGiven(f *cmdutil.Factory) bool {
	o := f.Flags.Lookup("output")
	return o != nil && o.Changed
}
