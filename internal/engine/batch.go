package engine

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
)

// A batch is sent in two passes. The first reads every document, checks it
// and writes its request to a spool file; only errors are held, so
// nothing is sent unless every document is good. The second reads the
// spool back and sends the bodies, Workers at a time, through one
// provider client: one connection pool and one backoff on 429 for every
// worker. Results are printed in input order as soon as all those before
// them are done. Nothing grows with the length of the input: at most
// Window(workers) results wait for a slower one ahead of them.

// windowPerWorker bounds how far sending may run ahead of printing, per
// worker, up to maxWindow in all: a document stuck in retries holds up the
// printing of those after it, and they wait in memory meanwhile (a few
// hundred bytes each). The other workers keep busy for that long.
const (
	windowPerWorker = 64
	maxWindow       = 4096
)

// Window is how many documents may be sent and not yet printed.
func Window(workers int) int {
	return max(workers, min(windowPerWorker*workers, maxWindow))
}

// Spool keeps the request bodies of a batch between the check and the
// sending, on disk, so that the input (stdin included) is read and parsed
// once and never held in memory.
type Spool struct {
	f       *os.File
	w       *bufio.Writer
	removed bool
	n       int
}

func NewSpool() (*Spool, error) {
	f, err := os.CreateTemp("", "billctl-batch-*")
	if err != nil {
		return nil, fmt.Errorf("a batch needs a temporary file: %w", err)
	}
	// Unlinked at once where the system allows it, so that nothing is left
	// behind even if the process is killed.
	removed := os.Remove(f.Name()) == nil
	return &Spool{f: f, w: bufio.NewWriterSize(f, 64<<10), removed: removed}, nil
}

// Add appends one request: its body, customer and plan, each prefixed
// with its length.
func (s *Spool) Add(req provider.Request) error {
	for _, b := range [][]byte{req.Body, []byte(req.Subject.Customer), []byte(req.Subject.Plan)} {
		var n [binary.MaxVarintLen64]byte
		if _, err := s.w.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))]); err != nil {
			return err
		}
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	s.n++
	return nil
}

// Reader reads the bodies back from the first.
func (s *Spool) Reader() (*SpoolReader, error) {
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return &SpoolReader{r: bufio.NewReaderSize(s.f, 64<<10)}, nil
}

func (s *Spool) Close() {
	s.f.Close()
	if !s.removed {
		os.Remove(s.f.Name())
	}
}

type SpoolReader struct{ r *bufio.Reader }

// Next returns the next request, or io.EOF after the last.
func (r *SpoolReader) Next() (provider.Request, error) {
	var parts [3][]byte
	for i := range parts {
		n, err := binary.ReadUvarint(r.r)
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			if i > 0 {
				return provider.Request{}, fmt.Errorf("reading back the checked requests: %w", err)
			}
			return provider.Request{}, err
		}
		parts[i] = make([]byte, n)
		if _, err := io.ReadFull(r.r, parts[i]); err != nil {
			return provider.Request{}, fmt.Errorf("reading back the checked requests: %w", err)
		}
	}
	return provider.Request{Body: parts[0], Subject: provider.Subject{Customer: string(parts[1]), Plan: string(parts[2])}}, nil
}

// Sink receives the results of a batch in input order.
type Sink interface {
	Add(it provider.Result) error
	// Flush pushes out what was added, when no other result is about to
	// follow.
	Flush() error
	// Close ends the output, before the summary is written.
	Close() error
}

// Reporter is told how a batch goes: one Add per document done, messages
// (a failed document, an interruption) that go above a progress bar.
type Reporter interface {
	Add(n int)
	Notef(format string, args ...any)
	// Done ends the progress display, before the output is closed.
	Done()
}

// Batch is how a batch is sent.
type Batch struct {
	Provider provider.Provider
	Workers  int
	// FailFast stops sending at the first failure.
	FailFast bool
	// Key is the Idempotency-Key of document index.
	Key func(index int) string
	// ReplaysKeys: the provider returns what a key already created, so
	// the same command run again creates only what was not sent.
	ReplaysKeys bool
	// FixedKeys: Key gives a document the same key on every run
	// (--idempotency-key), not a fresh one.
	FixedKeys bool
	// Interrupts, when set, delivers a second Ctrl-C once the first has
	// stopped the sending (nil: the process's interrupt signal).
	Interrupts func() (<-chan os.Signal, func())
	// Unit is what messages call one input: "document" (when empty), or
	// "row" for a sheet's.
	Unit string
}

func (b *Batch) unit() string {
	if b.Unit == "" {
		return "document"
	}
	return b.Unit
}

type job struct {
	index int
	req   provider.Request
}

// Send sends the total bodies of sp, results going to out in input order.
// It returns nil when every document was created, else why not: an
// authentication refusal, a failure to print or read the spool, or a
// *BatchError. Ctrl-C cancels ctx: no new document is sent. The requests
// in flight go on under their own context, so that their sessions, if
// created, are printed; a second Ctrl-C aborts them too. The summary line
// goes to summary.
func (b *Batch) Send(ctx context.Context, sp *Spool, total int, out Sink, rep Reporter, summary io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	inFlightCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()

	r, err := sp.Reader()
	if err != nil {
		return err
	}
	p := b.Provider
	workers := min(max(b.Workers, 1), total)
	d := &dispatch{
		r:     r,
		slots: make(chan struct{}, Window(workers)),
		halt:  make(chan struct{}),
	}
	results := make(chan provider.Result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, ok := d.next(ctx)
				if !ok {
					return
				}
				sess, err := p.Create(inFlightCtx, j.req, b.Key(j.index))
				// Stopping here, before the worker asks for more, is what
				// makes --fail-fast --parallel 1 send nothing after the
				// failure. A refused token would be refused for every
				// other document too.
				if err != nil && (b.FailFast || exitcode.Code(err) == exitcode.Auth) {
					d.stop()
				}
				results <- provider.Result{Index: j.index, Session: sess, Err: err}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var (
		created, failed int
		refused         error // the first authentication refusal
		interrupts      <-chan os.Signal
	)
	ordered := &inOrder{unit: b.unit(), out: out, rep: rep, pending: map[int]provider.Result{}, next: 1, printed: func() { <-d.slots }}
	ctxDone := ctx.Done()
	for results != nil {
		select {
		case it, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			if it.Err != nil {
				failed++
				if exitcode.Code(it.Err) == exitcode.Auth && refused == nil {
					refused = it.Err
				}
			} else {
				created++
			}
			// Output that cannot be written stops the sending: sessions
			// nobody sees are worse than sessions not created.
			if err := ordered.add(it, len(results) == 0); err != nil {
				d.stop()
			}
			rep.Add(1)
		case <-ctxDone:
			ctxDone = nil
			if n := d.sent.Load() - int64(created+failed); n > 0 {
				rep.Notef("interrupted: waiting for %d request(s) in flight; Ctrl-C again to abort them\n", n)
			}
			notify := b.Interrupts
			if notify == nil {
				notify = osInterrupts
			}
			var stop func()
			interrupts, stop = notify()
			defer stop()
		case <-interrupts:
			abort()
		}
	}
	feedErr := d.failed()
	rep.Done()
	printErr := ordered.err
	if err := out.Close(); err != nil && printErr == nil {
		printErr = err
	}

	notSent := total - created - failed
	line := fmt.Sprintf("created %d of %d, %d failed", created, total, failed)
	if notSent > 0 {
		line += fmt.Sprintf(", %d not sent", notSent)
	}
	fmt.Fprintln(summary, line)

	switch {
	case printErr != nil:
		return printErr
	case feedErr != nil:
		return feedErr
	case refused != nil:
		return refused
	case failed == 0 && notSent == 0:
		return nil
	}
	e := &BatchError{unit: b.unit(), failed: failed, total: total, notSent: notSent, code: exitcode.Failure}
	if ctx.Err() != nil && notSent > 0 {
		e.code = exitcode.Interrupted
	}
	// Without replays, running the whole file again would create its
	// first documents a second time.
	e.replays = b.ReplaysKeys && b.FixedKeys
	return e
}

func osInterrupts() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	return c, func() { signal.Stop(c) }
}

// BatchError is how a batch that did not fully succeed ends: exit 1 for
// failed documents, 130 when Ctrl-C stopped it. Its message says which
// documents were not sent, which are always the last ones.
type BatchError struct {
	unit                   string
	failed, notSent, total int
	code                   int
	replays                bool
}

func (e *BatchError) ExitCode() int { return e.code }

func (e *BatchError) Error() string {
	unit := e.unit
	if unit == "" {
		unit = "document"
	}
	var b strings.Builder
	if e.code == exitcode.Interrupted {
		b.WriteString("interrupted")
	}
	if e.failed > 0 {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		fmt.Fprintf(&b, "%d %s(s) failed", e.failed, unit)
	}
	if e.notSent == 0 {
		return b.String()
	}
	sent := e.total - e.notSent
	if b.Len() > 0 {
		b.WriteString("; ")
	}
	if e.notSent == 1 {
		fmt.Fprintf(&b, "%s %d was not sent", unit, e.total)
	} else {
		fmt.Fprintf(&b, "%ss %d to %d were not sent", unit, sent+1, e.total)
	}
	switch {
	case e.replays:
		b.WriteString(": the same command again creates only those")
	case sent > 0:
		fmt.Fprintf(&b, " (running the whole file again would send %ss 1 to %d a second time)", unit, sent)
	}
	return b.String()
}

// inOrder prints results in input order: each as soon as all those before
// it are printed. Only results waiting for an earlier one are held.
type inOrder struct {
	unit    string
	out     Sink
	rep     Reporter
	pending map[int]provider.Result
	next    int
	printed func() // called for each result printed
	err     error  // the first failure to write
}

// add takes one result; flush pushes the output out (when no other result
// is about to follow).
func (o *inOrder) add(it provider.Result, flush bool) error {
	o.pending[it.Index] = it
	for {
		it, ok := o.pending[o.next]
		if !ok {
			break
		}
		delete(o.pending, o.next)
		o.next++
		if it.Err != nil {
			o.rep.Notef("%s %d: %v\n", o.unit, it.Index, it.Err)
		}
		if err := o.out.Add(it); err != nil && o.err == nil {
			o.err = err
		}
		o.printed()
	}
	if flush {
		if err := o.out.Flush(); err != nil && o.err == nil {
			o.err = err
		}
	}
	return o.err
}

// dispatch hands the documents to the workers in input order, one at a
// time under a lock: the check for a stop and the handing out happen
// together, so that a stop made by a worker (before it asks for its next
// document) holds for every document not yet handed out. What was sent is
// therefore always documents 1 to N, with no gap, and --fail-fast
// --parallel 1 sends nothing after the failure.
type dispatch struct {
	mu    sync.Mutex
	r     *SpoolReader
	index int   // documents handed out
	end   bool  // the spool is read to its end
	err   error // reading the spool failed

	// slots bound how far sending runs ahead of printing: each document
	// handed out takes one, the printer gives it back.
	slots chan struct{}
	halt  chan struct{} // closed to stop sending
	once  sync.Once
	sent  atomic.Int64
}

// stop ends the sending; documents already handed out go on.
func (d *dispatch) stop() { d.once.Do(func() { close(d.halt) }) }

func (d *dispatch) halted(ctx context.Context) bool {
	select {
	case <-d.halt:
		return true
	default:
		return ctx.Err() != nil
	}
}

// next returns the next document to send; false when there is none, the
// input being done, ctx cancelled (Ctrl-C) or the sending stopped.
func (d *dispatch) next(ctx context.Context) (job, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.end || d.err != nil || d.halted(ctx) {
		return job{}, false
	}
	req, err := d.r.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			d.end = true
		} else {
			d.err = err
		}
		return job{}, false
	}
	select {
	case d.slots <- struct{}{}:
	case <-ctx.Done():
		return job{}, false
	case <-d.halt:
		return job{}, false
	}
	// A free slot and a stop may come together: the stop wins.
	if d.halted(ctx) {
		return job{}, false
	}
	d.index++
	d.sent.Add(1)
	return job{index: d.index, req: req}, true
}

// failed is the error that ended the reading of the spool, if any.
func (d *dispatch) failed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
