package checkout

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/prompt"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// CreateOptions are the parsed flags and dependencies of `checkout create`.
type CreateOptions struct {
	F *cmdutil.Factory

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
	format *formatFlags
	wait   *waitFlags
}

// NewCmdCreate builds `billctl checkout create`. runF replaces the run
// function in tests that check flag parsing alone.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{F: f}
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
		Example: providerExamples("checkout create", "%s, from flags") + "\n\n" + cmdutil.Example(`

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
			if err := opts.wait.check(cmd); err != nil {
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
	opts.format = addFormatFlags(cmd, f)
	opts.wait = addWaitFlags(cmd)
	opts.flags = addRequestFlags(cmd)
	registerCompletions(cmd, f, opts.flags.defs)
	return cmd
}

// built is one document turned into a request body.
type built struct {
	index int // from 1 in a batch, 0 for a lone document
	body  []byte
	key   string
}

func createRun(opts *CreateOptions) error {
	f := opts.F
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if !opts.DryRun {
		if err := opts.format.resolve(f, s); err != nil {
			return err
		}
	}
	if err := checkFormat(s.Output, opts.DryRun); err != nil {
		return err
	}
	if opts.File == "-" && usesStdinToken(f) {
		return cmdutil.FlagErrorf("-f - and --token-file - both read stdin: give one of them a file")
	}
	if err := opts.checkRowsFlags(); err != nil {
		return err
	}
	if opts.Parallel < 1 {
		return cmdutil.FlagErrorf("--parallel must be at least 1")
	}
	if opts.wait != nil && opts.wait.on && (opts.DryRun || opts.Rows != "") {
		return cmdutil.FlagErrorf("--wait waits for sessions created from flags or -f; not with --dry-run or --rows")
	}
	if err := s.Check(); err != nil {
		return err
	}
	given := opts.flags.given()
	if err := engine.CheckFlags(given, s.Provider); err != nil {
		return err
	}
	if opts.wait != nil && opts.wait.on {
		// Waiting reads the session back: refused before a token is
		// needed where the provider cannot.
		d, err := f.Descriptor()
		if err != nil {
			return err
		}
		if err := getting.refuse(d); err != nil {
			return err
		}
	}
	p, err := pooledClient(f, s, !opts.DryRun, opts.Parallel)
	if err != nil {
		return err
	}
	// On a terminal, what is missing is asked for rather than refused.
	var pr *prompt.Prompter
	if opts.mayAsk() && onlyMissing(&engine.Builder{Provider: p, Defs: opts.flags.defs, Flags: given, Sets: opts.Sets}) {
		if given, pr, err = opts.ask(s, p, given); err != nil {
			return err
		}
	}
	b := &engine.Builder{Provider: p, Defs: opts.flags.defs, Flags: given, Sets: opts.Sets}
	if opts.Rows != "" {
		return createRows(opts, s, p, b)
	}
	in := engine.Input{}
	if opts.File != "" {
		r, name, closeFn, err := opts.open()
		if err != nil {
			return err
		}
		defer closeFn()
		in = engine.Input{R: r, Name: name}
		opts.source = name
	}
	spin := &lazyProgress{streams: f.IO}
	if opts.DryRun {
		var reqs []built
		_, single, err := engine.Check(f.Context, b, in, spin, func(index int, req provider.Request) error {
			reqs = append(reqs, built{index: index, body: req.Body, key: opts.key(index)})
			return nil
		})
		if err != nil {
			return err
		}
		return printDryRun(f, s, p, reqs, single)
	}
	var (
		lone provider.Request
		sp   *engine.Spool
	)
	defer func() {
		if sp != nil {
			sp.Close()
		}
	}()
	total, single, err := engine.Check(f.Context, b, in, spin, func(index int, req provider.Request) error {
		if index == 0 {
			lone = req
			return nil
		}
		if sp == nil {
			var err error
			if sp, err = engine.NewSpool(); err != nil {
				return err
			}
		}
		return sp.Add(req)
	})
	if err != nil {
		return err
	}
	if opts.Open && !single {
		return cmdutil.FlagErrorf("--open works with a single session, not a batch")
	}
	if single {
		return sendOne(opts, s, p, lone, pr)
	}
	if opts.wait != nil && opts.wait.on {
		return sendBatchWait(opts, s, p, sp, total)
	}
	return sendBatch(opts, s, p, sp, total)
}

func usesStdinToken(f *cmdutil.Factory) bool {
	tf, _ := f.Flags.GetString("token-file")
	return tf == "-"
}

func (opts *CreateOptions) open() (io.Reader, string, func(), error) {
	if opts.File == "-" {
		return request.Stdin(opts.F.IO.In, opts.F.IO.Err, opts.F.IO.StdinTTY), "<stdin>", func() {}, nil
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

// sendOne creates a lone session and prints it. pr, when the fields were
// asked for, offers to open the session's page.
func sendOne(opts *CreateOptions, s *config.Settings, p provider.Provider, req provider.Request, pr *prompt.Prompter) error {
	f := opts.F
	sess, err := p.Create(f.Context, req, opts.key(0))
	if err != nil {
		return err
	}
	if sess.Replayed {
		fmt.Fprintf(f.IO.Err, "%s: Idempotency-Key %q was used before: this is the session created then, not a new one\n", p.Name(), opts.key(0))
	}
	if opts.wait != nil && opts.wait.on {
		if opts.Open {
			if err := openURL(f, sess); err != nil {
				return err
			}
		}
		return waitOne(f, s, p, opts.wait, opts.format, sess)
	}
	if err := opts.format.on(f, printer(f, s)).One(sess); err != nil {
		return err
	}
	if opts.Open {
		return openURL(f, sess)
	}
	if pr != nil {
		return offerOpen(f, pr, sess)
	}
	return nil
}
