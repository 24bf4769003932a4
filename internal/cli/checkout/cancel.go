package checkout

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/safetext"
)

// CancelOptions are the parsed arguments and dependencies of
// `checkout cancel`.
type CancelOptions struct {
	F *cmdutil.Factory

	ID string
}

// NewCmdCancel builds `billctl checkout cancel`. runF replaces the run
// function in tests that check argument parsing alone.
func NewCmdCancel(f *cmdutil.Factory, runF func(*CancelOptions) error) *cobra.Command {
	opts := &CancelOptions{F: f}
	cmd := &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel an open checkout session (" + strings.Join(able(shared.Cancelling), ", ") + ")",
		Long: strings.TrimSpace(`
Cancel a checkout session so that its link no longer takes payment, and
print the cancelled session.

Only an open session (CREATED or AWAITING_PAYMENT) can be cancelled; the API
refuses one that is unknown, completed, expired or already cancelled.

`) + "\n\n" + onlyFor(shared.Cancelling, "cancels checkout sessions"),
		Example: strings.Trim(`
  # Cancel one session
  billctl checkout cancel che_7n42DGM5Tflk9n8mt7Fhc7

  # Cancel every session still waiting for payment
  billctl checkout list --status AWAITING_PAYMENT -o id | xargs -r -n1 billctl checkout cancel -o id`, "\n"),
		Args:              sessionIDArg,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return cancelRun(opts)
		},
	}
	return cmd
}

func cancelRun(opts *CancelOptions) error {
	f := opts.F
	s, p, err := sessionAPI(f, shared.Cancelling)
	if err != nil {
		return err
	}
	sess, err := p.(provider.Canceller).Cancel(f.Context, opts.ID)
	if err != nil {
		return err
	}
	if err := printer(f, s).One(sess); err != nil {
		return err
	}
	if f.IO.StderrTTY {
		fmt.Fprintf(f.IO.Err, "Cancelled checkout session %s.\n", safetext.Line(sess.ID))
	}
	return nil
}
