package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
)

// tableFormat is -o table, the default: for people. One session is
// field/value rows, several are a row each; a dry run's requests are their
// text (request line, headers, body).
type tableFormat struct{}

func (tableFormat) Name() string  { return format.Table }
func (tableFormat) Help() string  { return "a table, for people" }
func (tableFormat) emptyInWords() {}
func (tableFormat) takesColumns() {}

func (tableFormat) one(p *Printer, s *provider.Session) error { return p.fieldTable(s) }

// many shows the sessions as the stream's table, in one block when it fits.
func (tableFormat) many(p *Printer, items []Item) error { return p.streamAll(items) }

func (tableFormat) add(st *Stream, it Item) error {
	st.rows = append(st.rows, st.row(it))
	if len(st.rows) == tableBlock {
		return st.renderBlock()
	}
	return nil
}

func (tableFormat) close(st *Stream) error {
	if len(st.rows) > 0 || st.cols == nil {
		return st.renderBlock()
	}
	return nil
}

// dryRun prints each request as text: the request line, the headers, the
// body; a batch's documents numbered.
func (tableFormat) dryRun(buf *bytes.Buffer, reqs []DryRequest, _ bool) error {
	for i, r := range reqs {
		if i > 0 {
			buf.WriteString("\n")
		}
		if r.Index > 0 {
			fmt.Fprintf(buf, "# document %d\n", r.Index)
		}
		fmt.Fprintf(buf, "%s %s\n", r.Method, r.URL)
		for _, k := range sortedKeys(r.Headers) {
			fmt.Fprintf(buf, "%s: %s\n", k, r.Headers[k])
		}
		buf.WriteString("\n")
		_ = json.Indent(buf, r.Body, "", "  ")
		buf.WriteString("\n")
	}
	return nil
}

// records shows a header and a row per record, columns two spaces apart.
func (tableFormat) records(p *Printer, r Records) error {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(r.Header, "\t"))
	for _, row := range r.Rows {
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// tabwriter pads a cell even when the cells after it are empty.
	for line := range strings.Lines(buf.String()) {
		if _, err := fmt.Fprintln(p.IO.Out, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}

// record shows one record as "key: value" lines, the values lined up.
func (tableFormat) record(p *Printer, r Record) error {
	w := tabwriter.NewWriter(p.IO.Out, 0, 0, 1, ' ', 0)
	for _, f := range r.Fields {
		fmt.Fprintf(w, "%s:\t%s\n", f.Key, f.Value)
	}
	return w.Flush()
}

// tableBlock is how many rows a streamed table renders at a time. A batch
// no longer than this prints exactly as Many would; a longer one prints in
// blocks, so that its length never shows in memory.
const tableBlock = 256

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

// column is a column of a table of sessions.
type column struct {
	name string
	get  func(*Printer, *provider.Session) string
	// long: a batch's ERROR column comes before this one, so that the
	// short columns come first and the long one last, unpadded.
	long bool
	// time: a timestamp, shown relative to now on a terminal.
	time bool
}

// rowColumns are the columns of a table of sessions, after a batch's
// document number, as Many shows them.
var rowColumns = []column{
	{name: "ID", get: func(_ *Printer, s *provider.Session) string { return s.ID }},
	{name: "STATUS", get: func(_ *Printer, s *provider.Session) string { return s.Status }},
	{name: "CUSTOMER", get: func(_ *Printer, s *provider.Session) string { return s.Customer }},
	{name: "PLAN", get: func(_ *Printer, s *provider.Session) string { return s.Plan }},
	{name: "EXPIRES", get: expires, time: true},
	{name: "URL", get: func(_ *Printer, s *provider.Session) string { return s.URL }, long: true},
}

// row is an item as table cells: the number, every column of rowColumns,
// the error. Only text is kept, not the session.
func (s *Stream) row(it Item) []string {
	r := make([]string, 0, len(s.columns)+2)
	r = append(r, strconv.Itoa(it.Index))
	for _, c := range s.columns {
		v := ""
		if it.Session != nil {
			v = c.get(s.p, it.Session)
			if c.time && s.p.Time != nil && v != "" && v != s.p.never() {
				v = s.p.Time(v)
			}
		}
		r = append(r, cell(v))
	}
	msg := ""
	if it.Err != nil {
		msg = cell(firstLine(it.Err.Error()))
	}
	return append(r, msg)
}

// errorCol is the index of the error in a row.
func (s *Stream) errorCol() int { return len(s.columns) + 1 }

// renderBlock prints the rows held. The first block chooses the columns
// (ID, and those some session of the block has; for a batch the document
// number and the error too, the error before the long URL) and prints the
// header; every cell is padded to the widest seen in its column so far,
// so that the blocks line up as one table.
func (s *Stream) renderBlock() error {
	first := s.cols == nil
	if first {
		batch := false
		for _, r := range s.rows {
			batch = batch || r[0] != "0"
		}
		s.cols = []int{}
		if batch {
			s.cols = append(s.cols, 0)
		}
		errorCol := s.errorCol()
		for c := range s.columns {
			// Columns asked for with --columns are shown even when empty.
			used := c == 0 || s.p.Columns != nil
			for _, r := range s.rows {
				used = used || r[c+1] != ""
			}
			if s.columns[c].long && batch {
				s.cols = append(s.cols, errorCol)
			}
			if used {
				s.cols = append(s.cols, c+1)
			}
		}
		if batch && !slices.Contains(s.cols, errorCol) {
			s.cols = append(s.cols, errorCol)
		}
		s.width = make([]int, len(s.cols))
		for i, c := range s.cols {
			s.width[i] = displayWidth(s.header(c))
		}
	}
	for _, r := range s.rows {
		for i, c := range s.cols {
			s.width[i] = max(s.width[i], displayWidth(r[c]))
		}
	}
	lines := make([][]string, 0, len(s.rows)+1)
	if first {
		header := make([]string, len(s.cols))
		for i, c := range s.cols {
			header[i] = s.pad(s.header(c), i)
		}
		lines = append(lines, header)
	}
	for _, r := range s.rows {
		cells := make([]string, len(s.cols))
		for i, c := range s.cols {
			v := r[c]
			padded := s.pad(v, i)
			if c > 0 && c < s.errorCol() && s.columns[c-1].name == "STATUS" {
				padded = s.p.status(v) + padded[len(v):]
			}
			cells[i] = padded
		}
		lines = append(lines, cells)
	}
	s.rows = s.rows[:0]
	return writeRows(s.w, lines)
}

// header is the title of column c of a row.
func (s *Stream) header(c int) string {
	switch c {
	case 0:
		return "#"
	case s.errorCol():
		return "ERROR"
	}
	return s.columns[c-1].name
}

// pad fills v with spaces to the width of shown column i.
func (s *Stream) pad(v string, i int) string {
	if n := s.width[i] - displayWidth(v); n > 0 {
		return v + strings.Repeat(" ", n)
	}
	return v
}

// displayWidth is the width of v in terminal cells (the columns hold IDs,
// URLs and dates: one cell per rune).
func displayWidth(v string) int { return utf8.RuneCountInString(v) }

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
