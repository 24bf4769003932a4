// Package prompt asks a person at a terminal for the fields a request still
// lacks: one choice from a list that can be filtered by typing (or any
// value typed in full), several choices, free text, then a look at the
// request and a yes or no.
//
// It knows nothing of billing APIs or commands: the caller describes the
// fields, supplies the lookups that fill the lists (which may be slow or
// fail) and renders the request, and gets back the values to set. It is
// written on golang.org/x/term alone, so a command that never asks pays
// nothing for it at start-up.
package prompt

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// ErrCancelled is returned when the person pressed Ctrl-C or Esc, or the
// input ended, at any prompt, or answered no to the final question: nothing
// was chosen and the terminal is as it was. Its exit status is 130.
var ErrCancelled error = cancelled{}

type cancelled struct{}

func (cancelled) Error() string { return "cancelled" }

// ExitCode is the status a command that was cancelled ends with.
func (cancelled) ExitCode() int { return 130 }

// A Choice is one entry of a list: Value is what is set (an ID), Label
// what the person reads (a name, an alias). Labels are matched by the
// filter along with values.
type Choice struct {
	Value string
	Label string
}

// A Lookup reads the choices of a list, typically from an API. It is
// started when the form starts and may take its time or fail: the person
// sees a spinner, then the list or the error, and can type a value
// meanwhile. ctx ends when the answer is no longer needed.
type Lookup func(ctx context.Context) ([]Choice, error)

// Kind is how a field is answered.
type Kind int

const (
	// Text is a line of free text.
	Text Kind = iota
	// One is one choice from a list, or any value typed in full.
	One
	// Many is one or more choices from a list, or values typed in full.
	Many
)

// A Field is one thing to ask for.
type Field struct {
	// Name is the key of its answer in Values (e.g. a flag name).
	Name string
	// Label is what the question says: "Customer", "Trial days".
	Label string
	Kind  Kind
	// Hint is a short line under the question: the form of the value.
	Hint string
	// Choices is a fixed list (One, Many); Lookup, if set, replaces it.
	Choices []Choice
	Lookup  Lookup
	// Check, if set, vets a typed value (Text, or a value typed in full);
	// its message is shown and the question asked again.
	Check func(string) error
}

// A Form is what Run asks.
type Form struct {
	// Required fields are asked in order, those not Given.
	Required []Field
	// Optional fields not Given are offered in one list; those picked are
	// then asked in order and may be left empty.
	Optional []Field
	// Given reports whether a field already has a value (a flag); nil is
	// nothing given.
	Given func(name string) bool
	// Preview renders the request the values make (as a dry run shows it).
	// An error ends the form with that error.
	Preview func(Values) (string, error)
	// Question is the final yes or no; "" is "Send this request?".
	Question string
}

// Values are the answers: field name to the values given (one for Text
// and One). Fields left empty are absent.
type Values map[string][]string

// DefaultSpinnerDelay is how long a lookup may take before a spinner shows.
const DefaultSpinnerDelay = 300 * time.Millisecond

// A Prompter asks on one terminal. It is not safe for concurrent use.
type Prompter struct {
	in  *os.File
	out io.Writer
	// Accessible asks with plain numbered prompts, one per line, with no
	// cursor movement: what a screen reader can follow.
	Accessible bool
	// SpinnerDelay is how long a lookup may take before a spinner (or, when
	// Accessible, a line saying so) shows.
	SpinnerDelay time.Duration

	rd *reader
}

// New returns a Prompter reading from in (a terminal) and writing to out.
// BILLCTL_ACCESSIBLE=1 in getenv makes it Accessible, and so does
// TERM=dumb: such a terminal cannot move the cursor to redraw a list.
func New(in *os.File, out io.Writer, getenv func(string) string) *Prompter {
	accessible := isSet(getenv("BILLCTL_ACCESSIBLE")) || getenv("TERM") == "dumb"
	return &Prompter{in: in, out: out, Accessible: accessible, SpinnerDelay: DefaultSpinnerDelay}
}

// Run asks for the fields of f that are not given, shows the request and
// asks to confirm it. It returns the values to set, or ErrCancelled, or
// the error of f.Preview or of the terminal.
func (p *Prompter) Run(ctx context.Context, f Form) (Values, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop() // lookups still running are no longer needed
	u, err := p.open()
	if err != nil {
		return nil, err
	}
	defer u.close()

	given := f.Given
	if given == nil {
		given = func(string) bool { return false }
	}
	vals := Values{}
	// Every required list is read at once, while the person answers the
	// first question.
	var required []Field
	var sources []*source
	for _, fld := range f.Required {
		if !given(fld.Name) {
			required = append(required, fld)
			sources = append(sources, startSource(ctx, fld))
		}
	}
	for i, fld := range required {
		v, err := ask(ctx, u, fld, sources[i], true)
		if err != nil {
			return nil, err
		}
		vals[fld.Name] = v
	}

	var optional []Field
	var menu []Choice
	for _, fld := range f.Optional {
		if !given(fld.Name) {
			optional = append(optional, fld)
			menu = append(menu, Choice{Value: fld.Name, Label: fld.Label})
		}
	}
	if len(optional) > 0 {
		picked, err := u.pick(ctx, question{
			label: "Anything else?",
			hint:  "Space to choose, Enter when done (Enter alone: nothing else)",
			src:   ready(menu),
			multi: true,
		})
		if err != nil {
			return nil, err
		}
		chosen := map[string]bool{}
		for _, name := range picked {
			chosen[name] = true
		}
		for _, fld := range optional {
			if !chosen[fld.Name] {
				continue
			}
			v, err := ask(ctx, u, fld, startSource(ctx, fld), false)
			if err != nil {
				return nil, err
			}
			if len(v) > 0 {
				vals[fld.Name] = v
			}
		}
	}

	if f.Preview != nil {
		text, err := f.Preview(vals)
		if err != nil {
			return nil, err
		}
		u.show(text)
	}
	q := f.Question
	if q == "" {
		q = "Send this request?"
	}
	ok, err := u.yesNo(ctx, q, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrCancelled
	}
	return vals, nil
}

// Confirm asks a yes or no question; yes is the answer to Enter alone when
// def is true. Ctrl-C or Esc is ErrCancelled.
func (p *Prompter) Confirm(ctx context.Context, q string, def bool) (bool, error) {
	u, err := p.open()
	if err != nil {
		return false, err
	}
	defer u.close()
	return u.yesNo(ctx, q, def)
}

// ask asks for one field.
func ask(ctx context.Context, u ui, fld Field, src *source, required bool) ([]string, error) {
	if fld.Kind == Text {
		v, err := u.text(ctx, fld, required)
		if err != nil || v == "" {
			return nil, err
		}
		return []string{v}, nil
	}
	hint := fld.Hint
	if hint == "" {
		if fld.Kind == Many {
			hint = "type to filter, Space to choose, Enter when done; or type a value"
		} else {
			hint = "type to filter, ↑/↓ to move, Enter to pick; or type a value"
		}
	}
	return u.pick(ctx, question{
		label:    fld.Label,
		hint:     hint,
		src:      src,
		multi:    fld.Kind == Many,
		required: required,
		typed:    true,
		check:    fld.Check,
	})
}

// A ui is one way of asking: on a terminal in raw mode, or line by line.
type ui interface {
	pick(ctx context.Context, q question) ([]string, error)
	text(ctx context.Context, fld Field, required bool) (string, error)
	yesNo(ctx context.Context, q string, def bool) (bool, error)
	show(text string)
	close()
}

// A question is a list to pick from.
type question struct {
	label, hint string
	src         *source
	multi       bool
	// required: an answer must be given; otherwise Enter alone gives none.
	required bool
	// typed: a value not in the list may be typed in full.
	typed bool
	check func(string) error
}

func (p *Prompter) open() (ui, error) {
	if p.rd == nil {
		p.rd = newReader(p.in)
	}
	delay := p.SpinnerDelay
	if delay <= 0 {
		delay = DefaultSpinnerDelay
	}
	if p.Accessible {
		return newPlain(p.rd, p.out, delay), nil
	}
	return newTTY(p.in, p.rd, p.out, delay)
}

// A reader reads the terminal in the background, so a prompt can wait on
// keys, a lookup and a clock at once. One per Prompter: a read cannot be
// interrupted, so a second reader would steal the first one's keys.
type reader struct {
	ch chan chunk
}

type chunk struct {
	b   []byte
	err error
}

func newReader(r io.Reader) *reader {
	rd := &reader{ch: make(chan chunk, 16)}
	go func() {
		for {
			buf := make([]byte, 256)
			n, err := r.Read(buf)
			if n > 0 {
				rd.ch <- chunk{b: buf[:n]}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = io.EOF
				}
				rd.ch <- chunk{err: err}
				close(rd.ch) // every later wait sees the end at once
				return
			}
		}
	}()
	return rd
}

// isSet reads a boolean environment variable: set and not "0" or "false".
func isSet(v string) bool {
	return v != "" && v != "0" && v != "false"
}
