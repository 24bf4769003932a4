package create

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/safetext"
)

// progress shows how a batch is going on stderr (count, rate, time left)
// when stderr is a terminal, and nothing at all otherwise, so that logs
// and pipes get only the messages and the summary. Messages go through it
// so that they print above the bar rather than into it.
type progress struct {
	err     io.Writer
	bar     *progressbar.ProgressBar // nil when stderr is not a terminal
	spinner bool
	ended   bool // a finished bar was given its line
}

// newProgress starts a bar counting to total; total < 0 is a spinner for
// work of unknown length, cleared when it is done.
func newProgress(streams *output.IO, total int, what string) *progress {
	pr := &progress{err: streams.Err, spinner: total < 0}
	if !streams.StderrTTY {
		return pr
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(streams.Err),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionEnableColorCodes(false),
	}
	if pr.spinner {
		opts = append(opts, progressbar.OptionSpinnerType(14), progressbar.OptionClearOnFinish())
	} else {
		opts = append(opts,
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("sessions"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetRenderBlankState(true),
		)
	}
	pr.bar = progressbar.NewOptions(total, opts...)
	return pr
}

// add counts n more done.
func (pr *progress) add(n int) {
	if pr.bar != nil {
		_ = pr.bar.Add(n)
	}
}

// printf writes a message line on stderr, above the bar.
func (pr *progress) printf(format string, args ...any) {
	pr.clear()
	// A message quotes the API's errors: shown escaped, lines kept.
	fmt.Fprint(pr.err, safetext.Text(fmt.Sprintf(format, args...)))
}

// clear takes the bar off the screen until its next update; a finished
// bar stays, on a line of its own.
func (pr *progress) clear() {
	switch {
	case pr.bar == nil || pr.ended:
	case !pr.bar.IsFinished():
		_ = pr.bar.Clear()
	case !pr.spinner:
		fmt.Fprintln(pr.err)
		pr.ended = true
	}
}

// done takes a spinner or an unfinished bar away (the summary says where
// the work stopped), or leaves a finished bar on its own line.
func (pr *progress) done() {
	switch {
	case pr.bar == nil:
		return
	case pr.spinner:
		_ = pr.bar.Finish()
	case pr.bar.IsFinished():
		pr.clear()
	default:
		_ = pr.bar.Clear()
		_ = pr.bar.Exit()
	}
	pr.bar = nil
}

// above wraps stdout so that, when stdout and stderr share a terminal,
// results are not written into the middle of the bar's line.
func (pr *progress) above(streams *output.IO, w io.Writer) io.Writer {
	if pr.bar == nil || !streams.StdoutTTY {
		return w
	}
	return writerFunc(func(b []byte) (int, error) {
		pr.clear()
		return w.Write(b)
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// Add, Notef and Done report a batch's progress (engine.Reporter).
func (pr *progress) Add(n int)                        { pr.add(n) }
func (pr *progress) Notef(format string, args ...any) { pr.printf(format, args...) }
func (pr *progress) Done()                            { pr.done() }

// lazyProgress is a spinner started only when the engine says the work
// lasts (engine.Progress).
type lazyProgress struct {
	streams *output.IO
	pr      *progress
}

func (l *lazyProgress) Start(total int, what string) { l.pr = newProgress(l.streams, total, what) }

func (l *lazyProgress) Add(n int) {
	if l.pr != nil {
		l.pr.add(n)
	}
}

func (l *lazyProgress) Done() {
	if l.pr != nil {
		l.pr.done()
	}
}
