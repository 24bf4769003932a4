package engine

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

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
	// sum digests what was added: with the provider, account and key,
	// it is what names the batch's journal.
	sum hash.Hash
}

func NewSpool() (*Spool, error) {
	f, err := os.CreateTemp("", "billctl-batch-*")
	if err != nil {
		return nil, fmt.Errorf("a batch needs a temporary file: %w", err)
	}
	// Unlinked at once where the system allows it, so that nothing is left
	// behind even if the process is killed.
	removed := os.Remove(f.Name()) == nil
	return &Spool{f: f, w: bufio.NewWriterSize(f, 64<<10), removed: removed, sum: sha256.New()}, nil
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
		s.sum.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
		s.sum.Write(b)
	}
	s.n++
	return nil
}

// Sum is the digest of the requests added.
func (s *Spool) Sum() []byte { return s.sum.Sum(nil) }

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
	// Journal, when set, records the batch as it goes and holds what an
	// earlier run of it did: the same command run again resumes it.
	Journal *Journal
	// Interrupts, when set, delivers a second Ctrl-C once the first has
	// stopped the sending (nil: the process's interrupt signals).
	Interrupts func() (<-chan os.Signal, func())
	// Grace is how long the requests in flight are waited for after
	// SIGTERM (default DefaultGrace): what stops a job with SIGTERM
	// sends SIGKILL soon after.
	Grace time.Duration
	// Unit is what messages call one input: "document" (when empty), or
	// "row" for a sheet's.
	Unit string

	// SettleDelay is how long a create with an unknown outcome and no
	// session found waits before it is looked for again
	// (DefaultSettleDelay when 0).
	SettleDelay time.Duration

	ahead *ahead
}

// DefaultGrace is how long a batch stopped by SIGTERM waits for the
// answers in flight: CI systems usually allow 10 seconds or more before
// SIGKILL.
const DefaultGrace = 5 * time.Second

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

// result is one document's outcome, and how it came about.
type result struct {
	provider.Result
	earlier    bool  // printed from the journal, not sent
	journalErr error // the journal could not be written
}

// Send sends the total bodies of sp, results going to out in input order.
// It returns nil when every document was created, else why not: an
// authentication refusal, a failure to print or read the spool, or a
// *BatchError. Ctrl-C (or SIGTERM) cancels ctx: no new document is sent.
// The requests in flight go on under their own context, so that their
// sessions, if created, are printed; a second Ctrl-C aborts them too, and
// after SIGTERM they get Grace. The summary line goes to summary.
//
// With a Journal, documents it holds a session for are printed from it,
// not sent; those sent without a recorded answer are settled first (the
// provider's Settle, or the same key again where keys replay).
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
	if st, ok := p.(provider.Settler); ok && b.Journal != nil {
		st.Claim(b.Journal.created()...)
	}
	workers := min(max(b.Workers, 1), total)
	d := &dispatch{
		r:     r,
		slots: make(chan struct{}, Window(workers)),
		halt:  make(chan struct{}),
	}
	if b.Journal != nil {
		b.ahead = &ahead{j: b.Journal, key: b.Key, total: total, depth: workers, recs: map[int]aheadRec{}}
		d.handed = b.ahead.handed
	}
	results := make(chan result, workers)
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
				res := b.one(inFlightCtx, j)
				err := res.Err
				// Stopping here, before the worker asks for more, is what
				// makes --fail-fast --parallel 1 send nothing after the
				// failure. A refused token would be refused for every
				// other document too; a journal that cannot be written
				// can no longer make a rerun safe.
				if err != nil && (b.FailFast || exitcode.Code(err) == exitcode.Auth || res.journalErr != nil) {
					d.stop()
				}
				results <- res
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var (
		created, failed int
		earlier, replay int
		refused         error // the first authentication refusal
		journalErr      error
		gone            error // the server could not be reached
		unreachable     int   // results in a row that could not connect
		interrupts      <-chan os.Signal
		graceEnd        <-chan time.Time
	)
	ordered := &inOrder{unit: b.unit(), out: out, rep: rep, pending: map[int]provider.Result{}, next: 1, printed: func() { <-d.slots }}
	ctxDone := ctx.Done()
	for results != nil {
		select {
		case res, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			it := res.Result
			switch {
			case it.Err != nil:
				failed++
				if exitcode.Code(it.Err) == exitcode.Auth && refused == nil {
					refused = it.Err
				}
				if res.journalErr != nil && journalErr == nil {
					journalErr = res.journalErr
				}
			case res.earlier:
				created++
				earlier++
			default:
				created++
				if it.Session.Replayed {
					replay++
				}
			}
			// A server that is gone: every worker in turn has spent a
			// document's whole retry budget failing to connect. The rest
			// would go the same way, each after all its retries.
			if provider.Unreachable(it.Err) {
				if unreachable++; unreachable >= workers && gone == nil {
					gone = it.Err
					d.stop()
				}
			} else if !res.earlier {
				unreachable = 0
			}
			// Output that cannot be written stops the sending: sessions
			// nobody sees are worse than sessions not created.
			if err := ordered.add(it, len(results) == 0); err != nil {
				d.stop()
			}
			rep.Add(1)
		case <-ctxDone:
			ctxDone = nil
			inFlight := d.sent.Load() - int64(created+failed)
			if errors.Is(context.Cause(ctx), exitcode.ErrTerminated) {
				grace := b.Grace
				if grace <= 0 {
					grace = DefaultGrace
				}
				if inFlight > 0 {
					rep.Notef("terminated: waiting up to %s for %d request(s) in flight\n", grace, inFlight)
				}
				t := time.NewTimer(grace)
				defer t.Stop()
				graceEnd = t.C
			} else if inFlight > 0 {
				rep.Notef("interrupted: waiting for %d request(s) in flight; Ctrl-C again to abort them\n", inFlight)
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
		case <-graceEnd:
			abort()
		}
	}
	feedErr := d.failed()
	if b.Journal != nil {
		if err := b.ahead.unsent(); err != nil && journalErr == nil {
			journalErr = err
		}
		if err := b.Journal.Close(); err != nil && journalErr == nil {
			journalErr = err
		}
	}
	if earlier > 0 {
		rep.Notef("%d of %d session(s) were created by an earlier run of this batch and printed from its journal (%s), not sent again\n", earlier, total, b.Journal.Path())
	}
	if replay > 0 {
		rep.Notef("%s: %d session(s) came back for an Idempotency-Key used before: they are the sessions created then, not new ones\n", p.Name(), replay)
	}
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
	case journalErr != nil:
		return journalErr
	case refused != nil:
		return refused
	case failed == 0 && notSent == 0:
		return nil
	}
	e := &BatchError{unit: b.unit(), failed: failed, created: created, total: total, notSent: notSent, code: exitcode.Failure, gone: gone}
	if ctx.Err() != nil && notSent > 0 {
		e.code = exitcode.Interrupted
		if errors.Is(context.Cause(ctx), exitcode.ErrTerminated) {
			e.code = exitcode.Terminated
		}
	}
	if b.Journal != nil {
		e.journal = b.Journal.Path()
	}
	// Without replays, running the whole file again would create its
	// first documents a second time.
	e.replays = b.ReplaysKeys && b.FixedKeys
	return e
}

// one sends one document, or takes its outcome from the journal: a
// session recorded there is printed, not sent; a create sent without a
// recorded answer is settled before anything is sent again.
func (b *Batch) one(ctx context.Context, j job) result {
	p := b.Provider
	key := b.Key(j.index)
	res := result{Result: provider.Result{Index: j.index}}
	jr := b.Journal
	if jr == nil {
		res.Session, res.Err = p.Create(ctx, j.req, key)
		return res
	}
	if pr := jr.prior[j.index]; pr != nil {
		if pr.sess != nil {
			res.Session, res.earlier = pr.sess, true
			return res
		}
		if pr.key != "" {
			// The same key as then: where keys replay, sending it again
			// returns what the lost answer held.
			key = pr.key
		}
		st, settles := p.(provider.Settler)
		if settles && (pr.state == 's' || pr.state == 'u') {
			sess, err := st.Settle(ctx, j.req, pr.sent)
			if err != nil || sess != nil {
				res.Session, res.Err = sess, err
				if jerr := jr.done(j.index, sess, err); jerr != nil {
					res.Err, res.journalErr = jerr, jerr
				}
				return res
			}
			// Settled: none was made, so it is sent as if for the first time.
		}
	}
	since := time.Now()
	if rec, ok := b.ahead.take(j.index); ok {
		key, since = rec.key, rec.at
		if err := jr.await(rec.mark); err != nil {
			res.Err, res.journalErr = err, err
			return res
		}
	} else if err := jr.sending(j.index, key, since); err != nil {
		res.Err, res.journalErr = err, err
		return res
	}
	res.Session, res.Err = p.Create(ctx, j.req, key)
	if st, ok := p.(provider.Settler); ok && res.Err != nil && provider.MaybeCreated(res.Err) {
		res.Session, res.Err = b.settleAgain(ctx, st, j, key, since, res.Err)
	}
	if err := jr.done(j.index, res.Session, res.Err); err != nil && res.Err == nil {
		// The session exists and is printed; the next run finds it again.
		res.journalErr = err
	}
	return res
}

// DefaultSettleDelay is how long a create whose outcome is unknown, and
// of which no session was found, waits before it is looked for again.
const DefaultSettleDelay = 2 * time.Second

// settleAgain takes a second look, after a pause, at a create whose
// outcome was unknown (failed is how): as the next run of the batch
// would, but without waiting for it. A session found is this
// document's; none found, now that the server has had time to finish
// anything it was doing, means none was made, and the document is sent
// once more (recorded first, as any sending). Otherwise the outcome stays
// unknown.
func (b *Batch) settleAgain(ctx context.Context, st provider.Settler, j job, key string, since time.Time, failed error) (*provider.Session, error) {
	delay := b.SettleDelay
	if delay <= 0 {
		delay = DefaultSettleDelay
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, failed
	}
	sess, err := st.Settle(ctx, j.req, since)
	switch {
	case err != nil:
		return nil, err
	case sess != nil:
		return sess, nil
	}
	now := time.Now()
	if err := b.Journal.sending(j.index, key, now); err != nil {
		return nil, err
	}
	return b.Provider.Create(ctx, j.req, key)
}

func osInterrupts() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c, func() { signal.Stop(c) }
}

// BatchError is how a batch that did not fully succeed ends: exit 1 for
// failed documents, 130 when Ctrl-C stopped it (143 for SIGTERM). Its
// message says which documents were not sent, which are always the last
// ones, and how to finish the batch.
type BatchError struct {
	unit                            string
	failed, created, notSent, total int
	code                            int
	replays                         bool
	// journal is the batch's journal: the same command again resumes.
	journal string
	// gone: sending stopped because the server could not be reached.
	gone error
}

func (e *BatchError) ExitCode() int { return e.code }

func (e *BatchError) Error() string {
	unit := e.unit
	if unit == "" {
		unit = "document"
	}
	var b strings.Builder
	switch e.code {
	case exitcode.Interrupted:
		b.WriteString("interrupted")
	case exitcode.Terminated:
		b.WriteString("terminated")
	}
	if e.gone != nil {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		msg, _, _ := strings.Cut(e.gone.Error(), "\n")
		fmt.Fprintf(&b, "the server cannot be reached (%s); sending stopped", msg)
	}
	if e.failed > 0 {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		fmt.Fprintf(&b, "%d %s(s) failed", e.failed, unit)
	}
	if e.notSent > 0 {
		sent := e.total - e.notSent
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		if e.notSent == 1 {
			fmt.Fprintf(&b, "%s %d was not sent", unit, e.total)
		} else {
			fmt.Fprintf(&b, "%ss %d to %d were not sent", unit, sent+1, e.total)
		}
	}
	switch {
	case e.journal != "":
		fmt.Fprintf(&b, "\nThe same command again sends only what was not created, and prints the rest from the journal %s.", e.journal)
	case e.notSent == 0:
	case e.replays:
		b.WriteString(": the same command again creates only those")
	case e.created > 0:
		fmt.Fprintf(&b, " (running the whole file again would create the %d session(s) made now a second time)", e.created)
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
	// handed, when set, is told each index handed out, in order.
	handed func(index int)
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
	if d.handed != nil {
		d.handed(d.index)
	}
	return job{index: d.index, req: req}, true
}

// failed is the error that ended the reading of the spool, if any.
func (d *dispatch) failed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
