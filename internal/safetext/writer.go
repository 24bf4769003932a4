package safetext

import (
	"io"
	"strings"
	"sync"
)

// Writer masks the secrets of a Filter in everything written through it,
// even a secret split between two writes (a buffered writer may cut
// anywhere): the end of a write that could be the start of a secret is
// held back until the next write shows whether it is, or until Flush.
// Text that cannot begin a secret passes at once, so a progress bar or a
// prompt is not delayed. It does not escape anything: billctl's own colours
// and carriage returns pass through it.
//
// A Writer is safe for concurrent use; each Write reaches w whole.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	f    *Filter
	held string
}

// NewWriter wraps w. It masks nothing until Mask is called.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Mask sets the secrets to mask from now on (nil masks nothing). The
// token becomes known only once the settings are read, after which
// everything written is masked.
func (w *Writer) Mask(f *Filter) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.f = f
}

// Unwrap is the wrapped writer (to find out whether it is a terminal).
func (w *Writer) Unwrap() io.Writer { return w.w }

// Write masks p, keeping back a tail that may be the start of a secret.
// It reports len(p) written when the bytes it passed on were written.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil && w.held == "" {
		return w.w.Write(p)
	}
	s := w.f.Redact(w.held + string(p))
	n := w.f.partial(s)
	w.held = s[len(s)-n:]
	if _, err := io.WriteString(w.w, s[:len(s)-n]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back: at the end of the output there is no
// more of a secret to come.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.held == "" {
		return nil
	}
	s := w.held
	w.held = ""
	_, err := io.WriteString(w.w, s)
	return err
}

// partial is the length of the longest end of s that is the beginning,
// but not the whole, of a secret.
func (f *Filter) partial(s string) int {
	if f == nil {
		return 0
	}
	longest := 0
	for _, sec := range f.forms {
		for n := min(len(sec)-1, len(s)); n > longest; n-- {
			if strings.HasSuffix(s, sec[:n]) {
				longest = n
				break
			}
		}
	}
	return longest
}
