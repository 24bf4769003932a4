package output

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/safetext"
)

// Item is one result of a command (provider.Result): a session, or the
// error a batch document met.
type Item = provider.Result

// Printer writes results in one format.
type Printer struct {
	IO     *IO
	Format string
	// Time formats the API's timestamps for display; nil shows them as
	// the API sent them (RFC 3339).
	Time func(string) string
	// Vocabulary is the provider's: its status colours, what its null
	// fields mean.
	Vocabulary provider.Vocabulary
	// Columns (--columns) are the session's fields that a table or CSV
	// shows, in this order; nil shows the usual ones.
	Columns []string
	// JQ (--jq) filters json output, under Context (Ctrl-C stops an
	// expression that runs on; nil: no deadline).
	JQ      *JQ
	Context context.Context

	f sessionFormat // Format's, looked up once
}

// One prints a single session.
func (p *Printer) One(s *provider.Session) error { return p.format().one(p, s) }

// Many prints several results in order (a batch or a list).
func (p *Printer) Many(items []Item) error { return p.format().many(p, items) }

// cell is text from the API as a table cell or an output line: its
// control characters escaped, so that it can neither drive the terminal
// (retitle, clear, plant a hyperlink) nor break its line. json and yaml
// show the API's text exactly, in their own escapes; everything else
// shows it through here.
func cell(s string) string { return safetext.Line(s) }

// itemsArray is the JSON array of the items, each as itemJSON.
func itemsArray(items []Item) []byte {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(itemJSON(it))
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// itemJSON is a session as the API returned it, or the error in its place.
func itemJSON(it Item) []byte {
	if it.Session != nil {
		return it.Session.Raw
	}
	return failedJSON(it)
}

func (p *Printer) status(s string) string {
	if !p.IO.Color() || s == "" {
		return s
	}
	return Colorize(s, p.Vocabulary.Colours)
}

const colorReset = "\x1b[0m"

// Colorize paints a status by what it means for the customer, as the
// provider's colours say; a status without a colour stays plain.
func Colorize(status string, colours map[string]string) string {
	code := colours[status]
	if code == "" {
		return status
	}
	return "\x1b[" + code + "m" + status + colorReset
}

// never is what a null expiry field means to the provider, "" when it
// means nothing or sessions have no expiry field.
func (p *Printer) never() string {
	if p.Vocabulary.Expiry == "" {
		return ""
	}
	return p.Vocabulary.NullMeans[p.Vocabulary.Expiry]
}

// expires is the session's expiry, or what the provider says a null one
// means (never); "" when the API does not tell.
func expires(p *Printer, s *provider.Session) string {
	if s.ExpiresAt != "" {
		return s.ExpiresAt
	}
	never := p.never()
	if never == "" {
		return ""
	}
	rows, err := topLevel(s.Raw)
	if err != nil {
		return ""
	}
	for _, f := range rows {
		if f.key == p.Vocabulary.Expiry && f.null {
			return never
		}
	}
	return ""
}

// field is one top-level field of a session as text.
type field struct {
	key, text string
	null      bool
}

// topLevel lists the object's fields in the order the API sent them, each
// value as text (nested values as compact JSON).
func topLevel(raw []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("the session is not a JSON object")
	}
	var rows []field
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		text := string(v)
		var s string
		switch {
		case text == "null":
			rows = append(rows, field{key: fmt.Sprint(kt), null: true})
			continue
		case json.Unmarshal(v, &s) == nil:
			text = s
		default:
			var buf bytes.Buffer
			if json.Compact(&buf, v) == nil {
				text = buf.String()
			}
		}
		rows = append(rows, field{key: fmt.Sprint(kt), text: text})
	}
	return rows, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
