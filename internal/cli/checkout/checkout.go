// Package checkout is the `billctl checkout` command group.
package checkout

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
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

// client builds the provider for settings s its caller has checked
// (Settings.Check, once per command). needToken is false for --dry-run,
// which sends nothing.
func client(f *cmdutil.Factory, s *config.Settings, needToken bool) (provider.Provider, error) {
	return pooledClient(f, s, needToken, 0)
}

// pooledClient is client for pool requests in flight at once.
func pooledClient(f *cmdutil.Factory, s *config.Settings, needToken bool, pool int) (provider.Provider, error) {
	if needToken {
		if err := s.RequireToken(); err != nil {
			return nil, err
		}
	}
	return f.PooledProvider(s, pool)
}

// verb is a command not every provider serves: has says whether a
// provider does (one of its optional interfaces), cannot says it does not
// in the command's words, and byGet what to do instead where the provider
// can read a session back (a create-only one cannot).
type verb struct {
	has    func(*provider.Descriptor) bool
	cannot string
	byGet  string
}

var (
	getting    = verb{has: provider.Can[provider.Getter], cannot: "reading a checkout session is not supported"}
	listing    = verb{has: provider.Can[provider.Lister], cannot: "listing checkout sessions is not supported", byGet: "look one up with `billctl checkout get ID`"}
	cancelling = verb{has: provider.Can[provider.Canceller], cannot: "cancelling a checkout session is not supported"}
)

// refuse is the error for a verb the provider d lacks, nil when it has it.
func (v verb) refuse(d *provider.Descriptor) error {
	if v.has(d) {
		return nil
	}
	if v.byGet != "" && getting.has(d) {
		return provider.Unsupported(d.Name, v.cannot+"; "+v.byGet)
	}
	return provider.Unsupported(d.Name, v.cannot)
}

// sessionAPI resolves the settings of a command that reads or changes
// existing sessions and builds its client. A verb the provider's API
// lacks is refused before a token or tenant is asked for only to learn
// it.
func sessionAPI(f *cmdutil.Factory, v verb) (*config.Settings, provider.Provider, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, nil, err
	}
	if err := checkFormat(s.Output, false); err != nil {
		return nil, nil, err
	}
	if d, err := f.Descriptor(); err == nil {
		if err := v.refuse(d); err != nil {
			return nil, nil, err
		}
	}
	if err := s.Check(); err != nil {
		return nil, nil, err
	}
	p, err := client(f, s, true)
	if err != nil {
		return nil, nil, err
	}
	return s, p, nil
}

// checkFormat refuses an -o value that the command cannot print; dryRun
// allows the formats only a dry run prints.
func checkFormat(format string, dryRun bool) error {
	if slices.Contains(output.Formats, format) || (dryRun && slices.Contains(output.DryRunOnly, format)) {
		return nil
	}
	if slices.Contains(output.DryRunOnly, format) {
		return cmdutil.FlagErrorf("-o %s exists only with --dry-run", format)
	}
	f := output.Formats
	return cmdutil.FlagErrorf("unknown output format %q: use %s or %s", format, strings.Join(f[:len(f)-1], ", "), f[len(f)-1])
}

// printer prints results the way the settings ask. A person at a terminal
// reads "in 47 min" faster than a timestamp; anything piped keeps the
// API's RFC 3339 text, which other programs can parse. NO_COLOR and
// --no-color ask for that plain form as a whole, not only for no colour.
func printer(f *cmdutil.Factory, s *config.Settings) *output.Printer {
	p := &output.Printer{IO: f.IO, Format: s.Output}
	if d := registry.Get(s.Provider); d != nil {
		p.Vocabulary = d.Vocabulary
	}
	if f.IO.Color() {
		p.Time = output.RelativeTime(time.Now)
	}
	return p
}

// providerExamples are the providers' example command lines for command,
// each under a comment made by title from the provider's name.
func providerExamples(command, title string) string {
	var b strings.Builder
	for _, d := range registry.All() {
		ex := d.Examples[command]
		if ex == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("  # " + fmt.Sprintf(title, titleCase(d.Name)) + "\n  " + ex)
	}
	return b.String()
}

// sampleSessionID is a session ID as the first provider that shows one
// spells it, for help.
func sampleSessionID() string {
	for _, d := range registry.All() {
		if d.SessionID != "" {
			return d.SessionID
		}
	}
	return "ID"
}
