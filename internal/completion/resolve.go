package completion

import (
	"context"
	"io"
	"net/http"

	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/config"
)

// Env is what a completion needs from the command line it completes.
type Env struct {
	// Flags are the parsed persistent flags (--profile, --provider, …).
	Flags  *pflag.FlagSet
	Getenv func(string) string
	// UserAgent is sent with the lookup.
	UserAgent string
	// Transport replaces the network (tests); nil uses the default.
	Transport http.RoundTripper
	// Stderr receives the --debug log of the lookups.
	Stderr io.Writer
}

// NewSource resolves the account the command line points at, as the
// command itself would (flags, BILLCTL_* variables, profile, defaults). ok
// is false when nothing should be looked up: the settings do not resolve,
// are refused (no provider, plain http to another host), or hold no token.
func NewSource(env Env) (src *Source, ok bool) {
	if env.Flags == nil || env.Getenv == nil {
		return nil, false
	}
	// Standard input belongs to the shell while it completes: a token to
	// be read from it cannot be had.
	if f := env.Flags.Lookup("token-file"); f != nil && f.Value.String() == "-" {
		return nil, false
	}
	s, err := config.Resolve(env.Flags, env.Getenv, nil, io.Discard)
	if err != nil || s.Check() != nil || s.Token == "" {
		return nil, false
	}
	var debug io.Writer
	if s.Debug {
		debug = env.Stderr
	}
	return &Source{
		Account: Account{
			Profile:  s.Profile,
			Provider: s.Provider,
			BaseURL:  s.BaseURL,
			Company:  s.Company,
			Token:    s.Token,
		},
		UserAgent: env.UserAgent,
		Transport: env.Transport,
		Sandbox:   s.Sandbox,
		Getenv:    env.Getenv,
		Debug:     debug,
		CacheDir:  CacheDir(env.Getenv),
	}, true
}

// Lookup returns the records of kind for the account the command line
// points at, or nothing when they cannot be had within Timeout: offline,
// unauthenticated, refused, or a kind the provider cannot list. It never
// reports why; a shell has nowhere to show it.
func Lookup(ctx context.Context, env Env, kind Kind) []Item {
	src, ok := NewSource(env)
	if !ok || !Supports(src.Provider, kind) {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	items, err := src.Items(ctx, kind)
	if err != nil {
		return nil
	}
	return items
}
