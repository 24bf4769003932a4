package request

import (
	"fmt"
	"slices"
	"strings"

	"github.com/billctl/billctl/internal/exitcode"
)

// FieldError is one mistake in the input.
type FieldError struct {
	Place string // "file.yaml:12", "--set a.b", "--customer", or ""
	Doc   int    // document of a batch, from 1; 0 for a lone document
	Path  string // dotted field path, "" for the document itself
	Msg   string
	// Note is help shared by many errors (the known fields of an
	// object): a list of errors prints each note once, at its end.
	Note string
}

func (e *FieldError) Error() string {
	if e.Note == "" {
		return e.text()
	}
	return e.text() + " (" + e.Note + ")"
}

// text is the error without its note.
func (e *FieldError) text() string {
	var b strings.Builder
	if e.Place != "" {
		b.WriteString(e.Place)
		if e.Doc > 0 {
			fmt.Fprintf(&b, " (document %d)", e.Doc)
		}
		b.WriteString(": ")
	} else if e.Doc > 0 {
		fmt.Fprintf(&b, "document %d: ", e.Doc)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every mistake found in one or more documents. It is an input
// error: exit status 2, nothing sent.
type Errors struct{ List []*FieldError }

func (e *Errors) Error() string {
	if len(e.List) == 1 {
		return e.List[0].Error() + "\nnothing was sent"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the input; nothing was sent:", len(e.List))
	var notes []string
	for _, fe := range e.List {
		b.WriteString("\n  " + fe.text())
		if fe.Note != "" && !slices.Contains(notes, fe.Note) {
			notes = append(notes, fe.Note)
		}
	}
	for _, n := range notes {
		b.WriteString("\n" + n)
	}
	return b.String()
}

// ExitCode makes input errors exit with status 2.
func (e *Errors) ExitCode() int { return exitcode.Usage }

// add appends one error.
func (e *Errors) add(fe *FieldError) { e.List = append(e.List, fe) }

// Err returns e, or nil when it holds nothing.
func (e *Errors) Err() error {
	if e == nil || len(e.List) == 0 {
		return nil
	}
	return e
}
