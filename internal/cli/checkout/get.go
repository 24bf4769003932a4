package checkout

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/provider"
)

// GetOptions are the parsed arguments and dependencies of `checkout get`.
type GetOptions struct {
	F *cmdutil.Factory

	ID   string
	Open bool

	format *shared.FormatFlags
	wait   *shared.WaitFlags
}

// NewCmdGet builds `billctl checkout get`. runF replaces the run function
// in tests that check argument parsing alone.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{F: f}
	cmd := &cobra.Command{
		Use:   "get ID",
		Short: "Show one checkout session",
		Long: strings.TrimSpace(`
Show one checkout session as the API returns it: its status (has the
customer paid yet?), customer, plan or pricing, expiry and checkout URL.

On a terminal, the status is coloured and times are relative ("in 47 min");
piped, times are the API's RFC 3339 text. -o json or -o yaml shows every
field exactly as returned.`),
		Example: strings.Trim(`
  # Has the customer paid yet?
  billctl checkout get `+shared.SampleSessionID()+`

  # Just the status, for a script
  billctl checkout get `+shared.SampleSessionID()+` --jq .status

`, "\n") + "\n\n" + shared.ProviderExamples("checkout get", "Open the checkout page again (%s)"),
		Args:              sessionIDArg,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := opts.wait.Check(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Open, "open", false, "open the checkout URL in the browser")
	opts.format = shared.AddFormatFlags(cmd, fields(f))
	opts.wait = shared.AddWaitFlags(cmd)
	return cmd
}

func getRun(opts *GetOptions) error {
	f := opts.F
	s, p, err := sessionAPI(f, shared.Getting)
	if err != nil {
		return err
	}
	if err := opts.format.Resolve(outputGiven(f), s, descriptor(f)); err != nil {
		return err
	}
	sess, err := p.(provider.Getter).Get(f.Context, opts.ID)
	if err != nil {
		return explainNotFound(err, s, descriptor(f), opts.ID)
	}
	if opts.wait.On() {
		if opts.Open {
			if err := openURL(f, s, sess); err != nil {
				return err
			}
		}
		return shared.WaitOne(f.Context, f.IO, f.Getenv, shared.NewWaiter(p, shared.Vocabulary(descriptor(f)), s, opts.wait), opts.format.On(f.Context, printer(f, s)), sess)
	}
	if err := opts.format.On(f.Context, printer(f, s)).One(sess); err != nil {
		return err
	}
	if opts.Open {
		return openURL(f, s, sess)
	}
	return nil
}

// sessionIDArg accepts exactly one non-empty session ID, and says so in
// the words of the command rather than cobra's "accepts 1 arg(s)".
func sessionIDArg(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return cmdutil.FlagErrorf("give the checkout session ID: %s ID", cmd.CommandPath())
	case len(args) > 1:
		return cmdutil.FlagErrorf("%s takes one checkout session ID, got %d arguments", cmd.CommandPath(), len(args))
	case strings.TrimSpace(args[0]) == "":
		return cmdutil.FlagErrorf("the checkout session ID is empty")
	}
	// The ID goes into the URL path: one that could leave its segment
	// is refused before anything is sent.
	if err := provider.CheckID("the checkout session ID", args[0]); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	return nil
}

// explainNotFound says what to check when the API knows no such session:
// a typo, or an account (profile, tenant) other than the one that created
// it; the provider d words it.
func explainNotFound(err error, s *config.Settings, d *provider.Descriptor, id string) error {
	var ae *provider.APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Hint != "" {
		return err
	}
	if d != nil && d.NotFoundHint != nil {
		ae.Hint = d.NotFoundHint(id, s.Company)
	}
	return err
}
