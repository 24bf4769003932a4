// Package shared holds what the checkout commands have in common: the
// output flags and the printer, --wait, --open, the verbs a provider may
// lack, and the providers' examples for help.
package shared

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
)

// Verb is a command not every provider serves: Has says whether a
// provider does (one of its optional interfaces), cannot says it does not
// in the command's words, and byGet what to do instead where the provider
// can read a session back (a create-only one cannot).
type Verb struct {
	Has    func(*provider.Descriptor) bool
	cannot string
	byGet  string
}

var (
	Getting    = Verb{Has: provider.Can[provider.Getter], cannot: "reading a checkout session is not supported"}
	Listing    = Verb{Has: provider.Can[provider.Lister], cannot: "listing checkout sessions is not supported", byGet: "look one up with `billctl checkout get ID`"}
	Cancelling = Verb{Has: provider.Can[provider.Canceller], cannot: "cancelling a checkout session is not supported"}
)

// Refuse is the error for a verb the provider d lacks, nil when it has it.
func (v Verb) Refuse(d *provider.Descriptor) error {
	if v.Has(d) {
		return nil
	}
	if v.byGet != "" && Getting.Has(d) {
		return provider.Unsupported(d.Name, v.cannot+"; "+v.byGet)
	}
	return provider.Unsupported(d.Name, v.cannot)
}

// CheckFormat refuses an -o value that the command cannot print; dryRun
// allows the formats only a dry run prints.
func CheckFormat(format string, dryRun bool) error {
	if slices.Contains(output.Formats, format) || (dryRun && slices.Contains(output.DryRunOnly, format)) {
		return nil
	}
	if slices.Contains(output.DryRunOnly, format) {
		return cmdutil.FlagErrorf("-o %s exists only with --dry-run", format)
	}
	f := output.Formats
	return cmdutil.FlagErrorf("unknown output format %q: use %s or %s", format, strings.Join(f[:len(f)-1], ", "), f[len(f)-1])
}

// Printer prints results the way the settings ask, in the words of d,
// the active provider. A person at a terminal reads "in 47 min" faster
// than a timestamp; anything piped keeps the API's RFC 3339 text, which
// other programs can parse. NO_COLOR and --no-color ask for that plain
// form as a whole, not only for no colour.
func Printer(streams *output.IO, s *config.Settings, d *provider.Descriptor) *output.Printer {
	p := &output.Printer{IO: streams, Format: s.Output}
	if d != nil {
		p.Vocabulary = d.Vocabulary
	}
	if streams.Color() {
		p.Time = output.RelativeTime(time.Now)
	}
	return p
}

// ProviderExamples are the providers' example command lines for command,
// each under a comment made by title from the provider's name.
func ProviderExamples(command, title string) string {
	var b strings.Builder
	for _, d := range registry.All() {
		ex := d.Examples[command]
		if ex == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("  # " + fmt.Sprintf(title, TitleCase(d.Name)) + "\n  " + ex)
	}
	return b.String()
}

// SampleSessionID is a session ID as the first provider that shows one
// spells it, for help.
func SampleSessionID() string {
	for _, d := range registry.All() {
		if d.SessionID != "" {
			return d.SessionID
		}
	}
	return "ID"
}

// TitleCase is a provider's name as prose writes it.
func TitleCase(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// Live offers the records of kind whose ID starts with what was typed,
// leaving out those already given to a repeatable flag; source is where
// they are looked up (nil: nowhere).
func Live(source func() *completion.Source, kind completion.Kind, flag string, keep func(completion.Item) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		items := completion.Lookup(cmd.Context(), source(), kind)
		given := givenIDs(cmd, flag)
		return completion.Suggestions(items, toComplete, func(it completion.Item) bool {
			return !given[it.ID] && (keep == nil || keep(it))
		}), cobra.ShellCompDirectiveNoFileComp
	}
}

// givenIDs are the IDs already given to a repeatable flag (--add-on's
// without their :QUANTITY).
func givenIDs(cmd *cobra.Command, flag string) map[string]bool {
	vals, err := cmd.Flags().GetStringArray(flag)
	if err != nil {
		return nil
	}
	given := map[string]bool{}
	for _, v := range vals {
		id, _, _ := strings.Cut(v, ":")
		given[id] = true
	}
	return given
}
