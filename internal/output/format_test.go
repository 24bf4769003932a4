package output

import (
	"slices"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/format"
)

// The names settings check (internal/format) are the formats' own: a
// result format prints sessions, a record format records, a dry-run-only
// format requests alone; each has a line for completion menus.
func TestFormatNamesAreTheFormats(t *testing.T) {
	var results, records, dryOnly []string
	seen := map[string]bool{}
	for _, f := range all {
		if seen[f.Name()] {
			t.Errorf("two formats are named %q", f.Name())
		}
		seen[f.Name()] = true
		if f.Help() == "" {
			t.Errorf("-o %s has no help line", f.Name())
		}
		if g := Lookup(f.Name()); g == nil || g.Help() != f.Help() {
			t.Errorf("Lookup(%q) is not the format of that name", f.Name())
		}
		_, sessions := f.(sessionFormat)
		_, dry := f.(dryRunFormat)
		if sessions {
			results = append(results, f.Name())
		}
		if _, ok := f.(recordFormat); ok {
			records = append(records, f.Name())
		}
		if dry && !sessions {
			dryOnly = append(dryOnly, f.Name())
		}
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"result formats", results, format.Results},
		{"record formats", records, format.Records},
		{"dry-run-only formats", dryOnly, format.DryRunOnly},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: the formats are %v, internal/format says %v", c.what, c.got, c.want)
		}
	}
	if Lookup("text") != nil || Help("text") != "" {
		t.Error("a name that is no format was found")
	}
}

// What commands ask of a format by name.
func TestFormatQuestions(t *testing.T) {
	for _, c := range []struct {
		name                   string
		jq, columns, rows, wds bool
	}{
		{format.Table, false, true, false, true},
		{format.JSON, true, false, false, false},
		{format.YAML, false, false, false, false},
		{format.ID, false, false, false, false},
		{format.URL, false, false, false, false},
		{format.CSV, false, true, true, false},
	} {
		p := &Printer{Format: c.name}
		if TakesJQ(c.name) != c.jq || TakesColumns(c.name) != c.columns || KeepsRows(c.name) != c.rows || p.EmptyInWords() != c.wds {
			t.Errorf("-o %s: jq %v columns %v rows %v empty in words %v, want %v %v %v %v", c.name,
				TakesJQ(c.name), TakesColumns(c.name), KeepsRows(c.name), p.EmptyInWords(), c.jq, c.columns, c.rows, c.wds)
		}
	}
}

// Records print in each record format; a format without a form of its own
// prints the table.
func TestRecords(t *testing.T) {
	type rec struct {
		Name string `json:"name" yaml:"name"`
		URL  string `json:"url,omitempty" yaml:"url,omitempty"`
	}
	data := []rec{{"prod", "https://a.example.com/?a=1&b=<2>"}, {"dev", ""}}
	r := Records{Data: data, IDs: []string{"prod", "dev"}, Header: []string{"NAME", "URL"}, Rows: [][]string{{"prod", data[0].URL}, {"dev", ""}}}
	one := Record{Data: data[1], ID: "dev", Fields: []Field{{"name", "dev"}, {"current", "no"}}}
	for _, c := range []struct{ format, list, show string }{
		{format.Table, "NAME  URL\nprod  https://a.example.com/?a=1&b=<2>\ndev\n", "name:    dev\ncurrent: no\n"},
		{format.JSON, "[\n  {\n    \"name\": \"prod\",\n    \"url\": \"https://a.example.com/?a=1\\u0026b=\\u003c2\\u003e\"\n  },\n  {\n    \"name\": \"dev\"\n  }\n]\n", "{\n  \"name\": \"dev\"\n}\n"},
		{format.YAML, "- name: prod\n  url: https://a.example.com/?a=1&b=<2>\n- name: dev\n", "name: dev\n"},
		{format.ID, "prod\ndev\n", "dev\n"},
		{format.URL, "NAME  URL\nprod  https://a.example.com/?a=1&b=<2>\ndev\n", "name:    dev\ncurrent: no\n"},
	} {
		for _, k := range []struct {
			want string
			fn   func(*Printer) error
		}{
			{c.list, func(p *Printer) error { return p.Records(r) }},
			{c.show, func(p *Printer) error { return p.Record(one) }},
		} {
			io, _, out, _ := testStreams()
			if err := k.fn(&Printer{IO: io, Format: c.format}); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != k.want {
				t.Errorf("-o %s:\n%s\nwant:\n%s", c.format, got, strings.ReplaceAll(k.want, "\t", "→"))
			}
		}
	}
}
