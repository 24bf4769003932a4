package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/itchyny/gojq"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/safetext"
)

// JQ is a compiled --jq expression.
type JQ struct {
	code *gojq.Code
}

// ParseJQ compiles a --jq expression. It is called while the flags are
// read, so that a bad expression is a usage error (exit 2) before any
// request is sent.
func ParseJQ(expr string) (*JQ, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			return nil, exitcode.FlagUsagef("--jq: %v (after %q)", err, expr[:min(pe.Offset, len(expr))])
		}
		return nil, exitcode.FlagUsagef("--jq: %v", err)
	}
	// No environment: $ENV and env would otherwise print the token when it
	// came from BILLCTL_TOKEN.
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(func() []string { return nil }))
	if err != nil {
		return nil, exitcode.FlagUsagef("--jq: %v", err)
	}
	return &JQ{code: code}, nil
}

// Write runs the expression on one JSON value (a session, or the array of
// a list or batch) and prints every result as jq does: each on its own
// line, indented by two spaces, except that a string is printed as its
// bare text (jq -r), ready for a shell, its control characters but line
// feeds and tabs escaped.
func (q *JQ) Write(ctx context.Context, w io.Writer, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers keep their digits, as jq 1.7 keeps them
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("--jq: reading the output: %w", err)
	}
	var buf bytes.Buffer
	iter := q.code.RunWithContext(ctx, v)
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := r.(error); ok {
			var he *gojq.HaltError
			if errors.As(err, &he) && he.Value() == nil {
				break // halt: a normal stop
			}
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
			// gojq's errors carry jq's exit statuses (5, or halt_error's
			// own): not wrapped, so the exit status is the contract's 1.
			return exitcode.New(exitcode.Failure, fmt.Errorf("--jq: %s", jqErrorText(err)))
		}
		if s, ok := r.(string); ok {
			// Bare text, no longer JSON: the API's control characters
			// are shown escaped (its lines kept), as outside json and yaml.
			buf.WriteString(safetext.Text(s))
		} else {
			b, err := gojq.Marshal(r)
			if err != nil {
				return fmt.Errorf("--jq: %w", err)
			}
			if err := json.Indent(&buf, b, "", "  "); err != nil {
				buf.Write(b)
			}
		}
		buf.WriteByte('\n')
		if buf.Len() > 32<<10 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
			buf.Reset()
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// jqErrorText is what a failing filter says: halt_error's value is shown
// as jq shows it (a string bare, anything else as JSON).
func jqErrorText(err error) string {
	var he *gojq.HaltError
	if errors.As(err, &he) {
		if s, ok := he.Value().(string); ok {
			return s
		}
		if b, merr := gojq.Marshal(he.Value()); merr == nil {
			return string(b)
		}
	}
	return err.Error()
}
