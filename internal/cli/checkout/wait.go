package checkout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/safetext"
)

// The polling of --wait on a real API: the first look after a second,
// each wait after that twice the one before, up to half a minute. A
// session is paid by a person; looking more often only spends the
// account's rate limit. An answer that says when to come back (429 or 503
// with Retry-After, after httpx's own retries) is waited for, up to
// httpx.MaxRetryAfter, even past the backoff's cap.
const (
	waitFirst = time.Second
	waitCap   = 30 * time.Second
	// waitSandbox is the poll of the local sandbox: no rate limit to spare,
	// and a script that pays with `sandbox pay` wants the answer at once.
	waitSandbox = 50 * time.Millisecond
)

// waitFlags are --wait and --wait-timeout.
type waitFlags struct {
	on      bool
	timeout time.Duration
}

func addWaitFlags(cmd *cobra.Command) *waitFlags {
	w := &waitFlags{}
	cmd.Flags().BoolVar(&w.on, "wait", false, "wait until the session is completed, expired or cancelled, then print it (exit 0 only when completed)")
	cmd.Flags().DurationVar(&w.timeout, "wait-timeout", 30*time.Minute, "give up waiting after this long (exit 1)")
	return w
}

func (w *waitFlags) check(cmd *cobra.Command) error {
	if cmd.Flags().Changed("wait-timeout") && !w.on {
		return cmdutil.FlagErrorf("--wait-timeout needs --wait")
	}
	if w.timeout <= 0 {
		return cmdutil.FlagErrorf("--wait-timeout %v: must be positive", w.timeout)
	}
	return nil
}

// vocabulary is the active provider's words for its sessions (the common
// words when the provider cannot be told).
func vocabulary(f *cmdutil.Factory) provider.Vocabulary {
	if d, err := f.Descriptor(); err == nil && d != nil {
		return d.Vocabulary
	}
	return provider.Vocabulary{}
}

// waiter polls sessions until they are finished.
type waiter struct {
	p       provider.Getter
	sandbox bool
	vocab   provider.Vocabulary
	timeout time.Duration
	// sleep waits d or until ctx ends, and now reads the clock (tests
	// replace both).
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

func newWaiter(f *cmdutil.Factory, p provider.Provider, s *config.Settings, w *waitFlags) *waiter {
	// --wait is refused up front for a provider that cannot read a
	// session back (createRun, getRun), so p is a Getter here.
	g, _ := p.(provider.Getter)
	return &waiter{p: g, sandbox: s.Sandbox, vocab: vocabulary(f), timeout: w.timeout, sleep: sleepCtx, now: time.Now}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errWaitTimeout: the session was still open when --wait-timeout passed.
var errWaitTimeout = errors.New("wait timed out")

// wait polls session sess until it is finished, the timeout passes (the
// last session read and errWaitTimeout) or ctx ends. It always returns a
// session: the last one read.
func (w *waiter) wait(ctx context.Context, sess *provider.Session) (*provider.Session, error) {
	deadline := w.now().Add(w.timeout)
	interval := waitFirst
	if w.sandbox {
		interval = waitSandbox
	}
	next := interval
	for w.vocab.State(sess.Status) == provider.Open {
		left := deadline.Sub(w.now())
		if left <= 0 {
			return sess, errWaitTimeout
		}
		if err := w.sleep(ctx, min(next, left)); err != nil {
			return sess, err
		}
		if !w.sandbox {
			interval = min(interval*2, waitCap)
		}
		next = interval
		got, err := w.p.Get(ctx, sess.ID)
		if err != nil {
			var ae *provider.APIError
			if ctx.Err() == nil && errors.As(err, &ae) && (ae.Status == 429 || ae.Status >= 500) {
				// Busy or failing after httpx's own retries: look again
				// later, and not before the server asked.
				if ae.RetryAfter > next {
					next = min(ae.RetryAfter, httpx.MaxRetryAfter)
				}
				continue
			}
			return sess, err
		}
		sess = got
	}
	return sess, nil
}

// outcome is the exit status a finished wait makes.
func outcome(v provider.Vocabulary, sess *provider.Session, err error) error {
	switch {
	case errors.Is(err, errWaitTimeout):
		return exitcode.New(exitcode.Failure, fmt.Errorf("gave up waiting: checkout session %s is still %s", safetext.Line(sess.ID), safetext.Line(sess.Status)))
	case err != nil:
		return err
	case v.State(sess.Status) == provider.Completed:
		return nil
	}
	return exitcode.New(exitcode.Failure, fmt.Errorf("checkout session %s is %s", safetext.Line(sess.ID), safetext.Line(sess.Status)))
}

// waitOne waits for one session, with a spinner on a terminal, and prints
// it once it is finished, or as it was last read when the wait ends
// otherwise (timeout, Ctrl-C, an error): a session that create made is
// always printed.
func waitOne(f *cmdutil.Factory, s *config.Settings, p provider.Provider, w *waitFlags, format *formatFlags, sess *provider.Session) error {
	stop := startSpinner(f, sess)
	final, err := newWaiter(f, p, s, w).wait(f.Context, sess)
	stop()
	if perr := format.on(f, printer(f, s)).One(final); perr != nil && err == nil {
		return perr
	}
	return outcome(vocabulary(f), final, err)
}

// startSpinner shows, on a terminal's stderr and never in CI, how long the
// wait has lasted and where the customer pays; elsewhere one line says
// what is awaited. The returned func clears it.
func startSpinner(f *cmdutil.Factory, sess *provider.Session) func() {
	where := ""
	if sess.URL != "" {
		where = ": " + safetext.Line(sess.URL)
	}
	if !spins(f) {
		fmt.Fprintln(f.IO.Err, waitingLine(sess))
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		start := time.Now()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			el := time.Since(start).Truncate(time.Second)
			fmt.Fprintf(f.IO.Err, "\r\033[K%c Waiting for payment %s%s", frames[i%len(frames)], el, where)
			select {
			case <-done:
				fmt.Fprint(f.IO.Err, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// spins: a spinner is drawn only for a person, on a terminal's stderr,
// and never in CI, whose logs keep every frame.
func spins(f *cmdutil.Factory) bool {
	return f.IO.StderrTTY && f.Getenv("CI") == ""
}

// waitingLine names the session awaited and where it is paid.
func waitingLine(sess *provider.Session) string {
	line := "Waiting for checkout session " + safetext.Line(sess.ID) + " to be paid"
	if sess.URL != "" {
		line += ": " + safetext.Line(sess.URL)
	}
	return line
}

// waitSink is a batch's output with --wait: each session created is
// awaited, and printed once it is finished, in the order they finish;
// a failed document passes through at once.
type waitSink struct {
	ctx  context.Context
	w    *waiter
	next engine.Sink
	// note says on stderr which session is awaited (above the progress
	// bar on a terminal).
	note  func(format string, args ...any)
	mu    sync.Mutex
	wg    sync.WaitGroup
	open  int // sessions not completed (expired, cancelled, timed out)
	first error
}

func (ws *waitSink) Add(it output.Item) error {
	if it.Session == nil {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		return ws.next.Add(it)
	}
	ws.note("%s\n", waitingLine(it.Session))
	ws.wg.Add(1)
	go func() {
		defer ws.wg.Done()
		final, err := ws.w.wait(ws.ctx, it.Session)
		ws.mu.Lock()
		defer ws.mu.Unlock()
		// Whatever ended the wait, the session created is printed, as it
		// was last read.
		switch {
		case err != nil && !errors.Is(err, errWaitTimeout):
			if ws.first == nil {
				ws.first = err
			}
		case ws.w.vocab.State(final.Status) != provider.Completed:
			ws.open++
		}
		if err := ws.next.Add(output.Item{Index: it.Index, Session: final}); err == nil {
			_ = ws.next.Flush()
		}
	}()
	return nil
}

func (ws *waitSink) Flush() error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.next.Flush()
}

func (ws *waitSink) Close() error {
	ws.wg.Wait()
	return ws.next.Close()
}

// result is the exit status the waits make, after the batch's own.
func (ws *waitSink) result() error {
	if ws.first != nil {
		return ws.first
	}
	if ws.open > 0 {
		return exitcode.New(exitcode.Failure, fmt.Errorf("%d checkout session(s) ended without being paid, or were still open at --wait-timeout", ws.open))
	}
	return nil
}

// sendBatchWait sends a batch and waits for every session it created.
func sendBatchWait(opts *CreateOptions, s *config.Settings, p provider.Provider, sp *engine.Spool, total int) error {
	var ws *waitSink
	err := sendBatchTo(opts, s, p, sp, total, func(pr *output.Printer, bar *progress) engine.Sink {
		ws = &waitSink{ctx: opts.F.Context, w: newWaiter(opts.F, p, s, opts.wait), next: pr.Stream(), note: bar.printf}
		return ws
	})
	if err != nil {
		return err
	}
	return ws.result()
}
