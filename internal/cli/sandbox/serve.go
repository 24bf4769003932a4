package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
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
	// Token is the one bearer token the APIs take (--token or
	// BILLCTL_SANDBOX_TOKEN); required off loopback.
	Token string
	// PublicURL is the base of the page URLs when the server is reached
	// under another name than it binds (a service container).
	PublicURL string
	// LogFormat is text or json: one line per request on stderr.
	LogFormat string
	// StopTimeout bounds the wait for requests in flight on a stop.
	StopTimeout time.Duration
	// Ready, when set, receives the server's base URL once it listens (tests).
	Ready func(baseURL string)
}

// NewCmdServe builds `billctl sandbox serve`; runF replaces the run (tests).
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve both APIs until interrupted",
		Long: strings.TrimSpace(`
Serve both APIs, their checkout pages and /healthz and /readyz until
SIGINT or SIGTERM. On loopback any bearer token is taken. Another address
(a container's 0.0.0.0) needs --token T (or BILLCTL_SANDBOX_TOKEN), and
then only "Authorization: Bearer T" is; each session's page URL carries a
key of its own, so a browser opens it without the token.

A stop finishes the requests in flight (those that come after it are
answered 503, unprocessed, so clients retry them), keeps undelivered
webhooks in the database for the next start, checkpoints the database and
exits 0; a second signal exits at once. One line per request goes to
stderr (--log-format text or json); the token is never logged.`),
		Example: cmdutil.Example(`
  # The sandbox on its default address, state in the default database
  billctl sandbox serve

  # For a test suite: nothing kept, slow and flaky on purpose
  billctl sandbox serve --memory --latency 200ms --fail-rate 0.1 --rate-limit 20

  # Send each payment's webhook to your app, signed with your secret
  billctl sandbox serve --webhook-url http://localhost:3000/webhooks --webhook-secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

  # As a CI service: every interface, a token, pages under the service's name
  BILLCTL_SANDBOX_TOKEN=sk_ci_7Qm2 billctl sandbox serve --addr 0.0.0.0:12111 \
    --data /data/sandbox.db --public-url http://sandbox:12111 --log-format json`),
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
			if opts.Token == "" {
				opts.Token = f.Getenv(endpoint.TokenEnv)
			}
			if opts.Token != "" {
				// Never printed, whatever prints it (an error quoting a flag).
				f.IO.Mask(opts.Token)
				if strings.TrimSpace(opts.Token) != opts.Token || strings.ContainsAny(opts.Token, " \t\r\n") {
					return cmdutil.FlagErrorf("--token: a bearer token has no spaces")
				}
			}
			if opts.LogFormat != "text" && opts.LogFormat != "json" {
				return cmdutil.FlagErrorf("--log-format %q: text or json", opts.LogFormat)
			}
			if opts.PublicURL != "" {
				u, err := checkPublicURL(opts.PublicURL)
				if err != nil {
					return cmdutil.FlagErrorf("--public-url %q: %v", opts.PublicURL, err)
				}
				opts.PublicURL = u
			}
			if err := sandbox.CheckAddr(opts.Addr, opts.Token != ""); err != nil {
				return exitcode.New(exitcode.Usage, err)
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(f, opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Addr, "addr", endpoint.DefaultAddr, "address to listen on (another host than loopback needs --token)")
	fs.StringVar(&opts.Token, "token", "", "the one bearer token the APIs take (default $BILLCTL_SANDBOX_TOKEN); required off loopback")
	fs.StringVar(&opts.PublicURL, "public-url", "", "base of the checkout page URLs, when clients reach the server under another name (http://sandbox:12111)")
	fs.StringVar(&opts.LogFormat, "log-format", "text", "one line per request on stderr: text or json")
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
	l, err := sandbox.Listen(opts.Addr, opts.Token != "")
	if err != nil {
		if errors.Is(err, sandbox.ErrNotLoopback) {
			return exitcode.New(exitcode.Usage, err)
		}
		return fmt.Errorf("sandbox: %w", err)
	}
	base := "http://" + l.Addr().String()
	if opts.PublicURL != "" {
		base = opts.PublicURL
	}
	secret, err := st.PageSecret(ctx)
	if err != nil {
		l.Close()
		return err
	}
	log := newLogger(f.IO.Err, opts.LogFormat)
	// On a stop the webhooks start no new attempt: what is queued, or
	// queued by a payment answered while the server drains, stays in the
	// database for the next start.
	pages, waitWebhooks, err := checkoutPages(ctx, f, st, opts.Webhooks, pageOptions{log: log, secret: secret, token: opts.Token})
	if err != nil {
		l.Close()
		return err
	}
	so := sandbox.Options{
		Store: st, BaseURL: base, APIs: APIs(), Pages: withAdmin(st, opts.Token, pages),
		Latency: opts.Latency, FailRate: opts.FailRate, RateLimit: opts.RateLimit,
		Logger: log, Token: opts.Token, Version: f.Build.Version, StopTimeout: opts.StopTimeout,
	}
	if opts.Token != "" {
		so.PageSecret = secret
	}
	srv, err := sandbox.New(ctx, so)
	if err != nil {
		l.Close()
		return err
	}
	data, listenable := listenData(opts.Data)
	printWelcome(f.IO.Err, base, where(st), opts.Addr, data, listenable, opts.Token != "")
	if opts.Ready != nil {
		opts.Ready(base)
	}
	finished := make(chan struct{})
	defer close(finished)
	go exitOnSecondSignal(ctx, finished, f.IO.Err)
	err = srv.Serve(ctx, l)
	waitWebhooks()
	if cerr := st.Checkpoint(context.Background()); cerr != nil {
		log.Warn("stopping", "error", cerr.Error())
	}
	if err != nil {
		return err
	}
	log.Info("stopped", "database", where(st))
	return nil
}

// exitOnSecondSignal ends the process at once when a signal comes while
// the server is stopping after the first.
func exitOnSecondSignal(ctx context.Context, finished <-chan struct{}, stderr io.Writer) {
	select {
	case <-ctx.Done():
	case <-finished:
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(c)
	select {
	case <-c:
		fmt.Fprintln(stderr, "sandbox: second signal: exiting now")
		os.Exit(exitcode.Interrupted)
	case <-finished:
	}
}

// newLogger is the server's log: one record per request and per webhook
// attempt, on w, as text (logfmt) or JSON lines.
func newLogger(w io.Writer, logFormat string) *slog.Logger {
	if logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// checkPublicURL accepts an absolute http(s) URL without query or
// fragment and returns it without a trailing slash.
func checkPublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("want an http:// or https:// URL such as http://sandbox:12111")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("want a base URL alone, without user, query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
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
func printWelcome(w io.Writer, base, db, addr, data string, listenable, token bool) {
	env := ""
	if addr != endpoint.DefaultAddr {
		env = "BILLCTL_SANDBOX_ADDR=" + hostPort(base) + " "
	}
	if token {
		env += endpoint.TokenEnv + "=… "
	}
	auth := `Any "Authorization: Bearer <anything>" is accepted.`
	if token {
		auth = `API requests must send "Authorization: Bearer <the token>"; page URLs carry their own key.`
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
%s Try, in another terminal:

%s  %sbillctl sandbox pay ID            (or open the session's checkout_url)

Each event a paid %s session emits, forwarded to your app:
%s
Other clients: base URL %s%s. Ctrl-C stops.
`, strings.Join(names, " and "), base, db, auth, strings.Join(tries, ""), env, emitters(), listen, base, strings.Join(tenants, ""))
}

// titleCase is a provider's name as prose writes it.
func titleCase(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// hostPort is the host:port of base URL, as BILLCTL_SANDBOX_ADDR takes it.
func hostPort(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return strings.TrimPrefix(base, "http://")
	}
	if u.Port() == "" {
		if u.Scheme == "https" {
			return u.Host + ":443"
		}
		return u.Host + ":80"
	}
	return u.Host
}
