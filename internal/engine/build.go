// Package engine does the work of `checkout create` without the command
// line: it builds request bodies from documents, flags and --set, checks a
// stream of documents before anything is sent, and sends a batch with
// workers, reporting results in input order. Commands call it; tests call
// it without cobra.
package engine

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// Builder turns documents into checked request bodies for one provider.
type Builder struct {
	Provider provider.Provider
	// Defs are every request flag, for the hints of missing fields.
	Defs []FlagDef
	// Flags are the request flags given, applied to every document.
	Flags []Given
	// Sets are the --set PATH=VALUE arguments, applied after the flags.
	Sets []string
}

// Build applies flags and --set to one document, fills the provider's
// defaults, checks it against the wire type and returns the typed request
// and the checked request the provider sends (its JSON, and the subject
// read from the typed fields).
func (b *Builder) Build(d *request.Doc) (any, provider.Request, error) {
	return b.BuildWith(d, nil)
}

// BuildWith is Build with one more layer, last, applied after the flags
// and --set and before the defaults: a sheet's row.
func (b *Builder) BuildWith(d *request.Doc, last func(*request.Doc) error) (any, provider.Request, error) {
	p := b.Provider
	wire := reflect.TypeOf(p.NewRequest()).Elem()
	if err := applyFlags(b.Flags, d, wire, p.Name()); err != nil {
		return nil, provider.Request{}, err
	}
	for _, kv := range b.Sets {
		path, val, ok := strings.Cut(kv, "=")
		if !ok || path == "" {
			return nil, provider.Request{}, provider.UsageErrorf("--set %q: expected PATH=VALUE", kv)
		}
		if err := d.Set(wire, path, val, "--set "+path); err != nil {
			return nil, provider.Request{}, err
		}
	}
	if last != nil {
		if err := last(d); err != nil {
			return nil, provider.Request{}, err
		}
	}
	if pp, ok := p.(provider.Preparer); ok {
		pp.Prepare(d)
	}
	req := p.NewRequest()
	if err := request.Decode(d, req); err != nil {
		return nil, provider.Request{}, withHints(err, b.Defs)
	}
	body, err := request.Marshal(req)
	if err != nil {
		return nil, provider.Request{}, err
	}
	return req, provider.Request{Body: body, Subject: p.Subject(req)}, nil
}

// Progress shows that long work is under way. Start is called once, with
// total < 0 for work of unknown length.
type Progress interface {
	Start(total int, what string)
	Add(n int)
	Done()
}

// Input is where the documents come from: R named Name, or, when R is
// nil, a lone document made of the flags alone.
type Input struct {
	R    io.Reader
	Name string
}

// Check reads every document and checks it completely before anything is
// sent, so that a mistake in document 900 leaves nothing half done, and
// lists every mistake found. Documents are read one at a time; each good
// request goes to keep (until a mistake is found: then nothing will be sent)
// and only the mistakes are held. total counts the documents; single is
// true for a lone document (from flags, or a file holding one object).
// pr, which may be nil, is started when the check lasts.
func Check(ctx context.Context, b *Builder, in Input, pr Progress, keep func(index int, req provider.Request) error) (total int, single bool, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
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
	one := func(d *request.Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		total++
		_, built, err := b.Build(d)
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
		return keep(d.Index, built)
	}
	single = true
	if in.R == nil {
		if err := one(request.NewDoc()); err != nil {
			return 0, false, err
		}
	} else {
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
		started := false
		start, read := time.Now(), 0
		single, err = request.Read(in.R, in.Name, func(d *request.Doc) error {
			if stop.Load() {
				return errStopped
			}
			read++
			if pr != nil && !started && time.Since(start) > time.Second/2 {
				started = true
				pr.Start(-1, "checking")
				pr.Add(read - 1)
			}
			if started {
				pr.Add(1)
			}
			docs <- d
			return nil
		})
		close(docs)
		cerr := <-checked
		if started {
			pr.Done()
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
