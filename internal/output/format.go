package output

import (
	"bytes"

	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
)

// Format is one value of -o. Each lives in a file of its own (table.go,
// json.go, yaml.go, id.go, url.go, csv.go, curl.go) and does all that
// its output is: a Printer looks its format up once and leaves the
// printing to it. What a format can print is the interfaces it has:
// sessions (every result format), a dry run's requests, records that are
// not sessions (profiles).
type Format interface {
	// Name is the value of -o.
	Name() string
	// Help describes the format in completion menus.
	Help() string
}

// sessionFormat prints sessions: one, several at once, or as a stream.
type sessionFormat interface {
	Format
	one(p *Printer, s *provider.Session) error
	many(p *Printer, items []Item) error
	add(st *Stream, it Item) error
	close(st *Stream) error
}

// dryRunFormat prints the requests a dry run would send. A format
// without one prints them as the table format does, as text.
type dryRunFormat interface {
	dryRun(buf *bytes.Buffer, reqs []DryRequest, single bool) error
}

// recordFormat prints records that are not sessions. A format without
// one prints them as a table.
type recordFormat interface {
	records(p *Printer, r Records) error
	record(p *Printer, r Record) error
}

// emptyInWords is a format whose empty list would be a lone header: the
// command says in words, on stderr, that there is nothing.
type emptyInWords interface{ emptyInWords() }

// takesJQ is the format that --jq filters.
type takesJQ interface{ takesJQ() }

// takesColumns is a format whose columns --columns picks.
type takesColumns interface{ takesColumns() }

// keepsRows is a format that starts each result of --rows with its row's
// own cells, so that the file goes back into the sheet.
type keepsRows interface{ keepsRows() }

// all are the formats, in the order help lists them (internal/format
// names them for settings, which must not link the printers; a test
// holds both in step).
var all = []Format{tableFormat{}, jsonFormat{}, yamlFormat{}, idFormat, urlFormat, csvFormat{}, curlFormat{}}

// Formats are the values of -o for results.
var Formats = format.Results

// RecordFormats are the formats any record prints in: the values of -o of
// commands that print something other than sessions.
var RecordFormats = format.Records

// DryRunOnly are the -o values that only a dry run prints.
var DryRunOnly = format.DryRunOnly

// Lookup is the format named name, nil for none.
func Lookup(name string) Format {
	for _, f := range all {
		if f.Name() == name {
			return f
		}
	}
	return nil
}

// Help describes the format named name in completion menus, "" for none.
func Help(name string) string {
	if f := Lookup(name); f != nil {
		return f.Help()
	}
	return ""
}

// TakesJQ reports whether --jq can filter -o name: json only.
func TakesJQ(name string) bool {
	_, ok := Lookup(name).(takesJQ)
	return ok
}

// TakesColumns reports whether --columns can pick the columns of -o name:
// table and csv.
func TakesColumns(name string) bool {
	_, ok := Lookup(name).(takesColumns)
	return ok
}

// KeepsRows reports whether -o name starts each result of --rows with the
// row's own cells (csv): the command then keeps the cells for it.
func KeepsRows(name string) bool {
	_, ok := Lookup(name).(keepsRows)
	return ok
}

// format is the printer's format, looked up once. A name without a
// session format (none that a command lets through) prints a table.
func (p *Printer) format() sessionFormat {
	if p.f == nil {
		f, ok := Lookup(p.Format).(sessionFormat)
		if !ok {
			f = tableFormat{}
		}
		p.f = f
	}
	return p.f
}

// EmptyInWords reports whether an empty list, in the printer's format,
// would be a lone header: the command then says on stderr that there is
// nothing, and stdout stays empty for anything reading it.
func (p *Printer) EmptyInWords() bool {
	_, ok := p.format().(emptyInWords)
	return ok
}
