package checkout

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
)

// ListOptions are the parsed flags and dependencies of `checkout list`.
type ListOptions struct {
	F *cmdutil.Factory

	Customer string
	Status   string

	format *shared.FormatFlags
}

// NewCmdList builds `billctl checkout list`. runF replaces the run function
// in tests that check flag parsing alone.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list [--customer ID] [--status STATUS]",
		Short: "List checkout sessions (" + strings.Join(able(shared.Listing), ", ") + ")",
		Long: strings.TrimSpace(`
List the account's checkout sessions, newest first as the API orders them,
optionally only one customer's or only those in one status.

`) + "\n\n" + onlyFor(shared.Listing, "lists checkout sessions"),
		Example: strings.Trim(`
  # Sessions still waiting for the customer
  billctl checkout list --status AWAITING_PAYMENT

  # One customer's sessions, before retrying a create that may have failed
  billctl checkout list --customer cus_7n42DGM5Tflk9n8mt7Fhc7 -o json

  # IDs of every open session, one per line
  billctl checkout list --status CREATED -o id

  # A sheet of the open sessions, or their URLs picked out with jq
  billctl checkout list --status CREATED -o csv --columns id,customer_id,status > open.csv
  billctl checkout list --status CREATED --jq '.[].id'`, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Customer, "customer", "", "only this customer's sessions (customer ID)")
	cmdutil.StringEnumFlag(cmd, fl, &opts.Status, "status", "", "", listStatuses(), "only sessions in this status")
	opts.format = shared.AddFormatFlags(cmd, fields(f))
	return cmd
}

func listRun(opts *ListOptions) error {
	f := opts.F
	s, p, err := sessionAPI(f, shared.Listing)
	if err != nil {
		return err
	}
	if err := opts.format.Resolve(outputGiven(f), s, descriptor(f)); err != nil {
		return err
	}
	// The list is printed as it is read: a tenant may have 100,000
	// sessions, and none of them waits in memory for the others.
	pr := opts.format.On(f.Context, printer(f, s))
	st := pr.Stream()
	n := 0
	err = p.(provider.Lister).List(f.Context, provider.ListFilter{Customer: opts.Customer, Status: opts.Status}, func(sess *provider.Session) error {
		n++
		return st.Add(output.Item{Session: sess})
	})
	if n == 0 && err != nil {
		// Nothing was listed: closing the stream would print a table or
		// CSV header, or an empty array, as if it were a result.
		return err
	}
	if n == 0 && pr.EmptyInWords() {
		// An empty table would be a lone header; say it in words, on
		// stderr, so stdout stays empty for anything reading it.
		fmt.Fprintln(f.IO.Err, "no checkout sessions"+filterText(opts))
		return nil
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

// filterText describes the filters for the "nothing found" note.
func filterText(opts *ListOptions) string {
	var parts []string
	if opts.Customer != "" {
		parts = append(parts, "for customer "+opts.Customer)
	}
	if opts.Status != "" {
		parts = append(parts, "with status "+opts.Status)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

// listStatuses are the statuses the list filter takes, over every provider
// that lists sessions.
func listStatuses() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range registry.All() {
		l, ok := d.New(nil, "").(provider.Lister)
		if !ok {
			continue
		}
		for _, v := range l.ListStatuses() {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// able are the names of the providers that serve v, capitalised as prose
// names them.
func able(v shared.Verb) []string {
	var out []string
	for _, d := range registry.All() {
		if v.Has(d) {
			out = append(out, shared.TitleCase(d.Name))
		}
	}
	return out
}

// onlyFor says, for a command's help, which providers can serve it:
// "A only: B has no endpoint that lists checkout sessions."
func onlyFor(v shared.Verb, what string) string {
	var cannot []string
	for _, d := range registry.All() {
		if !v.Has(d) {
			cannot = append(cannot, shared.TitleCase(d.Name))
		}
	}
	s := strings.Join(able(v), ", ") + " only"
	if len(cannot) > 0 {
		s += ": " + strings.Join(cannot, ", ") + " has no endpoint that " + what + "."
	}
	return s
}
