package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
)

// idFormat is -o id: one session ID per line, or a record's name.
var idFormat = idLines{lineFormat{
	name: format.ID,
	help: "one ID per line",
	get:  func(s *provider.Session) string { return s.ID },
}}

// idLines are the lines of -o id, which records print in too.
type idLines struct{ lineFormat }

// lineFormat is a format of one line per session, a field of it (-o id,
// -o url). A failed batch document gets an empty line, so that line N is
// always document N. Like every text the API sent that is shown outside
// json and yaml, the line goes through safetext.Line: a server must not
// reach the terminal (see cell).
type lineFormat struct {
	name, help string
	get        func(*provider.Session) string
}

func (l lineFormat) Name() string { return l.name }
func (l lineFormat) Help() string { return l.help }

func (l lineFormat) line(s *provider.Session) string { return cell(l.get(s)) }

func (l lineFormat) one(p *Printer, s *provider.Session) error {
	_, err := fmt.Fprintln(p.IO.Out, l.line(s))
	return err
}

func (l lineFormat) many(p *Printer, items []Item) error {
	var b strings.Builder
	for _, it := range items {
		if it.Session != nil {
			b.WriteString(l.line(it.Session))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(p.IO.Out, b.String())
	return err
}

func (l lineFormat) add(st *Stream, it Item) error {
	if it.Session != nil {
		st.w.WriteString(l.line(it.Session))
	}
	return st.w.WriteByte('\n')
}

func (lineFormat) close(*Stream) error { return nil }

// records prints the records' names, one per line (-o id of profiles).
func (idLines) records(p *Printer, r Records) error {
	for _, id := range r.IDs {
		if _, err := fmt.Fprintln(p.IO.Out, id); err != nil {
			return err
		}
	}
	return nil
}

func (idLines) record(p *Printer, r Record) error {
	_, err := fmt.Fprintln(p.IO.Out, r.ID)
	return err
}
