package checkout

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

// checkRowsFlags refuses what cannot go with --rows, before anything is
// read.
func (opts *CreateOptions) checkRowsFlags() error {
	if opts.DryRun && opts.format != nil && (opts.format.jq != "" || opts.format.columns != "") {
		return cmdutil.FlagErrorf("--jq and --columns shape what the API answers: a --dry-run sends nothing")
	}
	if opts.Rows == "" {
		return nil
	}
	switch {
	case opts.Rows == "-" && opts.File == "-":
		return cmdutil.FlagErrorf("--rows - and -f - both read stdin: give one of them a file")
	case opts.Rows == "-" && usesStdinToken(opts.F):
		return cmdutil.FlagErrorf("--rows - and --token-file - both read stdin: give one of them a file")
	case opts.Open:
		return cmdutil.FlagErrorf("--open works with a single session, not with --rows")
	}
	return nil
}

// createRows creates one session per row of the sheet: every row is
// checked before the first is sent, then the rows go through the batch
// engine as a batch's documents do.
func createRows(opts *CreateOptions, s *config.Settings, p provider.Provider, b *engine.Builder) error {
	f := opts.F
	base, err := opts.base()
	if err != nil {
		return err
	}
	r, name, closeFn, err := opts.openRows()
	if err != nil {
		return err
	}
	defer closeFn()
	opts.source = name
	wire := reflect.TypeOf(p.NewRequest()).Elem()
	sheet, err := rows.Open(r, name, rows.IsTSV(opts.Rows), wire)
	if err != nil {
		return err
	}
	spin := &lazyProgress{streams: f.IO}
	if opts.DryRun {
		var reqs []built
		_, err := engine.CheckRows(f.Context, b, sheet, base, spin, func(row *rows.Row, req provider.Request) error {
			reqs = append(reqs, built{index: row.Index, body: req.Body, key: opts.key(row.Index)})
			return nil
		})
		if err != nil {
			return err
		}
		return printDryRun(f, s, p, reqs, false)
	}
	// The bodies wait in one spool; with -o csv, the rows' cells in a
	// second, read back in step with the results, which come in row order.
	var bodies, cells *engine.Spool
	defer func() {
		if bodies != nil {
			bodies.Close()
		}
		if cells != nil {
			cells.Close()
		}
	}()
	asCSV := output.KeepsRows(s.Output)
	total, err := engine.CheckRows(f.Context, b, sheet, base, spin, func(row *rows.Row, req provider.Request) error {
		if bodies == nil {
			var err error
			if bodies, err = engine.NewSpool(); err != nil {
				return err
			}
			if asCSV {
				if cells, err = engine.NewSpool(); err != nil {
					return err
				}
			}
		}
		if asCSV {
			c, err := json.Marshal(row.Cells)
			if err != nil {
				return err
			}
			// The cells travel in the spool as a body of their own.
			if err := cells.Add(provider.Request{Body: c}); err != nil {
				return err
			}
		}
		return bodies.Add(req)
	})
	if err != nil {
		return err
	}
	if !asCSV {
		return sendBatch(opts, s, p, bodies, total)
	}
	cr, err := cells.Reader()
	if err != nil {
		return err
	}
	return sendBatchTo(opts, s, p, bodies, total, func(pr *output.Printer, _ *progress) engine.Sink {
		return &rowsCSV{
			csv:   output.NewCSV(pr.IO.Out, output.CSVOptions{Input: sheet.Header, Columns: pr.Columns, Error: true, BOM: sheet.BOM, CRLF: sheet.CRLF}),
			cells: cr,
		}
	})
}

// base is the -f document every row is built on: one document, or none.
func (opts *CreateOptions) base() (*request.Doc, error) {
	if opts.File == "" {
		return request.NewDoc(), nil
	}
	r, name, closeFn, err := opts.open()
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var base *request.Doc
	docs := 0
	if _, err := request.Read(r, name, func(d *request.Doc) error {
		if docs++; docs == 1 {
			base = d
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if docs > 1 {
		return nil, cmdutil.FlagErrorf("-f %s holds %d documents: with --rows, -f gives one document, the base of every row", name, docs)
	}
	return base, nil
}

func (opts *CreateOptions) openRows() (io.Reader, string, func(), error) {
	if opts.Rows == "-" {
		return request.Stdin(opts.F.IO.In, opts.F.IO.Err, opts.F.IO.StdinTTY), "<stdin>", func() {}, nil
	}
	fh, err := os.Open(opts.Rows)
	if err != nil {
		return nil, "", nil, cmdutil.FlagErrorf("--rows: %v", unwrapPathError(err))
	}
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
