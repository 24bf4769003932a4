// Package output prints results for people (tables, colour, relative times)
// and for scripts (json, yaml, id, url), and knows which one it talks to.
package output

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"

	"github.com/billctl/billctl/internal/safetext"
)

// IO is the process's standard streams and what they are connected to.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool
	// NoColor is set by --no-color or NO_COLOR.
	NoColor bool
}

// System is the real terminal. BILLCTL_FORCE_TTY=1 makes stdout and stderr
// count as terminals, so tests can see what a person sees.
func System(getenv func(string) string) *IO {
	io := &IO{
		In:        os.Stdin,
		Out:       os.Stdout,
		Err:       os.Stderr,
		StdinTTY:  isTerminal(os.Stdin),
		StdoutTTY: isTerminal(os.Stdout),
		StderrTTY: isTerminal(os.Stderr),
	}
	if v := getenv("BILLCTL_FORCE_TTY"); v != "" && v != "0" {
		io.StdoutTTY, io.StderrTTY = true, true
	}
	if getenv("NO_COLOR") != "" {
		io.NoColor = true
	}
	return io
}

// Mask hides secret (the API token) in everything written to Out and Err
// from now on, where they are masking writers (cli.Run makes them so).
func (streams *IO) Mask(secret string) {
	f := safetext.New(secret)
	for _, w := range []io.Writer{streams.Out, streams.Err} {
		if m, ok := w.(*safetext.Writer); ok {
			m.Mask(f)
		}
	}
}

// Color reports whether stdout may carry colour.
func (io *IO) Color() bool { return io.StdoutTTY && !io.NoColor }

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
