package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

// CheckRows is Check for a sheet (--rows): each row is built on a copy of
// base (the -f document, or an empty one), then the flags and --set, then
// the row's non-empty cells. Every row is read and checked before anything
// is sent; each good row goes to keep with its body, until a mistake is
// found. Only the mistakes are held, each naming FILE:ROW[:COLUMN]; a flag
// wrong for every row is listed once. total counts the rows.
func CheckRows(ctx context.Context, b *Builder, sheet *rows.Sheet, base *request.Doc, pr Progress, keep func(row *rows.Row, req provider.Request) error) (total int, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if base == nil {
		base = request.NewDoc()
	}
	errs := &request.Errors{}
	// A mistake that is not in a cell is held once, with the first row
	// that has it and how many do.
	type shared struct {
		fe   *request.FieldError
		row  int
		rows int
	}
	var sharedErrs []*shared
	seen := map[string]*shared{}
	cellPrefix := sheet.Name + ":"
	started := false
	start := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		row, err := sheet.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		total++
		if pr != nil && !started && time.Since(start) > time.Second/2 {
			started = true
			pr.Start(-1, "checking")
			pr.Add(total - 1)
			defer pr.Done()
		}
		if started {
			pr.Add(1)
		}
		d := base.Copy()
		d.Index = row.Index
		_, req, err := b.BuildWith(d, func(d *request.Doc) error { return sheet.Apply(d, row) })
		var fe *request.Errors
		switch {
		case errors.As(err, &fe):
			for _, e := range fe.List {
				e.Doc = 0
				if strings.HasPrefix(e.Place, cellPrefix) {
					errs.List = append(errs.List, e) // a cell of this row
					continue
				}
				// From a flag or the base, or the request as a whole (a
				// required field missing): often the same on every row.
				k := e.Place + "\x00" + e.Path + "\x00" + e.Msg
				if f := seen[k]; f != nil {
					f.rows++
					continue
				}
				f := &shared{fe: e, row: row.Index, rows: 1}
				seen[k] = f
				sharedErrs = append(sharedErrs, f)
				errs.List = append(errs.List, e)
			}
			continue
		case err != nil:
			// A flag that does not fit this row's request.
			errs.List = append(errs.List, &request.FieldError{Place: fmt.Sprintf("%s:%d", sheet.Name, row.Index), Msg: err.Error()})
			continue
		}
		if len(errs.List) > 0 {
			continue
		}
		if err := keep(row, req); err != nil {
			return 0, err
		}
	}
	for _, f := range sharedErrs {
		if f.rows == total {
			continue // every row: the flag, the base or the header is wrong
		}
		place := fmt.Sprintf("%s:%d", sheet.Name, f.row)
		switch {
		case f.rows == 2:
			place += " and 1 more row"
		case f.rows > 2:
			place += fmt.Sprintf(" and %d more rows", f.rows-1)
		}
		if f.fe.Place != "" {
			place += " (" + f.fe.Place + ")"
		}
		f.fe.Place = place
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	return total, nil
}
