package cmdutil

import (
	"io"
	"strings"

	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/config"
)

// LookupSource is where shell completion looks records up: the account the
// command line points at, resolved as the command itself would (flags,
// BILLCTL_* variables, profile, defaults), with a client of the one HTTP
// stack. It is nil when nothing should be looked up: the settings do not
// resolve, are refused (no provider, plain http to another host), or hold
// no token.
func (f *Factory) LookupSource() *completion.Source {
	if f.Flags == nil || f.Getenv == nil {
		return nil
	}
	// Standard input belongs to the shell while it completes: a token to
	// be read from it cannot be had.
	if fl := f.Flags.Lookup("token-file"); fl != nil && fl.Value.String() == "-" {
		return nil
	}
	// Resolved apart from Settings: nothing is read from stdin and nothing
	// is said on stderr while the shell completes.
	s, err := config.Resolve(Catalogue(), f.Flags, f.Getenv, nil, io.Discard)
	if err != nil || s.Check() != nil || s.Token == "" {
		return nil
	}
	d, err := descriptor(s)
	if err != nil {
		return nil
	}
	h := NewHTTP(&config.Settings{
		BaseURL: strings.TrimRight(s.BaseURL, "/"),
		Token:   s.Token,
		Sandbox: s.Sandbox,
		Debug:   s.Debug,
		Timeout: completion.Timeout,
	}, HTTPEnv{Getenv: f.Getenv, Transport: f.Transport, UserAgent: f.UserAgent(), Stderr: f.IO.Err})
	return &completion.Source{
		Account: completion.Account{
			Profile:  s.Profile,
			Provider: s.Provider,
			BaseURL:  s.BaseURL,
			Company:  s.Company,
			Token:    s.Token,
		},
		HTTP:     h,
		Lookups:  d.Lookups,
		CacheDir: completion.CacheDir(f.Getenv),
	}
}
