package checkout

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
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
--idempotency-key is given; in a batch, document N gets KEY-N).`),
		Example: cmdutil.Example(`
  # Meteroid, from flags
  billctl checkout create --provider meteroid --customer cus_1 --plan-version plv_1 --trial-days 14

  # Maple, from flags
  billctl checkout create --provider maple --company cmp_2MkGNwZq --customer cus_1 \
    --config-item product_pricing_id=pp_1,num_licenses=2 --term 12:MONTH

  # From a file, with one field overridden, printing only the URL
  billctl checkout create -f session.yaml --set expires_in_hours=48 -o url

  # A batch, one URL per line; safe to run again on Maple
  billctl checkout create -f customers.yaml --idempotency-key invites-2026-05 --parallel 16 -o url > links.txt

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
	registerCompletions(cmd, f)
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
	p, _, err := client(withPool(f, opts.Parallel), s, !opts.DryRun)
	if err != nil {
		return err
	}
	if opts.DryRun {
		var reqs []built
		_, single, err := opts.check(p, func(index int, body []byte) error {
			reqs = append(reqs, built{index: index, body: body, key: opts.key(index)})
			return nil
		})
		if err != nil {
			return err
		}
		return printDryRun(f, s, p, reqs, single)
	}
	var (
		lone []byte
		sp   *spool
	)
	defer func() {
		if sp != nil {
			sp.close()
		}
	}()
	total, single, err := opts.check(p, func(index int, body []byte) error {
		if index == 0 {
			lone = body
			return nil
		}
		if sp == nil {
			var err error
			if sp, err = newSpool(); err != nil {
				return err
			}
		}
		return sp.add(body)
	})
	if err != nil {
		return err
	}
	if opts.Open && !single {
		return cmdutil.FlagErrorf("--open works with a single session, not a batch")
	}
	if single {
		return sendOne(opts, s, p, lone)
	}
	return sendBatch(opts, s, p, sp, total)
}

func usesStdinToken(f *cmdutil.Factory) bool {
	tf, _ := f.Flags.GetString("token-file")
	return tf == "-"
}

// check reads every document and checks it completely before anything is
// sent, so that a mistake in document 900 leaves nothing half done, and
// lists every mistake found. Documents are read one at a time; each good
// body goes to keep (until a mistake is found: then nothing will be sent)
// and only the mistakes are held. total counts the documents; single is
// true for a lone document (from flags, or a file holding one object).
func (opts *CreateOptions) check(p provider.Provider, keep func(index int, body []byte) error) (total int, single bool, err error) {
	wire := reflect.TypeOf(p.NewRequest()).Elem()
	errs := &request.Errors{}
	// A flag or --set that is wrong for one document is often wrong for
	// all of them: it is listed once, not once per document, and without
	// a document number when every document has it.
	type flagErr struct {
		fe   *request.FieldError
		docs int
	}
	seen := map[string]*flagErr{}
	list := func(fe *request.FieldError, fromFlags bool) {
		if fromFlags {
			k := fe.Place + "\x00" + fe.Path + "\x00" + fe.Msg
			if e := seen[k]; e != nil {
				e.docs++
				return
			}
			seen[k] = &flagErr{fe: fe, docs: 1}
		}
		errs.List = append(errs.List, fe)
	}
	ctx := opts.F.Context
	if ctx == nil {
		ctx = context.Background()
	}
	one := func(d *request.Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		total++
		b, err := opts.buildOne(p, wire, d)
		var fe *request.Errors
		switch {
		case errors.As(err, &fe):
			for _, e := range fe.List {
				list(e, strings.HasPrefix(e.Place, "-"))
			}
			return nil
		case err != nil && d.Index > 0:
			// A flag that does not fit this document (--bank-account with
			// a file's other payment type): listed with the document.
			list(&request.FieldError{Doc: d.Index, Msg: err.Error()}, true)
			return nil
		case err != nil:
			return err
		}
		if len(errs.List) > 0 {
			return nil
		}
		return keep(d.Index, b)
	}
	single = true
	if opts.File == "" {
		if err := one(request.NewDoc()); err != nil {
			return 0, false, err
		}
	} else {
		r, name, closeFn, err := opts.open()
		if err != nil {
			return 0, false, err
		}
		defer closeFn()
		// Parsing the YAML and checking a parsed document each take one
		// core: a second goroutine checks document i while document i+1
		// is parsed. The channel's buffer bounds what is held at once.
		docs := make(chan *request.Doc, 64)
		checked := make(chan error, 1)
		var stop atomic.Bool
		go func() {
			var err error
			for d := range docs {
				if err == nil {
					if err = one(d); err != nil {
						stop.Store(true)
					}
				}
			}
			checked <- err
		}()
		// A spinner shows that a long check is under way; a short one
		// ends before it would appear.
		var spin *progress
		start, read := time.Now(), 0
		single, err = request.Read(r, name, func(d *request.Doc) error {
			if stop.Load() {
				return errStopped
			}
			read++
			if spin == nil && time.Since(start) > time.Second/2 {
				spin = newProgress(opts.F.IO, -1, "checking")
				spin.add(read - 1)
			}
			if spin != nil {
				spin.add(1)
			}
			docs <- d
			return nil
		})
		close(docs)
		cerr := <-checked
		if spin != nil {
			spin.done()
		}
		if cerr != nil {
			return 0, false, cerr
		}
		if err != nil {
			return 0, false, err
		}
	}
	for _, e := range seen {
		if e.docs == total {
			e.fe.Doc = 0
		}
	}
	if err := errs.Err(); err != nil {
		return 0, false, err
	}
	return total, single, nil
}

// errStopped ends reading once checking has failed; the checker's error
// is the one reported.
var errStopped = errors.New("stopped")

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
	return request.Marshal(req)
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
		return newKey()
	case index == 0:
		return opts.IdempotencyKey
	default:
		return fmt.Sprintf("%s-%d", opts.IdempotencyKey, index)
	}
}

// sendOne creates a lone session and prints it.
func sendOne(opts *CreateOptions, s *config.Settings, p provider.Provider, body []byte) error {
	f := opts.F
	sess, err := p.Create(f.Context, body, opts.key(0))
	if err != nil {
		return err
	}
	if err := printer(f, s).One(sess); err != nil {
		return err
	}
	if opts.Open {
		return openURL(f, sess)
	}
	return nil
}

// keyRand draws idempotency keys. A key must never repeat, not stay
// secret: a ChaCha8 stream seeded from the runtime's OS-seeded generator
// gives that without crypto/rand's first-use cost, a noticeable share of
// a command that runs for a few milliseconds.
var keyRand = sync.OnceValue(func() *rand.ChaCha8 {
	var seed [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(seed[i*8:], rand.Uint64())
	}
	return rand.NewChaCha8(seed)
})

var keyMu sync.Mutex

// newKey is a fresh random (version 4) UUID.
func newKey() string {
	keyMu.Lock()
	defer keyMu.Unlock()
	return uuid.Must(uuid.NewRandomFromReader(keyRand())).String()
}
