package shared

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
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

// WaitFlags are --wait and --wait-timeout.
type WaitFlags struct {
	on      bool
	timeout time.Duration
}

// On reports whether --wait was given (false for nil: a command built
// without the flags).
func (w *WaitFlags) On() bool { return w != nil && w.on }

// NewWaitFlags are --wait given with its timeout, for commands built
// without the flags (tests).
func NewWaitFlags(timeout time.Duration) *WaitFlags { return &WaitFlags{on: true, timeout: timeout} }

// AddWaitFlags registers --wait and --wait-timeout on cmd.
func AddWaitFlags(cmd *cobra.Command) *WaitFlags {
	w := &WaitFlags{}
	cmd.Flags().BoolVar(&w.on, "wait", false, "wait until the session is completed, expired or cancelled, then print it (exit 0 only when completed)")
	cmd.Flags().DurationVar(&w.timeout, "wait-timeout", 30*time.Minute, "give up waiting after this long (exit 1)")
	return w
}

// Check refuses --wait-timeout without --wait, or not positive.
func (w *WaitFlags) Check(cmd *cobra.Command) error {
	if cmd.Flags().Changed("wait-timeout") && !w.on {
		return cmdutil.FlagErrorf("--wait-timeout needs --wait")
	}
	if w.timeout <= 0 {
		return cmdutil.FlagErrorf("--wait-timeout %v: must be positive", w.timeout)
	}
	return nil
}

// Vocabulary is d's words for its sessions (the common words when the
// provider cannot be told).
func Vocabulary(d *provider.Descriptor) provider.Vocabulary {
	if d == nil {
		return provider.Vocabulary{}
	}
	return d.Vocabulary
}

// Waiter polls sessions until they are finished.
type Waiter struct {
	p       provider.Getter
	sandbox bool
	vocab   provider.Vocabulary
	timeout time.Duration
	// sleep waits d or until ctx ends, and now reads the clock (tests
	// replace both).
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// NewWaiter polls through p, reading its statuses in v, with the local
// sandbox's pace when s says --sandbox, for as long as w allows.
func NewWaiter(p provider.Provider, v provider.Vocabulary, s *config.Settings, w *WaitFlags) *Waiter {
	// --wait is refused up front for a provider that cannot read a
	// session back (create, get), so p is a Getter here.
	g, _ := p.(provider.Getter)
	return &Waiter{p: g, sandbox: s.Sandbox, vocab: v, timeout: w.timeout, sleep: sleepCtx, now: time.Now}
}

// Completed reports whether a session's status is the provider's word
// for paid.
func (w *Waiter) Completed(status string) bool {
	return w.vocab.State(status) == provider.Completed
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

// ErrWaitTimeout: the session was still open when --wait-timeout passed.
var ErrWaitTimeout = errors.New("wait timed out")

// Wait polls session sess until it is finished, the timeout passes (the
// last session read and ErrWaitTimeout) or ctx ends. It always returns a
// session: the last one read.
func (w *Waiter) Wait(ctx context.Context, sess *provider.Session) (*provider.Session, error) {
	deadline := w.now().Add(w.timeout)
	interval := waitFirst
	if w.sandbox {
		interval = waitSandbox
	}
	next := interval
	for w.vocab.State(sess.Status) == provider.Open {
		left := deadline.Sub(w.now())
		if left <= 0 {
			return sess, ErrWaitTimeout
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

// Outcome is the exit status a finished wait makes.
func Outcome(v provider.Vocabulary, sess *provider.Session, err error) error {
	switch {
	case errors.Is(err, ErrWaitTimeout):
		return exitcode.New(exitcode.Failure, fmt.Errorf("gave up waiting: checkout session %s is still %s", safetext.Line(sess.ID), safetext.Line(sess.Status)))
	case err != nil:
		return err
	case v.State(sess.Status) == provider.Completed:
		return nil
	}
	return exitcode.New(exitcode.Failure, fmt.Errorf("checkout session %s is %s", safetext.Line(sess.ID), safetext.Line(sess.Status)))
}

// WaitOne waits for one session with w, with a spinner on a terminal
// (streams, getenv for CI), and prints it with pr once it is finished, or
// as it was last read when the wait ends otherwise (timeout, Ctrl-C, an
// error): a session that create made is always printed.
func WaitOne(ctx context.Context, streams *output.IO, getenv func(string) string, w *Waiter, pr *output.Printer, sess *provider.Session) error {
	stop := StartSpinner(streams, getenv, sess)
	final, err := w.Wait(ctx, sess)
	stop()
	if perr := pr.One(final); perr != nil && err == nil {
		return perr
	}
	return Outcome(w.vocab, final, err)
}

// StartSpinner shows, on a terminal's stderr and never in CI, how long the
// wait has lasted and where the customer pays; elsewhere one line says
// what is awaited. The returned func clears it.
func StartSpinner(streams *output.IO, getenv func(string) string, sess *provider.Session) func() {
	where := ""
	if sess.URL != "" {
		where = ": " + safetext.Line(sess.URL)
	}
	if !spins(streams, getenv) {
		fmt.Fprintln(streams.Err, WaitingLine(sess))
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
			fmt.Fprintf(streams.Err, "\r\033[K%c Waiting for payment %s%s", frames[i%len(frames)], el, where)
			select {
			case <-done:
				fmt.Fprint(streams.Err, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// spins: a spinner is drawn only for a person, on a terminal's stderr,
// and never in CI, whose logs keep every frame.
func spins(streams *output.IO, getenv func(string) string) bool {
	return streams.StderrTTY && getenv("CI") == ""
}

// WaitingLine names the session awaited and where it is paid.
func WaitingLine(sess *provider.Session) string {
	line := "Waiting for checkout session " + safetext.Line(sess.ID) + " to be paid"
	if sess.URL != "" {
		line += ": " + safetext.Line(sess.URL)
	}
	return line
}
