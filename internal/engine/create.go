package engine

import (
	"context"
	"encoding/json"
	"io"
	"reflect"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

// Job is one `checkout create`: where its documents come from and
// whether anything is sent. Create decides from it which run it is.
type Job struct {
	Builder *Builder
	// In is the -f input; R nil is a lone document from the flags alone.
	// With Rows, it is the one document every row is built on.
	In Input
	// Rows, when set (--rows), gives one request per row of a sheet.
	Rows   *Sheet
	DryRun bool
	// KeyPrefix is --idempotency-key: "" gives each document a fresh key.
	KeyPrefix string
	// Progress, which may be nil, is started when the check lasts.
	Progress Progress
}

// Sheet is the sheet of --rows, tab-separated when TSV. Open opens it
// (its reader, name and close), once the base document is read, so that
// a mistake in -f is found first. Cells keeps each row's cells beside its
// request (for -o csv, which prints them back).
type Sheet struct {
	Open  func() (r io.Reader, name string, close func(), err error)
	TSV   bool
	Cells bool
}

// Planned is a request as a dry run shows it: its document (0 for a lone
// one), body and Idempotency-Key.
type Planned struct {
	Index int
	Body  []byte
	Key   string
}

// Checked is a batch, every document checked and its request spooled,
// ready for Batch.Send.
type Checked struct {
	Requests *Spool
	Total    int
	// Rows is set for --rows: the batch counts rows, and, with
	// Sheet.Cells, Cells holds each row's cells (JSON) in step with
	// Requests.
	Rows  *rows.Sheet
	Cells *Spool
}

// Runs are what the caller does with a checked job; Create calls exactly
// one of them, and only once every document is checked.
type Runs struct {
	// DryRun prints what would be sent; single: a lone document.
	DryRun func(reqs []Planned, single bool) error
	// One sends a lone document with its key.
	One func(req provider.Request, key string) error
	// Batch sends a batch (several documents, or --rows).
	Batch func(c *Checked) error
}

// Create checks every document of job and hands the result to the run it
// calls for: a dry run, a lone document, or a batch of documents or rows.
// Nothing is sent unless every document is good.
func Create(ctx context.Context, job Job, runs Runs) error {
	if job.Rows != nil {
		return createRows(ctx, job, runs)
	}
	if job.DryRun {
		var reqs []Planned
		_, single, err := Check(ctx, job.Builder, job.In, job.Progress, func(index int, req provider.Request) error {
			reqs = append(reqs, Planned{Index: index, Body: req.Body, Key: Key(job.KeyPrefix, index)})
			return nil
		})
		if err != nil {
			return err
		}
		return runs.DryRun(reqs, single)
	}
	var (
		lone provider.Request
		sp   *Spool
	)
	defer func() {
		if sp != nil {
			sp.Close()
		}
	}()
	total, single, err := Check(ctx, job.Builder, job.In, job.Progress, func(index int, req provider.Request) error {
		if index == 0 {
			lone = req
			return nil
		}
		if sp == nil {
			var err error
			if sp, err = NewSpool(); err != nil {
				return err
			}
		}
		return sp.Add(req)
	})
	if err != nil {
		return err
	}
	if single {
		return runs.One(lone, Key(job.KeyPrefix, 0))
	}
	return runs.Batch(&Checked{Requests: sp, Total: total})
}

// createRows is Create for --rows: every row is checked before the first
// is sent, then the rows go as a batch's documents do.
func createRows(ctx context.Context, job Job, runs Runs) error {
	base, err := readBase(job.In)
	if err != nil {
		return err
	}
	wire := reflect.TypeOf(job.Builder.Provider.NewRequest()).Elem()
	r, name, closeFn, err := job.Rows.Open()
	if err != nil {
		return err
	}
	defer closeFn()
	sheet, err := rows.Open(r, name, job.Rows.TSV, wire)
	if err != nil {
		return err
	}
	if job.DryRun {
		var reqs []Planned
		_, err := CheckRows(ctx, job.Builder, sheet, base, job.Progress, func(row *rows.Row, req provider.Request) error {
			reqs = append(reqs, Planned{Index: row.Index, Body: req.Body, Key: Key(job.KeyPrefix, row.Index)})
			return nil
		})
		if err != nil {
			return err
		}
		return runs.DryRun(reqs, false)
	}
	// The bodies wait in one spool; with Cells, the rows' cells in a
	// second, read back in step with the results, which come in row order.
	var bodies, cells *Spool
	defer func() {
		if bodies != nil {
			bodies.Close()
		}
		if cells != nil {
			cells.Close()
		}
	}()
	keepCells := job.Rows.Cells
	total, err := CheckRows(ctx, job.Builder, sheet, base, job.Progress, func(row *rows.Row, req provider.Request) error {
		if bodies == nil {
			var err error
			if bodies, err = NewSpool(); err != nil {
				return err
			}
			if keepCells {
				if cells, err = NewSpool(); err != nil {
					return err
				}
			}
		}
		if keepCells {
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
	return runs.Batch(&Checked{Requests: bodies, Total: total, Rows: sheet, Cells: cells})
}

// readBase is the -f document every row is built on: one document, or
// none (in.R nil).
func readBase(in Input) (*request.Doc, error) {
	if in.R == nil {
		return request.NewDoc(), nil
	}
	var base *request.Doc
	docs := 0
	if _, err := request.Read(in.R, in.Name, func(d *request.Doc) error {
		if docs++; docs == 1 {
			base = d
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if docs > 1 {
		return nil, exitcode.FlagUsagef("-f %s holds %d documents: with --rows, -f gives one document, the base of every row", in.Name, docs)
	}
	return base, nil
}
