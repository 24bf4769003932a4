package create

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/request"
)

// openRows opens the sheet of --rows, which names the batch's input.
func (opts *CreateOptions) openRows() (io.Reader, string, func(), error) {
	if opts.Rows == "-" {
		opts.source = "<stdin>"
		return request.Stdin(opts.IO.In, opts.IO.Err, opts.IO.StdinTTY), "<stdin>", func() {}, nil
	}
	fh, err := os.Open(opts.Rows)
	if err != nil {
		return nil, "", nil, cmdutil.FlagErrorf("--rows: %v", unwrapPathError(err))
	}
	opts.source = opts.Rows
	return fh, opts.Rows, func() { fh.Close() }, nil
}

// rowsCSV prints the results of --rows -o csv: each row's cells as they
// were read, then its session's columns and its error.
type rowsCSV struct {
	csv   *output.CSV
	cells *engine.SpoolReader
}

func (o *rowsCSV) Add(it output.Item) error {
	c, err := o.cells.Next()
	if err != nil {
		return fmt.Errorf("reading back row %d: %w", it.Index, err)
	}
	var in []string
	if err := json.Unmarshal(c.Body, &in); err != nil {
		return fmt.Errorf("reading back row %d: %w", it.Index, err)
	}
	line := output.CSVLine{Input: in}
	if it.Session != nil {
		line.Session = it.Session.Raw
		// The provider's own names may differ (checkout_url): the
		// default columns come from what every session has.
		line.Values = map[string]string{"id": it.Session.ID, "status": it.Session.Status, "url": it.Session.URL}
	} else if it.Err != nil {
		line.Err = firstLine(it.Err.Error())
	}
	return o.csv.Write(line)
}

func (o *rowsCSV) Flush() error { return o.csv.Flush() }

// Close writes the rows that were not sent (--fail-fast, Ctrl-C), each
// in its place with "not sent" for error, so that the file still lines
// up with the sheet, and ends the output.
func (o *rowsCSV) Close() error {
	for {
		c, err := o.cells.Next()
		if err != nil {
			break // the end of the spool
		}
		var in []string
		if err := json.Unmarshal(c.Body, &in); err != nil {
			break
		}
		if err := o.csv.Write(output.CSVLine{Input: in, Err: "not sent"}); err != nil {
			return err
		}
	}
	return o.csv.Close()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
