package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/billctl/billctl/internal/provider"
)

// tableBlock is how many rows a streamed table renders at a time. A batch
// no longer than this prints exactly as Many would; a longer one prints in
// blocks, so that its length never shows in memory.
const tableBlock = 256

// Stream prints the results of a batch one at a time, in the order they are
// added, so that a batch of any length is printed without being held whole:
// json and yaml arrays element by element, id and url line by line, and a
// table block by block, its columns chosen by the first block and kept.
type Stream struct {
	p *Printer
	w *bufio.Writer
	n int // items added

	// A table's rows wait here, already as text, until a block is full.
	rows    [][]string
	columns []column // rowColumns, or those of --columns
	cols    []int    // the columns shown, fixed by the first block
	width   []int    // the widest cell of each shown column so far

	csv *CSV   // -o csv, made by the first item (a batch's has an error column)
	jq  []byte // json with --jq: the whole array, which the expression takes
}

// Stream starts printing a batch. Call Add for each item in order, Flush
// whenever the output should catch up, and Close at the end.
func (p *Printer) Stream() *Stream {
	return &Stream{p: p, w: bufio.NewWriterSize(p.IO.Out, 32<<10), columns: p.tableColumns()}
}

// Add prints one item after those added before it.
func (s *Stream) Add(it Item) error {
	s.n++
	switch s.p.Format {
	case "json":
		if s.p.JQ != nil {
			if s.n > 1 {
				s.jq = append(s.jq, ',')
			}
			s.jq = append(s.jq, itemJSON(it)...)
			return nil
		}
		if s.n == 1 {
			s.w.WriteString("[\n  ")
		} else {
			s.w.WriteString(",\n  ")
		}
		var buf bytes.Buffer
		raw := itemJSON(it)
		if err := json.Indent(&buf, raw, "  ", "  "); err != nil {
			buf.Reset()
			buf.Write(raw)
		}
		_, err := s.w.Write(buf.Bytes())
		return err
	case "yaml":
		// A one-element sequence renders as the element's "- " entry, so
		// the entries, written one after another, make the whole sequence.
		raw := append(append([]byte{'['}, itemJSON(it)...), ']')
		return writeYAML(s.w, raw)
	case "id", "url":
		// One line per item, an empty one for a failure, so that line N is
		// always document N.
		if it.Session != nil {
			s.w.WriteString(s.p.line(it.Session))
		}
		return s.w.WriteByte('\n')
	case "csv":
		if s.csv == nil {
			s.csv = NewCSV(s.w, CSVOptions{Columns: s.p.Columns, Error: it.Index > 0})
		}
		return s.csv.Write(csvLine(it))
	default:
		s.rows = append(s.rows, s.row(it))
		if len(s.rows) == tableBlock {
			return s.renderBlock()
		}
		return nil
	}
}

// Flush writes out what has been printed so far. A table's unfinished
// block stays back, since its columns may depend on rows still to come.
func (s *Stream) Flush() error {
	if s.csv != nil {
		if err := s.csv.Flush(); err != nil {
			return err
		}
	}
	return s.w.Flush()
}

// Close ends the output: the array's closing bracket, the table's last block.
func (s *Stream) Close() error {
	var err error
	switch s.p.Format {
	case "json":
		if s.p.JQ != nil {
			err = s.p.JQ.Write(s.p.ctx(), s.w, append(append([]byte{'['}, s.jq...), ']'))
			break
		}
		if s.n == 0 {
			_, err = s.w.WriteString("[]\n")
		} else {
			_, err = s.w.WriteString("\n]\n")
		}
	case "yaml":
		if s.n == 0 {
			_, err = s.w.WriteString("[]\n")
		}
	case "id", "url":
	case "csv":
		if s.csv == nil {
			s.csv = NewCSV(s.w, CSVOptions{Columns: s.p.Columns})
		}
		err = s.csv.Close()
	default:
		if len(s.rows) > 0 || s.cols == nil {
			err = s.renderBlock()
		}
	}
	if ferr := s.w.Flush(); err == nil {
		err = ferr
	}
	return err
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

// failedJSON is a failed batch item, its fields in the documented order:
// {"index": N, "error": {"status", "code", "message"[, "details"]}}.
func failedJSON(it Item) []byte {
	type apiError struct {
		Status  int      `json:"status"`
		Code    string   `json:"code"`
		Message string   `json:"message"`
		Details []string `json:"details,omitempty"`
	}
	var e any = struct {
		Message string `json:"message"`
	}{fmt.Sprint(it.Err)}
	var ae *provider.APIError
	if errors.As(it.Err, &ae) {
		e = apiError{Status: ae.Status, Code: ae.Code, Message: ae.Message, Details: ae.Details}
	}
	b, _ := json.Marshal(struct {
		Index int `json:"index"`
		Error any `json:"error"`
	}{it.Index, e})
	return b
}
