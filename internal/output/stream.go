package output

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/billctl/billctl/internal/provider"
)

// Stream prints the results of a batch one at a time, in the order they are
// added, so that a batch of any length is printed without being held whole:
// json and yaml arrays element by element, id and url line by line, and a
// table block by block, its columns chosen by the first block and kept.
type Stream struct {
	p *Printer
	f sessionFormat
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
	return &Stream{p: p, f: p.format(), w: bufio.NewWriterSize(p.IO.Out, 32<<10), columns: p.tableColumns()}
}

// streamAll prints the items through a stream: for a table, one block
// when they fit.
func (p *Printer) streamAll(items []Item) error {
	st := p.Stream()
	for _, it := range items {
		if err := st.Add(it); err != nil {
			return err
		}
	}
	return st.Close()
}

// Add prints one item after those added before it.
func (s *Stream) Add(it Item) error {
	s.n++
	return s.f.add(s, it)
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
	err := s.f.close(s)
	if ferr := s.w.Flush(); err == nil {
		err = ferr
	}
	return err
}

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
