package output

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"gopkg.in/yaml.v3"

	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/safetext"
)

// Formats are the values of -o for results.
var Formats = format.Results

// RecordFormats are the formats any record prints in: the values of -o of
// commands that print something other than sessions.
var RecordFormats = format.Records

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
}

// One prints a single session.
func (p *Printer) One(s *provider.Session) error {
	switch p.Format {
	case "json":
		if p.JQ != nil {
			return p.JQ.Write(p.ctx(), p.IO.Out, s.Raw)
		}
		return writeJSON(p.IO.Out, s.Raw)
	case "csv":
		c := NewCSV(p.IO.Out, CSVOptions{Columns: p.Columns})
		if err := c.Write(CSVLine{Session: s.Raw}); err != nil {
			return err
		}
		return c.Close()
	case "yaml":
		return writeYAML(p.IO.Out, s.Raw)
	case "id", "url":
		_, err := fmt.Fprintln(p.IO.Out, p.line(s))
		return err
	default:
		return p.fieldTable(s)
	}
}

// Many prints several results in order (a batch or a list).
func (p *Printer) Many(items []Item) error {
	switch p.Format {
	case "json", "yaml":
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(itemJSON(it))
		}
		buf.WriteByte(']')
		if p.Format == "json" && p.JQ != nil {
			return p.JQ.Write(p.ctx(), p.IO.Out, buf.Bytes())
		}
		if p.Format == "json" {
			return writeJSON(p.IO.Out, buf.Bytes())
		}
		return writeYAML(p.IO.Out, buf.Bytes())
	case "id", "url":
		// One line per item, an empty one for a failure, so that line N is
		// always document N.
		var b strings.Builder
		for _, it := range items {
			if it.Session != nil {
				b.WriteString(p.line(it.Session))
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(p.IO.Out, b.String())
		return err
	default: // table, csv
		return p.rowTable(items)
	}
}

// line is a session's line of -o id or -o url. Like every text the API
// sent that is shown outside json and yaml, it goes through
// safetext.Line: a server must not reach the terminal (see cell).
func (p *Printer) line(s *provider.Session) string {
	if p.Format == "id" {
		return cell(s.ID)
	}
	return cell(s.URL)
}

// cell is text from the API as a table cell or an output line: its
// control characters escaped, so that it can neither drive the terminal
// (retitle, clear, plant a hyperlink) nor break its line. json and yaml
// show the API's text exactly, in their own escapes; everything else
// shows it through here.
func cell(s string) string { return safetext.Line(s) }

// itemJSON is a session as the API returned it, or the error in its place.
func itemJSON(it Item) []byte {
	if it.Session != nil {
		return it.Session.Raw
	}
	return failedJSON(it)
}

func writeJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// writeYAML converts JSON to YAML keeping key order and number text. The
// JSON is read as JSON, not as YAML: a YAML parser refuses the C1 control
// characters that JSON may carry unescaped, and the YAML encoder escapes
// every control character in its own syntax ("\e", "\x9B"), exactly.
func writeYAML(w io.Writer, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := yamlNode(dec)
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}

// yamlNode reads the next JSON value of dec as a YAML node, in block style.
func yamlNode(dec *json.Decoder) (*yaml.Node, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := t.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if v == '[' {
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(k)})
			}
			c, err := yamlNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(v.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}, nil
	default: // null
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
}

// fieldTable shows one session as field/value rows, in the API's order.
func (p *Printer) fieldTable(s *provider.Session) error {
	rows, err := topLevel(s.Raw)
	if err != nil {
		return err
	}
	if p.Columns != nil {
		rows = pick(rows, p.Columns)
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf, tableOptions()...)
	t.Header("FIELD", "VALUE")
	for _, f := range rows {
		v := cell(f.text)
		switch {
		case f.null && p.Vocabulary.NullMeans[f.key] != "":
			v = p.Vocabulary.NullMeans[f.key]
		case f.null && p.Columns == nil:
			continue // unasked, a null says nothing; asked for, it is shown empty
		case f.null:
			v = ""
		case f.key == "status":
			v = p.status(v)
		case strings.HasSuffix(f.key, "_at") && p.Time != nil:
			v = p.Time(v)
		}
		if err := t.Append(cell(f.key), v); err != nil {
			return err
		}
	}
	return writeTable(p.IO.Out, t, &buf)
}

// rowTable shows several sessions, one per row, with only the columns
// that some session has: the stream's table, in one block when it fits.
func (p *Printer) rowTable(items []Item) error {
	st := p.Stream()
	for _, it := range items {
		if err := st.Add(it); err != nil {
			return err
		}
	}
	return st.Close()
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

func tableOptions() []tablewriter.Option {
	return []tablewriter.Option{
		tablewriter.WithRendition(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		}),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		// Columns start at the margin and are two spaces apart, as in
		// kubectl and gh, so that `cut`, `awk` and eyes line up alike.
		tablewriter.WithPadding(tw.Padding{Right: "  ", Overwrite: true}),
	}
}

// writeTable renders t, which writes into buf, to w. tablewriter closes a
// coloured cell's colour once more after the spaces that pad it; that
// second reset code is dropped, so a coloured cell ends where its text does.
// Lines end where their text does: the last cell is not padded, so that a
// table with a long URL wraps no more than it must at 80 columns and piped
// output carries no blanks.
func writeTable(w io.Writer, t *tablewriter.Table, buf *bytes.Buffer) error {
	if err := t.Render(); err != nil {
		return err
	}
	_, err := w.Write(trimLines(repeatedReset().ReplaceAll(buf.Bytes(), []byte(colorReset+"$1"))))
	return err
}

// trimLines drops the spaces at the end of every line of b.
func trimLines(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line, rest, found := bytes.Cut(b, []byte{'\n'})
		out = append(out, bytes.TrimRight(line, " ")...)
		if found {
			out = append(out, '\n')
		}
		b = rest
	}
	return out
}

// repeatedReset is compiled on first use: only coloured tables need it.
var repeatedReset = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\x1b\[0m( *)\x1b\[0m`) })

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
