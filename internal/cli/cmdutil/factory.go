// Package cmdutil holds what every command needs: the factory of lazily
// built dependencies, flag helpers, and usage errors.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/sandbox/local"
)

// Browser opens a URL for the user; tests replace it.
type Browser interface {
	Open(url string) error
}

// BuildInfo is what `billctl version` reports.
type BuildInfo struct {
	Version, Commit, Date string
}

// Factory builds each command's dependencies on first use, so a command
// that needs no settings (version, completion) never reads the config file.
type Factory struct {
	IO      *output.IO
	Getenv  func(string) string
	Build   BuildInfo
	Browser Browser
	// Transport, when set, replaces the network (tests).
	Transport http.RoundTripper
	// Context is cancelled on Ctrl-C.
	Context context.Context

	// Flags are the root's persistent flags, the first source of settings.
	Flags *pflag.FlagSet
	// Words are the command words of the command line ("checkout",
	// "create"), so that only the command being run is built; nil builds
	// the whole tree.
	Words []string

	settings *config.Settings
	err      error
	resolved bool
	// desc is the descriptor of the settings' provider, once asked for.
	desc *provider.Descriptor
}

// Settings resolves flag > environment > profile > defaults once.
func (f *Factory) Settings() (*config.Settings, error) {
	if !f.resolved {
		f.resolved = true
		f.settings, f.err = config.Resolve(Catalogue(), f.Flags, f.Getenv, f.IO.In, f.IO.Err)
		if f.err == nil && f.settings.NoColor {
			f.IO.NoColor = true
		}
		if f.err == nil {
			f.IO.Mask(f.settings.Secret())
		}
	}
	return f.settings, f.err
}

// Catalogue is what settings know of the registered providers: the one
// place settings learn of them.
func Catalogue() config.Catalogue {
	var c config.Catalogue
	for _, d := range registry.All() {
		p := config.Provider{Name: d.Name, DefaultBaseURL: d.DefaultBaseURL, SandboxTenant: d.SandboxTenant, Sandbox: d.Sandbox != nil}
		if t := d.Tenant; t != nil {
			p.Tenant = &config.Tenant{What: t.What, Example: t.Example, Check: t.Check}
		}
		c = append(c, p)
	}
	return c
}

// Descriptor is the descriptor of the provider the settings name: the
// registry is asked here, once, for every command.
func (f *Factory) Descriptor() (*provider.Descriptor, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	return f.descriptorOf(s)
}

// descriptorOf is the descriptor of the provider s names, kept for the
// factory's own settings so that the registry is asked once.
func (f *Factory) descriptorOf(s *config.Settings) (*provider.Descriptor, error) {
	if s != f.settings || f.settings == nil {
		return descriptor(s)
	}
	if f.desc == nil {
		d, err := descriptor(s)
		if err != nil {
			return nil, err
		}
		f.desc = d
	}
	return f.desc, nil
}

func descriptor(s *config.Settings) (*provider.Descriptor, error) {
	d := registry.Get(s.Provider)
	if d == nil {
		return nil, exitcode.Usagef("unknown provider %q: use %s", s.Provider, strings.Join(registry.Names(), " or "))
	}
	return d, nil
}

// Provider builds the client of the provider s names, over the one HTTP
// stack (httpx: timeouts, retries, redaction, the redirect rule, the debug
// log). It is built when a command asks for it, never before: a command
// that sends nothing pays nothing for it.
func (f *Factory) Provider(s *config.Settings) (provider.Provider, error) {
	return f.PooledProvider(s, 0)
}

// PooledProvider is Provider for pool requests in flight at once (a
// batch's --parallel): its connections are kept for reuse.
func (f *Factory) PooledProvider(s *config.Settings, pool int) (provider.Provider, error) {
	d, err := f.descriptorOf(s)
	if err != nil {
		return nil, err
	}
	return d.New(f.httpClient(s, pool), s.Company), nil
}

// HTTP is the HTTP client every request of s goes through.
func (f *Factory) HTTP(s *config.Settings) *httpx.Client { return f.httpClient(s, 0) }

func (f *Factory) httpClient(s *config.Settings, pool int) *httpx.Client {
	e := HTTPEnv{Getenv: f.Getenv, Transport: f.Transport, UserAgent: f.UserAgent(), Stderr: f.IO.Err, Pool: pool}
	if f.IO.StderrTTY {
		e.Note = f.IO.Err
	}
	return NewHTTP(s, e)
}

// HTTPEnv is what, besides the settings, an HTTP client is built from.
type HTTPEnv struct {
	Getenv    func(string) string
	Transport http.RoundTripper // nil: the network
	UserAgent string
	// Stderr receives the --debug log and the notes.
	Stderr io.Writer
	// Note, when set (stderr is a terminal), is told which sandbox a
	// --sandbox command uses.
	Note io.Writer
	// Pool is how many requests may be in flight at once (httpx.Options).
	Pool int
}

// NewHTTP builds the client for the settings s: the one builder of the
// factory and of completion's lookups, so both log, redact and reach the
// sandbox alike.
func NewHTTP(s *config.Settings, e HTTPEnv) *httpx.Client {
	var debug io.Writer
	if s.Debug {
		debug = e.Stderr
	}
	tr := e.Transport
	if s.Sandbox {
		// The running `sandbox serve`, else a sandbox in this process;
		// which one is said on a terminal.
		tr = local.Transport(e.Getenv, tr, registry.SandboxAPIs, e.Note)
	}
	return httpx.New(httpx.Options{
		BaseURL:   s.BaseURL,
		Token:     s.Token,
		UserAgent: e.UserAgent,
		Timeout:   s.Timeout,
		Retries:   s.Retries,
		Debug:     debug,
		Notes:     e.Stderr,
		Transport: tr,
		Pool:      e.Pool,
	})
}

// UserAgent is sent with every request.
func (f *Factory) UserAgent() string { return "billctl/" + f.Build.Version }

// Sub is a subcommand, built only when the invocation can reach it.
type Sub struct {
	Name  string
	Build func() *cobra.Command
}

// AddSubcommands adds subs to parent, the command at depth (root = 0).
// When the command line names one of them, only that one is built, so
// start-up pays for the command being run rather than the whole tree;
// otherwise (help, completion, a typo to suggest against) all are.
func (f *Factory) AddSubcommands(parent *cobra.Command, depth int, subs ...Sub) {
	if depth < len(f.Words) {
		for _, s := range subs {
			if s.Name == f.Words[depth] {
				parent.AddCommand(s.Build())
				return
			}
		}
	}
	for _, s := range subs {
		parent.AddCommand(s.Build())
	}
}

// ExplainSandbox words a refusal from the sandbox in its own terms: it
// checks no token of an account, so a 403 is its answer for a tenant it
// does not hold (a mistyped --company), not a token without permission.
func (f *Factory) ExplainSandbox(err error) error {
	s := f.settings
	var ae *provider.APIError
	if !f.resolved || s == nil || !s.Sandbox || !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		return err
	}
	d := registry.Get(s.Provider)
	if d == nil || d.Tenant == nil {
		ae.Hint = "The sandbox refused the request; it checks no account's token."
		return err
	}
	ae.Hint = fmt.Sprintf("The sandbox holds no %s %s (it checks no account's token): use its demo one, %s, which --sandbox takes when neither --company nor BILLCTL_COMPANY is set.",
		strings.TrimSuffix(d.Tenant.What, " ID"), s.Company, d.SandboxTenant)
	return err
}
