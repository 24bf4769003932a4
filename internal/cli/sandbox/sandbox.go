// Package sandbox is the `billctl sandbox` command group: run the local
// stand-in of both APIs, and move its sessions along (pay, expire, reset).
package sandbox

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/sandbox"
)

// NewCmd builds `billctl sandbox`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Every API on this machine: create, pay and expire sessions with no account",
		Long:  longHelp(),
	}
	f.AddSubcommands(cmd, 1,
		cmdutil.Sub{Name: "serve", Build: func() *cobra.Command { return NewCmdServe(f, nil) }},
		cmdutil.Sub{Name: "pay", Build: func() *cobra.Command { return newCmdMove(f, "pay") }},
		cmdutil.Sub{Name: "expire", Build: func() *cobra.Command { return newCmdMove(f, "expire") }},
		cmdutil.Sub{Name: "reset", Build: func() *cobra.Command { return newCmdReset(f) }},
		cmdutil.Sub{Name: "listen", Build: func() *cobra.Command { return newCmdListen(f) }},
		cmdutil.Sub{Name: "events", Build: func() *cobra.Command { return newCmdEvents(f) }},
		cmdutil.Sub{Name: "ping", Build: func() *cobra.Command { return newCmdPing(f) }},
	)
	return cmd
}

// longHelp names the providers the sandbox stands in for.
func longHelp() string {
	var names []string
	for _, d := range registry.All() {
		if d.Sandbox != nil {
			names = append(names, titleCase(d.Name))
		}
	}
	return `The sandbox is a local, stateful stand-in for the ` + strings.Join(names, " and ") + ` APIs:
the same paths, IDs, bodies, statuses and errors, kept in a SQLite database
($XDG_STATE_HOME/billctl/sandbox.db unless --data or --memory). A demo
catalogue for each (customers, what they can buy, and the demo tenant
where the API has one) is seeded on first use.

Run any command against it with --sandbox (or BILLCTL_SANDBOX=1): no token,
no network.`
}

// APIs are the API shapes the sandbox serves: every provider's.
func APIs() []sandbox.API { return registry.SandboxAPIs() }

// dataFlags are --data and --memory.
type dataFlags struct {
	path   string
	memory bool
}

func (d *dataFlags) add(fs *pflag.FlagSet, memory bool) {
	fs.StringVar(&d.path, "data", "", "the database file (default $XDG_STATE_HOME/billctl/sandbox.db)")
	if memory {
		fs.BoolVar(&d.memory, "memory", false, "keep everything in memory: nothing survives the process")
	}
}

// open opens the store the flags name and seeds the demo catalogue.
func (d *dataFlags) open(ctx context.Context, getenv func(string) string) (*sandbox.Store, error) {
	if d.memory && d.path != "" {
		return nil, cmdutil.FlagErrorf("--data and --memory cannot be used together")
	}
	path := d.path
	if !d.memory && path == "" {
		p, err := defaultPath(getenv)
		if err != nil {
			return nil, err
		}
		path = p
	}
	st, err := sandbox.Open(path)
	if err != nil {
		return nil, err
	}
	// Prepared as a server prepares it, so a session paid here emits the
	// events it would emit there.
	if err := st.Prepare(ctx, APIs()); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// defaultPath is sandbox.DefaultPathEnv, reading the environment through the
// factory so tests can set it.
func defaultPath(getenv func(string) string) (string, error) {
	return sandbox.DefaultPathEnv(getenv)
}

func newCmdMove(f *cmdutil.Factory, verb string) *cobra.Command {
	var data dataFlags
	cmd := &cobra.Command{
		Use:         verb + " ID",
		Short:       moveHelp[verb].short,
		Long:        strings.TrimSpace(moveHelp[verb].long),
		Example:     cmdutil.Example(moveHelp[verb].example),
		Annotations: map[string]string{cmdutil.ArgsAnnotation: "the checkout session ID"},
		Args:        cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := f.Context
			if ctx == nil {
				ctx = context.Background()
			}
			// With a server running, act through it on the store it serves
			// (paying as its page does, so its webhooks follow); --data
			// names a database, so act on that one.
			if data.path == "" {
				status, err := moveThroughServer(ctx, f, verb, args[0])
				if errors.Is(err, sandbox.ErrState) {
					return exitcode.New(exitcode.Failure, errors.New("sandbox: session "+args[0]+" is "+statusWord(args[0], "", status)+": only "+openWords(args[0], "")+" session can "+verb))
				}
				if !errors.Is(err, errNoServer) {
					if err != nil {
						return err
					}
					_, err = f.IO.Out.Write([]byte(args[0] + " " + statusWord(args[0], "", status) + "\n"))
					return err
				}
			}
			st, err := data.open(ctx, f.Getenv)
			if err != nil {
				return err
			}
			defer st.Close()
			move := st.Pay
			if verb == "expire" {
				move = st.Expire
			}
			ss, err := move(ctx, args[0])
			switch {
			case errors.Is(err, sandbox.ErrNotFound):
				return exitcode.New(exitcode.Failure, errors.New("sandbox: no session "+args[0]+" in "+where(st)))
			case errors.Is(err, sandbox.ErrState):
				return exitcode.New(exitcode.Failure, errors.New("sandbox: session "+args[0]+" is "+statusWord(ss.ID, ss.Provider, string(ss.Status))+": only "+openWords(ss.ID, ss.Provider)+" session can "+verb))
			case err != nil:
				return err
			}
			_, err = f.IO.Out.Write([]byte(ss.ID + " " + statusWord(ss.ID, ss.Provider, string(ss.Status)) + "\n"))
			return err
		},
	}
	data.add(cmd.Flags(), false)
	return cmd
}

// moveHelp is the help of pay and expire.
var moveHelp = map[string]struct{ short, long, example string }{
	"pay": {
		short: "The customer pays: the session completes",
		long: `
The customer pays, as the Pay button of the session's checkout page does:
a session not yet paid, cancelled or expired completes, and the webhook
events its API sends for a completed checkout are recorded, for sandbox
listen and serve --webhook-url to deliver. It prints the session's ID and
new status in its API's own word (COMPLETED, or COMPLETE where the API
says so), as checkout get shows it; a session in any other status is left
as it is (exit 1).

With a sandbox serve running it pays through that server, on the
database it serves; without one, or with --data, on the database itself.`,
		example: `
  # Create a session on the sandbox, then pay it
  id=$(billctl --sandbox checkout create --customer acme --plan-version plv_2zg9tUmeQMonp21OV6Rla1 -o id)
  billctl sandbox pay "$id"

  # Or pay as a customer does, on the session's page in a browser
  billctl --sandbox checkout get "$id" --open`,
	},
	"expire": {
		short: "The session expires now",
		long: `
The session expires now, as it would once its expiry time has passed: a
session not yet paid, cancelled or expired becomes EXPIRED, and its
checkout page no longer takes payment. It prints the session's ID and new status;
a session in any other status is left as it is (exit 1).

With a sandbox serve running it acts through that server, on the
database it serves; without one, or with --data, on the database itself.`,
		example: `
  # See how your app handles a customer who never paid
  id=$(billctl --sandbox checkout create --customer globex --plan-version plv_2zg9tUmeQMonp21OV6Rla1 -o id)
  billctl sandbox expire "$id"
  billctl --sandbox checkout get "$id" --jq .status`,
	},
}

func where(st *sandbox.Store) string {
	if st.Path() == "" {
		return "memory"
	}
	return st.Path()
}

func newCmdReset(f *cmdutil.Factory) *cobra.Command {
	var data dataFlags
	var secret bool
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Forget every session and event; re-seed the demo catalogue",
		Long: strings.TrimSpace(`
Forget every session, event and delivery, and re-seed the demo catalogue.
The webhook signing secret is kept, so receivers keep verifying; --secret
replaces it with a new one (sandbox listen prints it).

With a sandbox serve running it resets the database that server serves;
without one, or with --data, the database itself.`),
		Example: cmdutil.Example(`
  # Start a test run from the demo catalogue alone
  billctl sandbox reset

  # Also replace the webhook signing secret
  billctl sandbox reset --secret`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := f.Context
			if ctx == nil {
				ctx = context.Background()
			}
			also := ""
			if secret {
				also = "; a new signing secret (sandbox listen prints it)"
			}
			if data.path == "" {
				addr, err := resetThroughServer(ctx, f, secret)
				if !errors.Is(err, errNoServer) {
					if err != nil {
						return err
					}
					_, err = f.IO.Err.Write([]byte("sandbox: the server at " + addr + " reset: no sessions, demo catalogue re-seeded" + also + "\n"))
					return err
				}
			}
			st, err := data.open(ctx, f.Getenv)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Reset(ctx); err != nil {
				return err
			}
			if secret {
				s, err := st.SetSigningSecret(ctx, "")
				if err != nil {
					return err
				}
				also = "; new signing secret " + s
			}
			_, err = f.IO.Err.Write([]byte("sandbox: " + where(st) + " reset: no sessions, demo catalogue re-seeded" + also + "\n"))
			return err
		},
	}
	cmd.Flags().BoolVar(&secret, "secret", false, "also replace the webhook signing secret")
	data.add(cmd.Flags(), false)
	return cmd
}

// statusWord is a session's status in its provider's vocabulary, the one
// `checkout get` prints: the API's own word where it has one (the API
// named by provider, or when that is unknown the one whose IDs start the
// session's), else the sandbox's.
// openWords names the open states in the words of the session's API: "a
// CREATED or AWAITING_PAYMENT" on one, "a DRAFT or PENDING_PAYMENT" on
// another.
func openWords(id, provider string) string {
	return "a " + statusWord(id, provider, string(sandbox.Created)) + " or " + statusWord(id, provider, string(sandbox.AwaitingPayment))
}

func statusWord(id, provider, status string) string {
	for _, api := range APIs() {
		if api.Name == provider || (provider == "" && api.IDPrefix != "" && strings.HasPrefix(id, api.IDPrefix)) {
			if api.StatusName != nil {
				if w := api.StatusName(sandbox.Status(status)); w != "" {
					return w
				}
			}
			return status
		}
	}
	return status
}
