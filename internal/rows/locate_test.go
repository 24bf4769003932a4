package rows

import (
	"errors"
	"fmt"
	"strings"

	"github.com/billctl/billctl/internal/request"
)

// Locate makes every error about row name the row: an error found when
// the whole request is checked (a required field missing) has no cell, and
// one about the base document or a flag names only that.
func (s *Sheet) Locate(err error, row *Row) error {
	var errs *request.Errors
	if !errors.As(err, &errs) {
		return err
	}
	prefix := s.Name + ":"
	for _, e := range errs.List {
		if strings.HasPrefix(e.Place, prefix) {
			e.Doc = 0
			continue
		}
		at := fmt.Sprintf("%s:%d", s.Name, row.Index)
		if e.Place != "" {
			at += " (" + e.Place + ")"
		}
		e.Place, e.Doc = at, 0
	}
	return err
}

// Rows is how many rows have been read so far, empty ones included.
func (s *Sheet) Rows() int { return s.n }
