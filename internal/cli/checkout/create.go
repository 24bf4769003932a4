package checkout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
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

	flags *flagValues
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
per document (a batch).

--set PATH=VALUE reaches any field by dotted path with list indexes; the
value is read as the field's type, and objects and lists take JSON:
  --set components.remove_components[0]=price_1
  --set 'options={"redirect_url":"https://example.com"}'

Each create is sent with an Idempotency-Key (a fresh UUID unless
--idempotency-key is given; in a batch, document N gets KEY-N).`),
		Example: strings.TrimSpace(`
  # Meteroid, from flags
  billctl checkout create --provider meteroid --customer cus_1 --plan-version plv_1 --trial-days 14

  # Maple, from flags
  billctl checkout create --provider maple --company cmp_2MkGNwZq --customer cus_1 \
    --config-item product_pricing_id=pp_1,num_licenses=2 --term 12:MONTH

  # From a file, with one field overridden, printing only the URL
  billctl checkout create -f session.yaml --set expires_in_hours=48 -o url

  # What would be sent, as a curl command
  billctl checkout create -f session.yaml --dry-run -o curl`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	_ = cmd.MarkFlagFilename("file", "yaml", "yml", "json")
	opts.flags = addRequestFlags(cmd)
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
	if opts.DryRun {
		if err := checkFormat(s.Output, "curl"); err != nil {
			return err
		}
	} else if err := checkFormat(s.Output); err != nil {
		return err
	}
	if opts.File == "-" && usesStdinToken(f) {
		return cmdutil.FlagErrorf("-f - and --token-file - both read stdin: give one of them a file")
	}
	if opts.Parallel < 1 {
		return cmdutil.FlagErrorf("--parallel must be at least 1")
	}
	if err := s.Check(); err != nil {
		return err
	}
	if err := opts.flags.check(s.Provider); err != nil {
		return err
	}
	p, _, err := client(f, s, !opts.DryRun)
	if err != nil {
		return err
	}
	reqs, single, err := opts.build(p)
	if err != nil {
		return err
	}
	if opts.Open && !single {
		return cmdutil.FlagErrorf("--open works with a single session, not a batch")
	}
	if opts.DryRun {
		return printDryRun(f, s, p, reqs, single)
	}
	return send(opts, s, p, reqs, single)
}

func usesStdinToken(f *cmdutil.Factory) bool {
	tf, _ := f.Flags.GetString("token-file")
	return tf == "-"
}

// build reads every document and checks it completely before anything is
// sent, so a mistake in the last document leaves nothing half done.
func (opts *CreateOptions) build(p provider.Provider) ([]built, bool, error) {
	wire := reflect.TypeOf(p.NewRequest()).Elem()
	errs := &request.Errors{}
	var out []built
	one := func(d *request.Doc) error {
		b, err := opts.buildOne(p, wire, d)
		var fe *request.Errors
		switch {
		case errors.As(err, &fe):
			errs.List = append(errs.List, fe.List...)
			return nil
		case err != nil:
			return err
		}
		out = append(out, built{index: d.Index, body: b})
		return nil
	}
	single := true
	if opts.File == "" {
		if err := one(request.NewDoc()); err != nil {
			return nil, false, err
		}
	} else {
		r, name, closeFn, err := opts.open()
		if err != nil {
			return nil, false, err
		}
		defer closeFn()
		single, err = request.Read(r, name, one)
		if err != nil {
			return nil, false, err
		}
	}
	if err := errs.Err(); err != nil {
		return nil, false, err
	}
	for i := range out {
		out[i].key = opts.key(out[i].index)
	}
	return out, single, nil
}

func (opts *CreateOptions) open() (io.Reader, string, func(), error) {
	if opts.File == "-" {
		return opts.F.IO.In, "<stdin>", func() {}, nil
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

// buildOne applies flags and --set to one document, fills the provider's
// defaults, checks it against the wire type and returns the JSON body.
func (opts *CreateOptions) buildOne(p provider.Provider, wire reflect.Type, d *request.Doc) ([]byte, error) {
	if err := opts.flags.apply(d, wire, p.Name()); err != nil {
		return nil, err
	}
	for _, kv := range opts.Sets {
		path, val, ok := strings.Cut(kv, "=")
		if !ok || path == "" {
			return nil, cmdutil.FlagErrorf("--set %q: expected PATH=VALUE", kv)
		}
		if err := d.Set(wire, path, val, "--set "+path); err != nil {
			return nil, err
		}
	}
	p.Prepare(d)
	req := p.NewRequest()
	if err := request.Decode(d, req); err != nil {
		return nil, withHints(err, opts.flags)
	}
	return json.Marshal(req)
}

// withHints adds to "required field missing" errors the flag that sets
// the field, when there is one.
func withHints(err error, fv *flagValues) error {
	var errs *request.Errors
	if !errors.As(err, &errs) {
		return err
	}
	for _, fe := range errs.List {
		if fe.Msg != "required field missing" {
			continue
		}
		for _, d := range fv.defs {
			if d.path == fe.Path {
				fe.Msg += fmt.Sprintf(" (give it with --%s or in the file)", d.name)
			}
		}
	}
	return err
}

// key is the Idempotency-Key of document index (0 = a lone document).
func (opts *CreateOptions) key(index int) string {
	switch {
	case opts.IdempotencyKey == "":
		return uuid.NewString()
	case index == 0:
		return opts.IdempotencyKey
	default:
		return fmt.Sprintf("%s-%d", opts.IdempotencyKey, index)
	}
}

// send creates the sessions and prints them.
func send(opts *CreateOptions, s *config.Settings, p provider.Provider, reqs []built, single bool) error {
	f := opts.F
	pr := printer(f, s)
	if single {
		sess, err := p.Create(f.Context, reqs[0].body, reqs[0].key)
		if err != nil {
			return err
		}
		if err := pr.One(sess); err != nil {
			return err
		}
		if opts.Open {
			return openURL(f, sess)
		}
		return nil
	}
	items := make([]output.Item, len(reqs))
	failed := 0
	for i, r := range reqs {
		sess, err := p.Create(f.Context, r.body, r.key)
		items[i] = output.Item{Index: r.index, Session: sess, Err: err}
		if err != nil {
			failed++
			fmt.Fprintf(f.IO.Err, "document %d: %v\n", r.index, err)
			if opts.FailFast {
				items = items[:i+1]
				break
			}
		}
	}
	if err := pr.Many(items); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Err, "created %d of %d, %d failed\n", len(items)-failed, len(reqs), failed)
	if failed > 0 {
		return batchFailed(failed)
	}
	return nil
}

type batchError int

func (e batchError) Error() string { return fmt.Sprintf("%d document(s) failed", int(e)) }
func (e batchError) ExitCode() int { return 1 }

func batchFailed(n int) error { return batchError(n) }

// openURL opens a session's checkout page, or says why there is none.
func openURL(f *cmdutil.Factory, s *provider.Session) error {
	if s.URL == "" {
		fmt.Fprintf(f.IO.Err, "session %s has no checkout URL to open\n", s.ID)
		return nil
	}
	if f.Browser == nil {
		fmt.Fprintf(f.IO.Err, "open %s in your browser\n", s.URL)
		return nil
	}
	return f.Browser.Open(s.URL)
}
