package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/safetext"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/endpoint"
)

// ServeOptions are the flags of `sandbox serve`.
type ServeOptions struct {
	Addr      string
	Data      dataFlags
	Latency   time.Duration
	FailRate  float64
	RateLimit int
	Webhooks  webhookFlags
	// Ready, when set, receives the server's base URL once it listens (tests).
	Ready func(baseURL string)
}

// NewCmdServe builds `billctl sandbox serve`; runF replaces the run (tests).
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve both APIs on loopback until interrupted",
		Example: cmdutil.Example(`
  # The sandbox on its default address, state in the default database
  billctl sandbox serve

  # For a test suite: nothing kept, slow and flaky on purpose
  billctl sandbox serve --memory --latency 200ms --fail-rate 0.1 --rate-limit 20

  # Send each payment's webhook to your app, signed with your secret
  billctl sandbox serve --webhook-url http://localhost:3000/webhooks --webhook-secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.FailRate < 0 || opts.FailRate > 1 {
				return cmdutil.FlagErrorf("--fail-rate %v: a fraction from 0 to 1", opts.FailRate)
			}
			if opts.RateLimit < 0 {
				return cmdutil.FlagErrorf("--rate-limit %d: requests per second, 0 for none", opts.RateLimit)
			}
			if opts.Latency < 0 {
				return cmdutil.FlagErrorf("--latency %v: must not be negative", opts.Latency)
			}
			if err := opts.Webhooks.check(); err != nil {
				return err
			}
			if err := sandbox.CheckAddr(opts.Addr); err != nil {
				return exitcode.New(exitcode.Usage, err)
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(f, opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Addr, "addr", endpoint.DefaultAddr, "address to listen on (loopback only)")
	opts.Data.add(fs, true)
	fs.DurationVar(&opts.Latency, "latency", 0, "wait this long before each API answer")
	fs.Float64Var(&opts.FailRate, "fail-rate", 0, "answer this fraction of API requests 503, without acting on them")
	fs.IntVar(&opts.RateLimit, "rate-limit", 0, "API requests allowed per second; beyond, 429 with Retry-After (0: no limit)")
	fs.StringVar(&opts.Webhooks.url, "webhook-url", "", "POST each completed session's subscription.created event here, retried with backoff")
	fs.StringVar(&opts.Webhooks.secret, "webhook-secret", "", "sign webhooks with this Standard Webhooks secret (whsec_…), kept in the database (default: the database's, made on first use)")
	return cmd
}

func serveRun(f *cmdutil.Factory, opts *ServeOptions) error {
	ctx := f.Context
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := opts.Data.open(ctx, f.Getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := sandbox.Listen(opts.Addr)
	if err != nil {
		if errors.Is(err, sandbox.ErrNotLoopback) {
			return exitcode.New(exitcode.Usage, err)
		}
		return fmt.Errorf("sandbox: %w", err)
	}
	base := "http://" + l.Addr().String()
	pages, waitWebhooks, err := checkoutPages(ctx, f, st, opts.Webhooks)
	if err != nil {
		l.Close()
		return err
	}
	defer waitWebhooks()
	srv, err := sandbox.New(ctx, sandbox.Options{
		Store: st, BaseURL: base, APIs: APIs(), Pages: withAdmin(st, pages),
		Latency: opts.Latency, FailRate: opts.FailRate, RateLimit: opts.RateLimit,
		Log: f.IO.Err,
	})
	if err != nil {
		l.Close()
		return err
	}
	data, listenable := listenData(opts.Data)
	printWelcome(f.IO.Err, base, where(st), opts.Addr, data, listenable)
	if opts.Ready != nil {
		opts.Ready(base)
	}
	return srv.Serve(ctx, l)
}

// listenData is what `sandbox listen` needs to read this server's events:
// nothing on the default database, --data on another; ok is false for
// --memory, whose events no other process can read.
func listenData(d dataFlags) (flag string, ok bool) {
	switch {
	case d.memory:
		return "", false
	case d.path == "":
		return "", true
	}
	return " --data " + shellWord(safetext.Line(d.path)), true
}

// shellWord quotes s for a POSIX shell when it holds anything but plain
// path characters.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@%,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printWelcome says where the sandbox is and gives commands to paste, with
// the demo catalogue's IDs, and how to see (and forward to an app) the
// events a payment emits.
func printWelcome(w io.Writer, base, db, addr, data string, listenable bool) {
	env := ""
	if addr != endpoint.DefaultAddr {
		env = "BILLCTL_SANDBOX_ADDR=" + strings.TrimPrefix(base, "http://") + " "
	}
	var names, tries, tenants []string
	for _, d := range registry.All() {
		if d.Sandbox == nil {
			continue
		}
		names = append(names, titleCase(d.Name))
		for _, ex := range d.SandboxExamples {
			tries = append(tries, "  "+env+"billctl --sandbox "+ex+"\n")
		}
		if d.Tenant != nil && d.SandboxTenant != "" {
			tenants = append(tenants, ", "+titleCase(d.Name)+" "+strings.TrimSuffix(d.Tenant.What, " ID")+" "+d.SandboxTenant)
		}
	}
	listen := "  billctl sandbox listen" + data + " --forward-to http://localhost:3000/webhooks\n" +
		"      (prints each event as it happens, and POSTs it signed to your app)\n"
	if !listenable {
		listen = "  (billctl sandbox listen --forward-to URL shows each event and forwards it to your\n" +
			"  app, but reads a database: serve with --data PATH, or without --memory, to use it)\n"
	}
	fmt.Fprintf(w, `billctl sandbox: %s on %s (database: %s)
Any "Authorization: Bearer <anything>" is accepted. Try, in another terminal:

%s  %sbillctl sandbox pay ID            (or open the session's checkout_url)

Each event a paid %s session emits, forwarded to your app:
%s
Other clients: base URL %s%s. Ctrl-C stops.
`, strings.Join(names, " and "), base, db, strings.Join(tries, ""), env, emitters(), listen, base, strings.Join(tenants, ""))
}

// titleCase is a provider's name as prose writes it.
func titleCase(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
