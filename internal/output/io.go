// Package output prints results for people (tables, colour, relative times)
// and for scripts (json, yaml, id, url), and knows which one it talks to.
package output

import (
	"bytes"
	"io"
	"os"

	"github.com/mattn/go-isatty"
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

// Test returns streams backed by buffers.
func Test() (*IO, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errb := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IO{In: in, Out: out, Err: errb}, in, out, errb
}

// Color reports whether stdout may carry colour.
func (io *IO) Color() bool { return io.StdoutTTY && !io.NoColor }

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
