package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// plainRows is how many entries of a list are read out at once.
const plainRows = 20

// plainUI asks line by line with numbered lists and no cursor movement or
// colour: each prompt is a line a screen reader reads as it is written.
// The terminal stays in its usual mode, so Ctrl-C is a signal here.
type plainUI struct {
	rd    *reader
	out   io.Writer
	delay time.Duration
	sigs  chan os.Signal
	buf   []byte // read past the last line
}

func newPlain(rd *reader, out io.Writer, delay time.Duration) *plainUI {
	u := &plainUI{rd: rd, out: out, delay: delay, sigs: make(chan os.Signal, 1)}
	signal.Notify(u.sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	return u
}

func (u *plainUI) close() { signal.Stop(u.sigs) }

func (u *plainUI) printf(format string, args ...any) { _, _ = fmt.Fprintf(u.out, format, args...) }

func (u *plainUI) show(text string) { u.printf("%s\n", strings.TrimRight(text, "\n")) }

// What a wait ended on.
const (
	gotLine = iota
	gotDone
	gotTimer
)

// line waits for a line, or for done to close or timer to fire (nil
// channels never do). An Esc in the line, Ctrl-C, or the end of input is
// ErrCancelled.
func (u *plainUI) line(ctx context.Context, done <-chan struct{}, timer <-chan time.Time) (string, int, error) {
	for {
		if i := bytes.IndexByte(u.buf, '\n'); i >= 0 {
			s := string(u.buf[:i])
			u.buf = u.buf[i+1:]
			if strings.ContainsAny(s, "\x1b\x03\x04") {
				return "", 0, ErrCancelled
			}
			return strings.TrimSpace(s), gotLine, nil
		}
		select {
		case <-ctx.Done():
			return "", 0, ErrCancelled
		case <-u.sigs:
			u.printf("\n")
			return "", 0, ErrCancelled
		case c, ok := <-u.rd.ch:
			if !ok || errors.Is(c.err, io.EOF) {
				return "", 0, ErrCancelled
			}
			if c.err != nil {
				return "", 0, fmt.Errorf("reading the terminal: %w", c.err)
			}
			u.buf = append(u.buf, c.b...)
		case <-done:
			return "", gotDone, nil
		case <-timer:
			return "", gotTimer, nil
		}
	}
}

func (u *plainUI) pick(ctx context.Context, q question) ([]string, error) {
	u.printf("%s\n", q.label)
	// Until the list is read, a line typed is taken as the value itself.
	done := q.src.done
	t := time.NewTimer(u.delay)
	defer t.Stop()
	timer := t.C
	for done != nil {
		select {
		case <-done:
			done = nil
			continue
		default:
		}
		s, got, err := u.line(ctx, done, timer)
		switch {
		case err != nil:
			return nil, err
		case got == gotDone:
			done = nil
		case got == gotTimer:
			timer = nil
			u.printf("Reading the list…\n")
			if q.typed {
				u.printf("Type the value and press Enter, or wait for the list.\n")
			}
		case s == "" && !q.required:
			return nil, nil
		case s != "" && q.typed:
			if err := checkValue(q.check, s); err != nil {
				u.printf("%s\n", err)
				continue
			}
			return []string{s}, nil
		}
	}
	items := q.src.items
	if q.src.err != nil {
		u.printf("Could not read the list: %s\n", clean(q.src.err.Error()))
		items = nil
	}
	view := items
	for {
		shown := view
		if len(shown) > plainRows {
			shown = shown[:plainRows]
		}
		for i, c := range shown {
			u.printf("%d. %s\n", i+1, display(c))
		}
		if more := len(view) - len(shown); more > 0 {
			u.printf("%d more; type text to narrow the list.\n", more)
		}
		u.printf("%s\n", plainHelp(q, len(shown) > 0))
		u.printf("%s", colon(q.label))
		s, _, err := u.line(ctx, nil, nil)
		if err != nil {
			return nil, err
		}
		if s == "" {
			if !q.required {
				return nil, nil
			}
			u.printf("A value is needed.\n")
			continue
		}
		tokens := []string{s}
		if q.multi {
			tokens = strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
		}
		vals, narrow, msg := resolve(tokens, shown, items, q)
		switch {
		case msg != "":
			u.printf("%s\n", msg)
		case narrow != nil:
			view = narrow
			u.printf("%d matching:\n", len(view))
		default:
			return vals, nil
		}
	}
}

// resolve reads the tokens of an answer: a number picks from shown, a
// value of the list is itself, text that matches entries narrows the list
// to them, and (when q.typed) text that matches nothing is the value.
func resolve(tokens []string, shown, items []Choice, q question) (vals []string, narrow []Choice, msg string) {
	for _, tok := range tokens {
		if n, err := strconv.Atoi(tok); err == nil && len(shown) > 0 {
			if n < 1 || n > len(shown) {
				return nil, nil, fmt.Sprintf("%d is not in the list: type a number from 1 to %d.", n, len(shown))
			}
			vals = append(vals, shown[n-1].Value)
			continue
		}
		if v, ok := exact(items, tok); ok {
			vals = append(vals, v)
			continue
		}
		if m := filter(items, tok); len(m) > 0 {
			return nil, m, ""
		}
		if !q.typed {
			return nil, nil, fmt.Sprintf("Nothing matches %q.", tok)
		}
		if err := checkValue(q.check, tok); err != nil {
			return nil, nil, err.Error()
		}
		vals = append(vals, tok)
	}
	return vals, nil, ""
}

func exact(items []Choice, s string) (string, bool) {
	for _, c := range items {
		if strings.EqualFold(c.Value, s) {
			return c.Value, true
		}
	}
	return "", false
}

func checkValue(check func(string) error, s string) error {
	if check == nil {
		return nil
	}
	if err := check(s); err != nil {
		return errors.New(clean(err.Error()))
	}
	return nil
}

func plainHelp(q question, numbered bool) string {
	var s string
	switch {
	case numbered && q.multi:
		s = "Type numbers separated by spaces, or text to narrow the list"
	case numbered:
		s = "Type a number, or text to narrow the list"
	default:
		s = "Type a value"
	}
	switch {
	case q.typed && numbered:
		s += ", or a value in full"
	case q.typed:
		s = "Type a value in full"
	}
	if !q.required {
		s += "; Enter alone for none"
	}
	return s + "."
}

func (u *plainUI) text(ctx context.Context, fld Field, required bool) (string, error) {
	hint := fld.Hint
	if !required {
		hint = strings.TrimSpace(hint + "; Enter alone to skip")
		hint = strings.TrimPrefix(hint, "; ")
	}
	for {
		if hint != "" {
			u.printf("%s (%s): ", fld.Label, hint)
		} else {
			u.printf("%s: ", fld.Label)
		}
		s, _, err := u.line(ctx, nil, nil)
		if err != nil {
			return "", err
		}
		if s == "" {
			if !required {
				return "", nil
			}
			u.printf("A value is needed.\n")
			continue
		}
		if err := checkValue(fld.Check, s); err != nil {
			u.printf("%s\n", err)
			continue
		}
		return s, nil
	}
}

func (u *plainUI) yesNo(ctx context.Context, q string, def bool) (bool, error) {
	d := "no"
	if def {
		d = "yes"
	}
	for {
		u.printf("%s Type y or n (Enter alone: %s): ", q, d)
		s, _, err := u.line(ctx, nil, nil)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(s) {
		case "":
			return def, nil
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
	}
}
