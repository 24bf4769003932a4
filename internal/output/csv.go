package output

import (
	"encoding/csv"
	"encoding/json"
	"io"

	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
)

// csvFormat is -o csv: one line per session, for spreadsheets (see CSV).
type csvFormat struct{}

func (csvFormat) Name() string  { return format.CSV }
func (csvFormat) Help() string  { return "one line per session, for spreadsheets" }
func (csvFormat) takesColumns() {}
func (csvFormat) keepsRows()    {}

func (csvFormat) one(p *Printer, s *provider.Session) error {
	c := NewCSV(p.IO.Out, CSVOptions{Columns: p.Columns})
	if err := c.Write(CSVLine{Session: s.Raw}); err != nil {
		return err
	}
	return c.Close()
}

// many writes the lines as the stream does.
func (csvFormat) many(p *Printer, items []Item) error { return p.streamAll(items) }

// add starts the CSV at the first item: a batch's (its items numbered)
// has an error column.
func (csvFormat) add(st *Stream, it Item) error {
	if st.csv == nil {
		st.csv = NewCSV(st.w, CSVOptions{Columns: st.p.Columns, Error: it.Index > 0})
	}
	return st.csv.Write(csvLine(it))
}

func (csvFormat) close(st *Stream) error {
	if st.csv == nil {
		st.csv = NewCSV(st.w, CSVOptions{Columns: st.p.Columns})
	}
	return st.csv.Close()
}

// CSVOptions shape the lines of -o csv.
type CSVOptions struct {
	// Input is the header of the sheet the sessions came from (--rows):
	// each line then starts with its row's cells, as they were read, so
	// the file goes back into the sheet.
	Input []string
	// Columns are the session's fields to write, in order. Empty: the
	// fields of the first session, in the API's order, or with Input,
	// DefaultRowColumns.
	Columns []string
	// Error adds an "error" column: a failed session keeps its line, with
	// the error in it (batches and rows).
	Error bool
	// BOM starts the output with a UTF-8 byte order mark and CRLF ends
	// its lines with CR LF, as the sheet read had them: the program that
	// exported it opens the result as it opened the sheet.
	BOM, CRLF bool
}

// DefaultRowColumns follow a sheet's own cells after --rows.
var DefaultRowColumns = []string{"id", "status", "url"}

// CSVLine is one line: a session, or the error that took its place.
type CSVLine struct {
	Input   []string        // the row's cells (with CSVOptions.Input)
	Session json.RawMessage // the session as the API returned it; nil on failure
	// Values are cells the session's JSON does not hold under the column's
	// name, by column (a provider's URL field is "checkout_url": "url" is
	// given here). They win over the JSON's fields.
	Values map[string]string
	Err    string
}

// CSV writes sessions as RFC 4180 CSV, a header and then one line per
// session in the order they are given, without holding them: a batch of
// any length streams through.
type CSV struct {
	out  io.Writer // under w, for the byte order mark
	w    *csv.Writer
	opts CSVOptions
	cols []string
	// Failures that come before the first session wait here when the
	// columns are the first session's, which only it can tell.
	waiting    []CSVLine
	headerDone bool
}

// NewCSV starts CSV output to w.
func NewCSV(w io.Writer, opts CSVOptions) *CSV {
	lines := w
	if opts.CRLF {
		lines = &crlf{w: w}
	}
	c := &CSV{out: w, w: csv.NewWriter(lines), opts: opts}
	switch {
	case len(opts.Columns) > 0:
		c.cols = opts.Columns
	case opts.Input != nil:
		c.cols = DefaultRowColumns
	}
	return c
}

// Write adds one line.
func (c *CSV) Write(l CSVLine) error {
	if c.cols == nil {
		if l.Session == nil {
			c.waiting = append(c.waiting, l)
			return nil
		}
		names, _, err := Fields(l.Session)
		if err != nil {
			return err
		}
		c.cols = names
	}
	if err := c.header(); err != nil {
		return err
	}
	for _, w := range c.waiting {
		if err := c.line(w); err != nil {
			return err
		}
	}
	c.waiting = nil
	return c.line(l)
}

// Close writes what waits (the header at least) and flushes.
func (c *CSV) Close() error {
	if c.cols == nil && c.waiting == nil && !c.opts.Error {
		// Nothing to show, and no columns known to name: no output
		// (an empty list prints nothing, as `-o id` does).
		return c.Flush()
	}
	if c.cols == nil {
		c.cols = []string{}
	}
	if err := c.header(); err != nil {
		return err
	}
	for _, w := range c.waiting {
		if err := c.line(w); err != nil {
			return err
		}
	}
	c.waiting = nil
	c.w.Flush()
	return c.w.Error()
}

// Flush writes out the lines so far.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *CSV) header() error {
	if c.headerDone {
		return nil
	}
	h := make([]string, 0, len(c.opts.Input)+len(c.cols)+1)
	h = append(h, c.opts.Input...)
	h = append(h, c.cols...)
	if c.opts.Error {
		h = append(h, "error")
	}
	c.headerDone = true
	if c.opts.BOM {
		// Nothing is buffered before the header: the mark comes first.
		if _, err := io.WriteString(c.out, "\ufeff"); err != nil {
			return err
		}
	}
	return c.w.Write(h)
}

func (c *CSV) line(l CSVLine) error {
	rec := make([]string, 0, len(c.opts.Input)+len(c.cols)+1)
	if c.opts.Input != nil {
		in := l.Input
		for i := range c.opts.Input {
			v := ""
			if i < len(in) {
				v = in[i]
			}
			rec = append(rec, v)
		}
	}
	var values map[string]Value
	if l.Session != nil {
		var err error
		if _, values, err = Fields(l.Session); err != nil {
			return err
		}
	}
	for _, col := range c.cols {
		if v, ok := l.Values[col]; ok && l.Session != nil {
			rec = append(rec, Neutralize(v))
			continue
		}
		v := values[col]
		if v.Str {
			v.Text = Neutralize(v.Text)
		}
		rec = append(rec, v.Text)
	}
	if c.opts.Error {
		rec = append(rec, Neutralize(l.Err))
	}
	return c.w.Write(rec)
}

// Neutralize keeps a spreadsheet from running text as a formula: text
// that starts with =, +, - or @ (or a tab or carriage return, which some
// programs skip before looking) gets a leading '. Only text from the API
// goes through it; JSON numbers cannot hold a formula and stay as they are.
func Neutralize(s string) string {
	s = cell(s) // control characters escaped, as everywhere outside json and yaml
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// crlf ends the lines of CSV written through it with CR LF, and leaves a
// line break inside a quoted cell as it is, as spreadsheet programs write
// them (csv.Writer's UseCRLF would turn those into CR LF too). A quote
// toggles being inside a cell: a doubled quote toggles twice.
type crlf struct {
	w      io.Writer
	quoted bool
	buf    []byte
}

func (c *crlf) Write(p []byte) (int, error) {
	c.buf = c.buf[:0]
	for _, b := range p {
		switch {
		case b == '"':
			c.quoted = !c.quoted
		case b == '\n' && !c.quoted:
			c.buf = append(c.buf, '\r')
		}
		c.buf = append(c.buf, b)
	}
	if _, err := c.w.Write(c.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}
