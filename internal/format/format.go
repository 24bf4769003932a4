// Package format names the output formats, the values of -o: a leaf, so
// that settings check a name without linking the printers (tablewriter,
// gojq, YAML). What each format prints is internal/output's.
package format

// The formats.
const (
	Table = "table"
	JSON  = "json"
	YAML  = "yaml"
	ID    = "id"
	URL   = "url"
	CSV   = "csv"
	Curl  = "curl"
)

// Results are the values of -o for results, in the order help lists them.
var Results = []string{Table, JSON, YAML, ID, URL, CSV}

// Records are the formats any record prints in (a profile too): the
// values of -o of commands that print something other than sessions.
var Records = []string{Table, JSON, YAML, ID}

// DryRunOnly are the values of -o that only a dry run prints.
var DryRunOnly = []string{Curl}
