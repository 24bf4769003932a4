// Package checkout is the `billctl checkout` command group.
package checkout

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

// NewCmd builds `billctl checkout`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checkout",
		Short: "Create, inspect and cancel checkout sessions",
	}
	f.AddSubcommands(cmd, 1,
		cmdutil.Sub{Name: "create", Build: func() *cobra.Command { return NewCmdCreate(f, nil) }},
		cmdutil.Sub{Name: "get", Build: func() *cobra.Command { return NewCmdGet(f, nil) }},
		cmdutil.Sub{Name: "list", Build: func() *cobra.Command { return NewCmdList(f, nil) }},
		cmdutil.Sub{Name: "cancel", Build: func() *cobra.Command { return NewCmdCancel(f, nil) }},
	)
	registerSessionCompletions(cmd, f)
	return cmd
}

// client builds the provider for s. needToken is false for --dry-run,
// which sends nothing.
func client(f *cmdutil.Factory, s *config.Settings, needToken bool) (provider.Provider, *httpx.Client, error) {
	if err := s.Check(); err != nil {
		return nil, nil, err
	}
	if needToken {
		if err := s.RequireToken(); err != nil {
			return nil, nil, err
		}
	}
	var debug io.Writer
	if s.Debug {
		debug = f.IO.Err
	}
	h := httpx.New(httpx.Options{
		BaseURL:   s.BaseURL,
		Token:     s.Token,
		UserAgent: f.UserAgent(),
		Timeout:   s.Timeout,
		Retries:   s.Retries,
		Debug:     debug,
		Notes:     f.IO.Err,
		Transport: f.Transport,
	})
	switch s.Provider {
	case meteroid.Name:
		return meteroid.New(h), h, nil
	case maple.Name:
		return maple.New(h, s.Company), h, nil
	}
	return nil, nil, exitcode.Usagef("unknown provider %q: use meteroid or maple", s.Provider)
}

// sessionAPI resolves the settings of a command that reads or changes
// existing sessions and builds its client. mapleCannot, when set, says
// what Maple's API cannot do: that is refused before a token or company
// is asked for only to learn it.
func sessionAPI(f *cmdutil.Factory, mapleCannot string) (*config.Settings, provider.Provider, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, nil, err
	}
	if err := checkFormat(s.Output); err != nil {
		return nil, nil, err
	}
	if mapleCannot != "" && s.Provider == maple.Name {
		return nil, nil, provider.Unsupported(maple.Name, mapleCannot)
	}
	p, _, err := client(f, s, true)
	if err != nil {
		return nil, nil, err
	}
	return s, p, nil
}

// checkFormat refuses an -o value that the command cannot print.
func checkFormat(format string, extra ...string) error {
	for _, f := range append(append([]string(nil), output.Formats...), extra...) {
		if f == format {
			return nil
		}
	}
	if format == "curl" {
		return cmdutil.FlagErrorf("-o curl exists only with --dry-run")
	}
	return cmdutil.FlagErrorf("unknown output format %q: use table, json, yaml, id or url", format)
}

// printer prints results the way the settings ask. A person at a terminal
// reads "in 47 min" faster than a timestamp; anything piped keeps the
// API's RFC 3339 text, which other programs can parse. NO_COLOR and
// --no-color ask for that plain form as a whole, not only for no colour.
func printer(f *cmdutil.Factory, s *config.Settings) *output.Printer {
	p := &output.Printer{IO: f.IO, Format: s.Output}
	if f.IO.Color() {
		p.Time = output.RelativeTime(time.Now)
	}
	return p
}
