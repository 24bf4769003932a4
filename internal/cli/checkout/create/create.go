package create

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/prompt"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

// CreateOptions are the parsed flags of `checkout create` and what it
// needs, each as narrow as the command uses it: streams, the settings, the
// provider and HTTP clients as functions called when the run gets there.
type CreateOptions struct {
	IO      *output.IO
	Context context.Context // cancelled on Ctrl-C
	Getenv  func(string) string
	Browser cmdutil.Browser // nil: none known
	// Config resolves the settings (flag > environment > profile >
	// defaults), once.
	Config func() (*config.Settings, error)
	// Descriptor is the descriptor of the provider the settings name.
	Descriptor func() (*provider.Descriptor, error)
	// Provider builds the client of the provider of s, its connection
	// pool sized for pool requests in flight (httpx.Options.Pool).
	Provider func(s *config.Settings, pool int) (provider.Provider, error)
	// HTTPClient is the one HTTP stack for s, unpooled: the lookups of
	// the questions asked on a terminal.
	HTTPClient func(s *config.Settings) *httpx.Client
	// Lookups is where completion looks records up (nil: nowhere).
	Lookups func() *completion.Source
	// OutputGiven reports whether -o is on the command line; StdinToken
	// whether --token-file - reads the token from stdin.
	OutputGiven func() bool
	StdinToken  func() bool
	UserAgent   string

	File           string
	Sets           []string
	DryRun         bool
	IdempotencyKey string
	Open           bool
	Parallel       int
	FailFast       bool
	NoInput        bool
	// Rows is a sheet (CSV, TSV): one session per row, built on File.
	Rows string
	// Journal is the batch journal's file (default: one per batch under
	// $XDG_STATE_HOME/billctl/batches); Restart ignores any.
	Journal string
	Restart bool

	// source names the batch's input, for its journal.
	source string

	flags  *flagValues
	format *shared.FormatFlags
	wait   *shared.WaitFlags
}

// fromFactory takes what create needs from the factory f.
func fromFactory(f *cmdutil.Factory) *CreateOptions {
	return &CreateOptions{
		IO:         f.IO,
		Context:    f.Context,
		Getenv:     f.Getenv,
		Browser:    f.Browser,
		Config:     f.Settings,
		Descriptor: f.Descriptor,
		Provider:   f.PooledProvider,
		HTTPClient: f.HTTP,
		Lookups:    f.LookupSource,
		OutputGiven: func() bool {
			o := f.Flags.Lookup("output")
			return o != nil && o.Changed
		},
		StdinToken: func() bool {
			tf, _ := f.Flags.GetString("token-file")
			return tf == "-"
		},
		UserAgent: f.UserAgent(),
	}
}

// NewCmdCreate builds `billctl checkout create`, taking from f only what
// CreateOptions names. runF replaces the run function in tests that check
// flag parsing alone.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := fromFactory(f)
	cmd := &cobra.Command{
		Use:   "create [flags]",
		Short: "Create a checkout session, or one per document of a file",
		Long: strings.TrimSpace(`
Create a checkout session on the active provider.

The request is built in this order, later wins: the document from -f (YAML
or JSON in the provider's own field names, - for stdin), then the dedicated
flags, then --set. Every field is checked before anything is sent: unknown
fields, types, enum values, dates, decimals, required fields. Errors name
the file and line, or the flag.

A file with several YAML documents (---) or a JSON array creates one session
per document (a batch); the flags and --set apply to every document. Every
document is checked before the first is sent. --parallel requests are in
flight at once; results print in input order, a failed document in its
place (an empty line with -o id or url), and stderr ends with a summary
("created 998 of 1000, 2 failed"). The exit status is 1 if any document
failed. --fail-fast stops sending at the first failure; Ctrl-C stops
sending, lets the requests in flight finish, prints what was created and
exits 130. On a terminal, stderr shows a progress bar.

--set PATH=VALUE reaches any field by dotted path with list indexes; the
value is read as the field's type, and objects and lists take JSON:
  --set components.remove_components[0]=price_1
  --set 'options={"redirect_url":"https://example.com"}'

Each create is sent with an Idempotency-Key (a fresh UUID unless
--idempotency-key is given; in a batch, document N gets KEY-N).

--rows FILE creates one session per row of a sheet (CSV, or TSV for .tsv;
- for stdin), as spreadsheet programs export it. The header names fields
as --set paths (customer_id, metadata.crm_id, add_ons[0].add_on_id); each
row is built on the -f document, then the flags and --set, then the row's
non-empty cells, read as the fields' types. Errors name FILE:ROW:COLUMN,
rows counted from 1 after the header; row N gets KEY-N. With -o csv each
line is the row followed by id, status, url and error, ready to paste back.

On a terminal, a create from flags that lacks only required fields asks
for them from lists read from the account, offers the common options,
shows the request and asks to confirm before sending. It never asks with
--no-input, BILLCTL_NO_INPUT=1 or CI set, or when stdin or stdout is not a
terminal. BILLCTL_ACCESSIBLE=1 asks with plain numbered prompts.`),
		Example: shared.ProviderExamples("checkout create", "%s, from flags") + "\n\n" + cmdutil.Example(`

  # From a file, with one field overridden, printing only the URL
  billctl checkout create -f session.yaml --set expires_in_hours=48 -o url

  # A batch, one URL per line; with --idempotency-key, safe to run again
  # where the provider replays keys
  billctl checkout create -f customers.yaml --idempotency-key invites-2026-05 --parallel 16 -o url > links.txt

  # What would be sent, as a curl command
  billctl checkout create -f session.yaml --dry-run -o curl

  # One session per row of a sheet, and the sheet back with the links
  billctl checkout create --rows customers.csv -f base.yaml -o csv > links.csv`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.wait.Check(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.File, "file", "f", "", "request document(s), YAML or JSON (- for stdin)")
	fl.StringArrayVar(&opts.Sets, "set", nil, "set any field: PATH=VALUE (repeatable; later wins)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the request that would be sent (-o json or -o curl for machines); send nothing")
	fl.StringVar(&opts.IdempotencyKey, "idempotency-key", "", "Idempotency-Key to send (default: a fresh UUID; document N of a batch gets KEY-N)")
	fl.BoolVar(&opts.Open, "open", false, "open the checkout URL in the browser")
	fl.IntVar(&opts.Parallel, "parallel", 4, "requests in flight at once in a batch")
	fl.BoolVar(&opts.FailFast, "fail-fast", false, "stop a batch at its first failure")
	fl.StringVar(&opts.Rows, "rows", "", "one session per row of a sheet, CSV or TSV (- for stdin); -f is the base of every row")
	fl.StringVar(&opts.Journal, "journal", "", "the batch's journal, which a rerun resumes from (default: under $XDG_STATE_HOME/billctl/batches)")
	fl.BoolVar(&opts.Restart, "restart", false, "send a batch as new, ignoring its journal")
	fl.BoolVar(&opts.NoInput, "no-input", false, "never ask on a terminal for missing fields (so do BILLCTL_NO_INPUT=1 and CI)")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml", "json")
	_ = cmd.MarkFlagFilename("rows", "csv", "tsv")
	opts.format = shared.AddFormatFlags(cmd, func() []string {
		d, _ := opts.descriptor()
		return shared.SessionFields(d)
	})
	opts.wait = shared.AddWaitFlags(cmd)
	opts.flags = addRequestFlags(cmd)
	registerCompletions(cmd, opts.lookups, opts.flags.defs)
	return cmd
}

func createRun(opts *CreateOptions) error {
	s, d, given, err := opts.check()
	if err != nil {
		return err
	}
	// The client of the checks and of a lone create; a batch's, with its
	// pool, is built once the check has found a batch.
	p, err := opts.Provider(s, 0)
	if err != nil {
		return err
	}
	// On a terminal, what is missing is asked for rather than refused.
	var pr *prompt.Prompter
	if opts.mayAsk() && onlyMissing(&engine.Builder{Provider: p, Defs: opts.flags.defs, Flags: given, Sets: opts.Sets}) {
		if given, pr, err = opts.ask(s, d, p, given); err != nil {
			return err
		}
	}
	job := engine.Job{
		Builder:   &engine.Builder{Provider: p, Defs: opts.flags.defs, Flags: given, Sets: opts.Sets},
		DryRun:    opts.DryRun,
		KeyPrefix: opts.IdempotencyKey,
		Progress:  &lazyProgress{streams: opts.IO},
	}
	if opts.File != "" {
		r, name, closeFn, err := opts.open()
		if err != nil {
			return err
		}
		defer closeFn()
		job.In = engine.Input{R: r, Name: name}
		opts.source = name // a batch's journal names its input
	}
	if opts.Rows != "" {
		job.Rows = &engine.Sheet{Open: opts.openRows, TSV: rows.IsTSV(opts.Rows), Cells: output.KeepsRows(s.Output)}
	}
	return engine.Create(opts.Context, job, engine.Runs{
		DryRun: func(reqs []engine.Planned, single bool) error {
			return printDryRun(opts, s, p, reqs, single)
		},
		One: func(req provider.Request, key string) error {
			return sendOne(opts, s, d, p, req, key, pr)
		},
		Batch: func(b *engine.Checked) error {
			if opts.Open {
				return cmdutil.FlagErrorf("--open works with a single session, not a batch")
			}
			return sendBatch(opts, s, d, b)
		},
	})
}

// check is every check of the settings and flags, made once, in this
// order, before a token is needed or a file is read: a mistake is exit 2
// with nothing sent. It returns the settings, -o and --jq applied, the
// active provider's descriptor and the request flags given.
func (opts *CreateOptions) check() (*config.Settings, *provider.Descriptor, []engine.Given, error) {
	s, err := opts.Config()
	if err != nil {
		return nil, nil, nil, err
	}
	d, _ := opts.Descriptor() // nil for a provider no one knows: s.Check says so
	if !opts.DryRun {
		if err := opts.format.Resolve(opts.OutputGiven(), s, d); err != nil {
			return nil, nil, nil, err
		}
	}
	if err := shared.CheckFormat(s.Output, opts.DryRun); err != nil {
		return nil, nil, nil, err
	}
	if opts.File == "-" && opts.StdinToken() {
		return nil, nil, nil, cmdutil.FlagErrorf("-f - and --token-file - both read stdin: give one of them a file")
	}
	if opts.DryRun && opts.format.Shapes() {
		return nil, nil, nil, cmdutil.FlagErrorf("--jq and --columns shape what the API answers: a --dry-run sends nothing")
	}
	if opts.Rows != "" {
		switch {
		case opts.Rows == "-" && opts.File == "-":
			return nil, nil, nil, cmdutil.FlagErrorf("--rows - and -f - both read stdin: give one of them a file")
		case opts.Rows == "-" && opts.StdinToken():
			return nil, nil, nil, cmdutil.FlagErrorf("--rows - and --token-file - both read stdin: give one of them a file")
		case opts.Open:
			return nil, nil, nil, cmdutil.FlagErrorf("--open works with a single session, not with --rows")
		}
	}
	if opts.Parallel < 1 {
		return nil, nil, nil, cmdutil.FlagErrorf("--parallel must be at least 1")
	}
	if opts.wait.On() && (opts.DryRun || opts.Rows != "") {
		return nil, nil, nil, cmdutil.FlagErrorf("--wait waits for sessions created from flags or -f; not with --dry-run or --rows")
	}
	if err := s.Check(); err != nil {
		return nil, nil, nil, err
	}
	given := opts.flags.given()
	if err := engine.CheckFlags(given, s.Provider); err != nil {
		return nil, nil, nil, err
	}
	if opts.wait.On() && d != nil {
		// Waiting reads the session back: refused before a token is
		// needed where the provider cannot (d is known: s.Check passed).
		if err := shared.Getting.Refuse(d); err != nil {
			return nil, nil, nil, err
		}
	}
	if !opts.DryRun {
		if err := s.RequireToken(); err != nil {
			return nil, nil, nil, err
		}
	}
	return s, d, given, nil
}

func (opts *CreateOptions) descriptor() (*provider.Descriptor, error) {
	if opts.Descriptor == nil {
		return nil, nil
	}
	return opts.Descriptor()
}

func (opts *CreateOptions) lookups() *completion.Source {
	if opts.Lookups == nil {
		return nil
	}
	return opts.Lookups()
}

func (opts *CreateOptions) open() (io.Reader, string, func(), error) {
	if opts.File == "-" {
		return request.Stdin(opts.IO.In, opts.IO.Err, opts.IO.StdinTTY), "<stdin>", func() {}, nil
	}
	fh, err := os.Open(opts.File)
	if err != nil {
		return nil, "", nil, cmdutil.FlagErrorf("-f: %v", unwrapPathError(err))
	}
	return fh, opts.File, func() { fh.Close() }, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// key is the Idempotency-Key of document index (0 = a lone document).
func (opts *CreateOptions) key(index int) string {
	return engine.Key(opts.IdempotencyKey, index)
}

// printer prints results the way the settings ask, in d's words, with
// --columns and --jq.
func (opts *CreateOptions) printer(s *config.Settings, d *provider.Descriptor) *output.Printer {
	return opts.format.On(opts.Context, shared.Printer(opts.IO, s, d))
}

// openURL opens sess's page in the browser, or says why not; d reads its
// status.
func (opts *CreateOptions) openURL(s *config.Settings, d *provider.Descriptor, sess *provider.Session) error {
	return shared.OpenURL(opts.IO, opts.Browser, shared.ProviderName(s), shared.Vocabulary(d), sess)
}

// sendOne creates a lone session with Idempotency-Key key and prints it.
// pr, when the fields were asked for, offers to open the session's page.
func sendOne(opts *CreateOptions, s *config.Settings, d *provider.Descriptor, p provider.Provider, req provider.Request, key string, pr *prompt.Prompter) error {
	sess, err := p.Create(opts.Context, req, key)
	if err != nil {
		return err
	}
	if sess.Replayed {
		fmt.Fprintf(opts.IO.Err, "%s: Idempotency-Key %q was used before: this is the session created then, not a new one\n", p.Name(), key)
	}
	if opts.wait.On() {
		if opts.Open {
			if err := opts.openURL(s, d, sess); err != nil {
				return err
			}
		}
		return shared.WaitOne(opts.Context, opts.IO, opts.Getenv, shared.NewWaiter(p, shared.Vocabulary(d), s, opts.wait), opts.printer(s, d), sess)
	}
	if err := opts.printer(s, d).One(sess); err != nil {
		return err
	}
	if opts.Open {
		return opts.openURL(s, d, sess)
	}
	if pr != nil {
		return offerOpen(opts, s, d, pr, sess)
	}
	return nil
}

// openRows opens the sheet of --rows, which names the batch's input.
func (opts *CreateOptions) openRows() (io.Reader, string, func(), error) {
	if opts.Rows == "-" {
		opts.source = "<stdin>"
		return request.Stdin(opts.IO.In, opts.IO.Err, opts.IO.StdinTTY), "<stdin>", func() {}, nil
	}
	fh, err := os.Open(opts.Rows)
	if err != nil {
		return nil, "", nil, cmdutil.FlagErrorf("--rows: %v", unwrapPathError(err))
	}
	opts.source = opts.Rows
	return fh, opts.Rows, func() { fh.Close() }, nil
}
