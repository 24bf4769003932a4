package output

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
)

// ParseColumns reads --columns "A,B,…": names of a session's fields as the
// API returns them, in the order to show them. known is every name the
// API's session can have; a name outside it is a usage error (exit 2) that
// lists them.
func ParseColumns(spec string, known []string) ([]string, error) {
	var cols []string
	seen := map[string]bool{}
	for _, c := range strings.Split(spec, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !contains(known, c) {
			return nil, exitcode.Usagef("--columns: no session field %q (the fields are %s)", c, strings.Join(known, ", "))
		}
		if seen[c] {
			return nil, exitcode.Usagef("--columns: %q is given twice", c)
		}
		seen[c] = true
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, exitcode.Usagef("--columns: no column named (the fields are %s)", strings.Join(known, ", "))
	}
	return cols, nil
}

// Value is one top-level field of a session as a cell's text: a string as
// it is, a number or boolean as written, null as "", an object or a list
// as compact JSON. str reports whether the API sent a string, the only
// kind of value that can carry a spreadsheet formula.
type Value struct {
	Text string
	Str  bool
}

// Fields reads the top-level fields of a session object, in the order
// the API sent them.
func Fields(raw json.RawMessage) (names []string, values map[string]Value, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("the session is not a JSON object")
	}
	values = map[string]Value{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		key := fmt.Sprint(kt)
		var val Value
		var s string
		switch {
		case string(v) == "null":
		case json.Unmarshal(v, &s) == nil:
			val = Value{Text: s, Str: true}
		default:
			var buf bytes.Buffer
			if json.Compact(&buf, v) == nil {
				val.Text = buf.String()
			} else {
				val.Text = string(v)
			}
		}
		// Names and values are the API's text: shown escaped (see cell).
		key = cell(key)
		val.Text = cell(val.Text)
		if _, dup := values[key]; !dup {
			names = append(names, key)
		}
		values[key] = val
	}
	return names, values, nil
}

// Select is the text of the named fields of a session, in the order given
// ("" for a field the session lacks).
func Select(raw json.RawMessage, cols []string) ([]string, error) {
	_, values, err := Fields(raw)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = values[c].Text
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// CompleteColumns offers the completions of a --columns value being typed:
// the names already given stay, the last one is completed, and names
// already given are not offered again ("id,st" offers "id,status").
func CompleteColumns(toComplete string, known []string) []string {
	done, last := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		done, last = toComplete[:i+1], toComplete[i+1:]
	}
	given := map[string]bool{}
	for _, c := range strings.Split(done, ",") {
		given[strings.TrimSpace(c)] = true
	}
	var out []string
	for _, k := range known {
		if !given[k] && strings.HasPrefix(k, last) {
			out = append(out, done+k)
		}
	}
	return out
}

// tableColumns are the columns of a table of sessions: rowColumns, or
// the fields --columns names, headed by their names in capitals.
func (p *Printer) tableColumns() []column {
	if p.Columns == nil {
		return rowColumns
	}
	cols := make([]column, len(p.Columns))
	for i, name := range p.Columns {
		cols[i] = column{
			name: strings.ToUpper(name),
			get: func(_ *Printer, s *provider.Session) string {
				v, _ := Select(s.Raw, []string{name})
				if len(v) == 0 {
					return ""
				}
				return v[0]
			},
			time: strings.HasSuffix(name, "_at"),
		}
	}
	return cols
}

// pick keeps the fields named by cols, in that order; a field the
// session lacks shows empty.
func pick(fields []field, cols []string) []field {
	out := make([]field, 0, len(cols))
	for _, c := range cols {
		f := field{key: c}
		for _, g := range fields {
			if g.key == c {
				f = g
				break
			}
		}
		out = append(out, f)
	}
	return out
}

// csvLine is a result as a line of CSV: its session, or its error.
func csvLine(it Item) CSVLine {
	if it.Session == nil {
		msg := ""
		if it.Err != nil {
			msg = firstLine(it.Err.Error())
		}
		return CSVLine{Err: msg}
	}
	return CSVLine{Session: it.Session.Raw}
}

func (p *Printer) ctx() context.Context {
	if p.Context == nil {
		return context.Background()
	}
	return p.Context
}
