// Package rows reads the requests of a sheet: a CSV (or TSV) file whose
// header names request fields as --set paths and whose every further row
// is one request. It reads files as spreadsheet programs export them and
// one row at a time, so a sheet of any length is never held whole.
package rows

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/billctl/billctl/internal/request"
)

// Row is one row of a sheet: its number and its cells, one per column of
// the header ("" for an empty or missing cell).
type Row struct {
	// Index counts rows from 1, the first row after the header: the number
	// in messages, in a batch's index and in idempotency keys.
	Index int
	Cells []string
}

// Sheet reads the rows of one file after its header.
type Sheet struct {
	// Name is the file as messages name it ("<stdin>" for -).
	Name string
	// Header is the header's cells as written (without a byte order mark
	// and surrounding spaces), trailing empty ones dropped.
	Header []string
	// BOM: the file began with a UTF-8 byte order mark. CRLF: its header
	// ended with CR LF. The spreadsheet program that wrote the file reads
	// a result written the same way as it reads the file.
	BOM, CRLF bool

	wire    reflect.Type
	columns []column
	r       *csv.Reader
	n       int // records read after the header
	blank   int // the first of the empty rows read since the last full one; 0 if none
	full    int // rows returned
}

// column is how a header cell sets a field.
type column struct {
	path string
	// key is set for a column under a free-form field (metadata.crm_id):
	// the cell is a string under that key, never read as YAML (a CRM id
	// 00123 stays "00123").
	field, key string
}

// IsTSV reports whether a file name says tab-separated values.
func IsTSV(name string) bool { return strings.EqualFold(filepath.Ext(name), ".tsv") }

// Open reads and checks the header of a sheet. wire is the request's Go
// type: every header cell must be a path of it. tsv picks tabs over commas.
// Errors are *request.Errors (exit status 2), every one naming the column.
func Open(r io.Reader, name string, tsv bool, wire reflect.Type) (*Sheet, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	bom, err := skipBOM(br, name)
	if err != nil {
		return nil, err
	}
	eol := &lineEnd{r: br}
	cr := csv.NewReader(eol)
	if tsv {
		cr.Comma = '\t'
		// Tab-separated exports often leave quotes unescaped (5" screen).
		cr.LazyQuotes = true
	}
	cr.FieldsPerRecord = -1 // rows may stop early or run on with empty cells
	cr.ReuseRecord = true
	s := &Sheet{Name: name, wire: wire, r: cr, BOM: bom}

	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, s.fail("", "", "the file is empty: the first row must name the fields of the columns")
	}
	if err != nil {
		return nil, s.parseError(err)
	}
	// The csv reader has read past the header's line end, since it reads
	// whole lines: the first line end seen is the header's (or one inside
	// a quoted header cell, written by the same program).
	s.CRLF = eol.crlf
	cells := make([]string, len(head))
	for i, h := range head {
		cells[i] = strings.TrimSpace(h)
	}
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) == 0 {
		return nil, s.fail(s.headerPlace(1), "", "the header row is empty: it must name the fields of the columns")
	}
	s.Header = cells
	errs := &request.Errors{}
	seen := map[string]int{}
	for i, h := range cells {
		col := column{path: h}
		place := s.headerPlace(i + 1)
		switch {
		case h == "":
			// A column without a name must stay empty (checked per row).
		case !utf8.ValidString(h):
			errs.List = append(errs.List, &request.FieldError{Place: place, Msg: "the header is not valid UTF-8 text (save the sheet as \"CSV UTF-8\")"})
		case seen[h] > 0:
			errs.List = append(errs.List, &request.FieldError{Place: place, Path: h, Msg: fmt.Sprintf("the same field as column %d", seen[h])})
		default:
			seen[h] = i + 1
			if err := request.CheckPath(wire, h); err != nil {
				errs.List = append(errs.List, &request.FieldError{Place: place, Path: h, Msg: "not a request field: " + err.Error()})
				break
			}
			if field, key, ok := strings.Cut(h, "."); ok && request.FreeForm(wire, field) {
				col.field, col.key = field, key
			}
		}
		s.columns = append(s.columns, col)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// skipBOM drops a UTF-8 byte order mark (spreadsheet programs write one
// in "CSV UTF-8"), reporting that there was one, and refuses UTF-16, which
// they write for "Unicode text".
func skipBOM(br *bufio.Reader, name string) (bool, error) {
	b, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		return true, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return false, &request.Errors{List: []*request.FieldError{{Place: name, Msg: "the file is UTF-16 text: save the sheet as \"CSV UTF-8\" (or tab-separated UTF-8)"}}}
	}
	return false, nil
}

// lineEnd passes r through and notes how its first line ends: the csv
// reader turns CR LF into LF and cannot tell.
type lineEnd struct {
	r          io.Reader
	seen, crlf bool
	last       byte // the byte before this read's first
}

func (l *lineEnd) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if !l.seen && n > 0 {
		if i := bytes.IndexByte(p[:n], '\n'); i >= 0 {
			l.seen = true
			l.crlf = i > 0 && p[i-1] == '\r' || i == 0 && l.last == '\r'
		}
		l.last = p[n-1]
	}
	return n, err
}

// Next returns the next row, or io.EOF after the last. Empty rows at the
// end of the file (spreadsheets export them as ",,,") are dropped; an
// empty row followed by a full one is an error, since it would leave a
// gap between the rows of the sheet and the sessions.
func (s *Sheet) Next() (*Row, error) {
	for {
		rec, err := s.r.Read()
		if errors.Is(err, io.EOF) {
			if s.full == 0 {
				return nil, s.fail(s.Name, "", "no rows after the header: nothing to send")
			}
			return nil, io.EOF
		}
		if err != nil {
			return nil, s.parseError(err)
		}
		s.n++
		row := &Row{Index: s.n, Cells: make([]string, len(s.Header))}
		empty := true
		for i, c := range rec {
			if c == "" {
				continue
			}
			empty = false
			if i >= len(s.Header) {
				return nil, s.fail(s.Place(s.n, i+1), "", "a value right of the last named column (the header has "+plural(len(s.Header), "column")+")")
			}
			if s.Header[i] == "" {
				return nil, s.fail(s.Place(s.n, i+1), "", "a value in a column whose header is empty")
			}
			row.Cells[i] = c
		}
		if empty {
			if s.blank == 0 {
				s.blank = s.n
			}
			continue
		}
		if s.blank > 0 {
			return nil, s.fail(fmt.Sprintf("%s:%d", s.Name, s.blank), "", "the row is empty, and rows follow it: delete it or fill it in")
		}
		s.full++
		return row, nil
	}
}

// Apply sets the row's non-empty cells on d, each read as its field's
// type (the cell 12.50 of a decimal field is sent as "12.50", true of a
// boolean as true). Errors name FILE:ROW:COLUMN and the field.
func (s *Sheet) Apply(d *request.Doc, row *Row) error {
	errs := &request.Errors{}
	for i, cell := range row.Cells {
		if cell == "" || i >= len(s.columns) {
			continue
		}
		c := s.columns[i]
		place := s.Place(row.Index, i+1)
		if !utf8.ValidString(cell) {
			errs.List = append(errs.List, &request.FieldError{Place: place, Path: c.path, Msg: "not valid UTF-8 text (save the sheet as \"CSV UTF-8\")"})
			continue
		}
		var err error
		if c.key != "" {
			err = d.SetKey(c.field, c.key, cell, place)
		} else {
			err = d.Set(s.wire, c.path, cell, place)
		}
		var fe *request.Errors
		switch {
		case errors.As(err, &fe):
			for _, e := range fe.List {
				e.Doc = 0 // the place names the row already
				errs.List = append(errs.List, e)
			}
		case err != nil:
			errs.List = append(errs.List, &request.FieldError{Place: place, Path: c.path, Msg: err.Error()})
		}
	}
	return errs.Err()
}

// Place names a cell: FILE:ROW:COLUMN, both counted from 1 (row 1 is the
// first after the header).
func (s *Sheet) Place(row, col int) string {
	// Made for every cell of every row: without fmt, which costs more
	// here than reading the cell.
	b := make([]byte, 0, len(s.Name)+16)
	b = append(b, s.Name...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(col), 10)
	return string(b)
}

func (s *Sheet) headerPlace(col int) string {
	return fmt.Sprintf("%s:header:%d", s.Name, col)
}

func (s *Sheet) fail(place, path, msg string) error {
	if place == "" {
		place = s.Name
	}
	return &request.Errors{List: []*request.FieldError{{Place: place, Path: path, Msg: msg}}}
}

// parseError turns encoding/csv's error into one that names the row.
func (s *Sheet) parseError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return s.fail("", "", "reading the sheet: "+err.Error())
	}
	place := s.headerPlace(pe.Column)
	if s.Header != nil {
		place = fmt.Sprintf("%s:%d", s.Name, s.n+1)
	}
	msg := pe.Err.Error()
	if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
		msg += ` (a quote inside a cell must be doubled: "", and the cell quoted)`
	}
	return s.fail(place, "", fmt.Sprintf("malformed CSV at line %d, column %d: %s", pe.Line, pe.Column, msg))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
