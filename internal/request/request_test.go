package request

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
)

// The wire types of these tests are small stand-ins that use every feature
// the providers' types use: required fields, minimums, decimals, dates,
// enums, free-form JSON, nested objects, lists and a union.

type color string

func (color) Values() []string { return []string{"RED", "GREEN"} }

type shape struct {
	Circle *circle   `union:"CIRCLE"`
	Square *struct{} `union:"SQUARE"`
}

func (shape) Discriminator() string          { return "type" }
func (s shape) MarshalJSON() ([]byte, error) { return MarshalUnion(s) }

type circle struct {
	Radius Decimal `json:"radius" bill:"required"`
}

type item struct {
	ID    string `json:"id" bill:"required"`
	Count *int32 `json:"count,omitempty" bill:"min=0"`
}

type wire struct {
	Name     string   `json:"name" bill:"required"`
	Amount   *Decimal `json:"amount,omitempty"`
	Day      *Date    `json:"day,omitempty"`
	Color    *color   `json:"color,omitempty"`
	Enabled  *bool    `json:"enabled,omitempty"`
	Items    []item   `json:"items,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Ratio    *float64 `json:"ratio,omitempty"`
	Shape    *shape   `json:"shape,omitempty"`
	Metadata *JSON    `json:"metadata,omitempty"`
	Terms    *struct {
		Count int32 `json:"count" bill:"min=1"`
	} `json:"terms,omitempty"`
}

var wireType = reflect.TypeOf(wire{})

func readOne(t *testing.T, text string) *Doc {
	t.Helper()
	var doc *Doc
	_, err := Read(strings.NewReader(text), "in.yaml", func(d *Doc) error { doc = d; return nil })
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return doc
}

func decodeJSON(t *testing.T, d *Doc) string {
	t.Helper()
	var w wire
	if err := Decode(d, &w); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeKeepsDecimalsAndMetadataExact(t *testing.T) {
	d := readOne(t, `
name: n
amount: 12.50
day: 2024-02-29
color: GREEN
enabled: false
items: [{id: a, count: 0}]
shape: {type: CIRCLE, radius: 0.10}
metadata: {deal: {size: 1.10, big: 12345678901234567890, list: [true, null, "x"]}}
terms: {count: 3}
`)
	got := decodeJSON(t, d)
	want := `{"name":"n","amount":"12.50","day":"2024-02-29","color":"GREEN","enabled":false,"items":[{"id":"a","count":0}],"shape":{"type":"CIRCLE","radius":"0.10"},"metadata":{"deal":{"size":1.10,"big":12345678901234567890,"list":[true,null,"x"]}},"terms":{"count":3}}`
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown field with suggestion", "name: n\nitems:\n  - id: a\n    cont: 1\n", `in.yaml:4: items[0].cont: unknown field (did you mean count?)`},
		{"unknown top-level field", "name: n\nzzz: 1\n", `in.yaml:2: zzz: unknown field (known fields: `},
		{"wrong type string", "name: 42\n", `in.yaml:1: name: expected a string, got the integer 42`},
		{"wrong type bool", "name: n\nenabled: yes please\n", `in.yaml:2: enabled: expected true or false, got the string "yes please"`},
		{"wrong type number", "name: n\nratio: lots\n", `in.yaml:2: ratio: expected a number, got the string "lots"`},
		{"infinite number", "name: n\nratio: .inf\n", `ratio: ".inf" is not a number`},
		{"wrong type list", "name: n\ntags: a\n", `in.yaml:2: tags: expected a list, got the string "a"`},
		{"wrong type object", "name: n\nshape: [1]\n", `in.yaml:2: shape: expected an object`},
		{"bad enum", "name: n\ncolor: BLUE\n", `in.yaml:2: color: "BLUE" is not one of RED, GREEN`},
		{"impossible date", "name: n\nday: 2026-02-30\n", `in.yaml:2: day: "2026-02-30" is not a valid date`},
		{"malformed decimal", "name: n\namount: abc\n", `in.yaml:2: amount: "abc" is not a decimal number`},
		{"exponent decimal", "name: n\namount: 1e5\n", `in.yaml:2: amount: "1e5" is not a decimal number`},
		{"negative count", "name: n\nitems: [{id: a, count: -1}]\n", `in.yaml:2: items[0].count: must not be negative, got -1`},
		{"below minimum", "name: n\nterms: {count: 0}\n", `in.yaml:2: terms.count: must be at least 1, got 0`},
		{"int out of range", "name: n\nitems: [{id: a, count: 99999999999}]\n", `items[0].count: 99999999999 is out of range`},
		{"missing required", "amount: 1\n", `in.yaml:1: name: required field missing`},
		{"missing required nested", "name: n\nitems: [{count: 1}]\n", `in.yaml:2: items[0].id: required field missing`},
		{"required null", "name: null\n", `in.yaml:1: name: required field must not be null`},
		{"union without tag", "name: n\nshape: {radius: 1}\n", `in.yaml:2: shape.type: required field missing: one of CIRCLE, SQUARE`},
		{"union bad tag", "name: n\nshape: {type: TRIANGLE}\n", `in.yaml:2: shape.type: "TRIANGLE" is not one of CIRCLE, SQUARE`},
		{"union field of other variant", "name: n\nshape: {type: SQUARE, radius: 1}\n", `in.yaml:2: shape.radius: unknown field (shape takes no fields)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := readOne(t, tt.doc)
			var w wire
			err := Decode(d, &w)
			if err == nil {
				t.Fatalf("Decode accepted %q", tt.doc)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n got %v\nwant it to contain %s", err, tt.want)
			}
			if exitcode.Code(err) != exitcode.Usage {
				t.Errorf("exit code %d, want %d", exitcode.Code(err), exitcode.Usage)
			}
		})
	}
}

func TestDecodeReportsEveryError(t *testing.T) {
	d := readOne(t, "amount: x\ncolor: BLUE\nzz: 1\n")
	var w wire
	err := Decode(d, &w)
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *Errors, got %v", err)
	}
	if len(errs.List) != 4 { // amount, color, zz, and the missing name
		t.Errorf("got %d errors, want 4:\n%v", len(errs.List), err)
	}
}

func TestSetReadsValueAsFieldType(t *testing.T) {
	d := NewDoc()
	sets := [][2]string{
		{"name", "123"},              // a string field keeps digits as text
		{"ratio", "0.25"},            // a number field parses
		{"amount", "12.50"},          // a decimal stays exact
		{"enabled", "true"},          // a bool field parses
		{"items[0].id", "a"},         // lists grow by one
		{"items[0].count", "7"},      // an int field parses
		{"items[1].id", "b"},         // the next index appends
		{"tags", `["x","y"]`},        // a list field takes JSON
		{"tags[2]", "z"},             // and can be appended to
		{"shape.type", "CIRCLE"},     // a union's tag
		{"shape.radius", "2.5"},      // then the variant's field
		{"metadata.a.b", "1"},        // free-form objects nest
		{"metadata.s", "plain text"}, // and take plain text
		{"terms", `{"count": 2}`},    // an object field takes JSON
	}
	for _, kv := range sets {
		if err := d.Set(wireType, kv[0], kv[1], "--set "+kv[0]); err != nil {
			t.Fatalf("Set(%s=%s): %v", kv[0], kv[1], err)
		}
	}
	got := decodeJSON(t, d)
	want := `{"name":"123","amount":"12.50","enabled":true,"items":[{"id":"a","count":7},{"id":"b"}],"tags":["x","y","z"],"ratio":0.25,"shape":{"type":"CIRCLE","radius":"2.5"},"metadata":{"a":{"b":1},"s":"plain text"},"terms":{"count":2}}`
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestSetErrors(t *testing.T) {
	tests := []struct{ path, value, want string }{
		{"nmae", "x", `--set nmae: nmae: no such field (did you mean name?)`},
		{"items[2].id", "x", `items[2]: index out of range: the list has 0 element(s), so the next one is [0]`},
		{"name[0]", "x", `name: is not a list`},
		{"name.first", "x", `--set name.first: name: is a string, not an object: it has no field "first"`},
		{"terms", "not json", `terms: expected a JSON object, got "not json"`},
		{"shape.side", "1", `shape.side: no such field`},
		{"items[x]", "1", `"x" is not a list index`},
		{"a..b", "1", `empty field name`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			d := NewDoc()
			err := d.Set(wireType, tt.path, tt.value, "--set "+tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Set(%s=%s) = %v, want it to contain %s", tt.path, tt.value, err, tt.want)
			}
		})
	}
}

func TestCommandLineErrorsNameTheFlag(t *testing.T) {
	d := NewDoc()
	if err := d.Set(wireType, "name", "n", "--name"); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(wireType, "items[0].id", "a", "--item"); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(wireType, "items[0].count", "many", "--item"); err != nil {
		t.Fatal(err)
	}
	var w wire
	err := Decode(d, &w)
	if err == nil || !strings.Contains(err.Error(), `--item: items[0].count: "many" is not an integer`) {
		t.Errorf("got %v", err)
	}
}

func TestReadBatches(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		single  bool
		indexes []int
		names   []string
		lines   []int
	}{
		{"lone yaml", "name: a\n", true, []int{0}, []string{"a"}, []int{1}},
		{"yaml stream", "name: a\n---\nname: b\n---\nname: c\n", false, []int{1, 2, 3}, []string{"a", "b", "c"}, []int{1, 3, 5}},
		{"lone json object", `{"name": "a"}`, true, []int{0}, []string{"a"}, []int{1}},
		{"json array", "[\n {\"name\": \"a\"},\n\n {\"name\": \"b,]\"}\n]\n", false, []int{1, 2}, []string{"a", "b,]"}, []int{2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var idx, lines []int
			var names []string
			single, err := Read(strings.NewReader(tt.in), "f", func(d *Doc) error {
				idx = append(idx, d.Index)
				names = append(names, d.Get("name"))
				lines = append(lines, d.Root.Line)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if single != tt.single || !reflect.DeepEqual(idx, tt.indexes) || !reflect.DeepEqual(names, tt.names) || !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("single=%v idx=%v names=%v lines=%v; want %v %v %v %v", single, idx, names, lines, tt.single, tt.indexes, tt.names, tt.lines)
			}
		})
	}
}

func TestReadRefusesEmptyAndMalformed(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "f: the file holds no request document"},
		{"# only a comment\n", "the file holds no request document"},
		{"[]", "the JSON array is empty"},
		{"[{\"name\": \"a\"}", "the JSON array is not closed"},
		{"name: [a\n", "malformed document"},
		{"- a\n- b\n", "not a list (for several sessions"},
		{"just text", `not the string "just text"`},
		{"name: a\n---\n", "f:3 (document 2): the document is empty"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.in), "f", func(*Doc) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Read(%q) = %v, want %q", tt.in, err, tt.want)
		}
		if exitcode.Code(err) != exitcode.Usage {
			t.Errorf("Read(%q): exit code %d, want 2", tt.in, exitcode.Code(err))
		}
	}
}

func TestDecimalAndDate(t *testing.T) {
	for s, ok := range map[string]bool{"0": true, "12.50": true, "-3.1": true, "100": true, "1e5": false, "abc": false, "": false, "1.": false, ".5": false, "01": false, "1,5": false} {
		if Decimal(s).Valid() != ok {
			t.Errorf("Decimal(%q).Valid() = %v", s, !ok)
		}
	}
	for s, ok := range map[string]bool{"2024-02-29": true, "2026-02-29": false, "2026-02-30": false, "2026-13-01": false, "2026-1-01": false, "26-01-01": false} {
		if Date(s).Valid() != ok {
			t.Errorf("Date(%q).Valid() = %v", s, !ok)
		}
	}
}

func TestReadJSONWithEscapedEmoji(t *testing.T) {
	for _, in := range []string{`{"name": "smile \ud83d\ude00 \\ud83d \u00e9"}`, `[{"name": "smile \ud83d\ude00 \\ud83d \u00e9"}]`} {
		var got string
		_, err := Read(strings.NewReader(in), "f.json", func(d *Doc) error { got = d.Get("name"); return nil })
		if err != nil {
			t.Fatalf("Read(%s): %v", in, err)
		}
		if want := "smile \U0001F600 \\ud83d \u00e9"; got != want {
			t.Errorf("Read(%s) name = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeRefusesAliasBombs(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: n\nmetadata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	d := readOne(t, b.String())
	var w wire
	err := Decode(d, &w)
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("Decode of an alias bomb = %v", err)
	}
}

// A field tagged `bill:"id=FORM"` is checked against its registered form
// after the checks every ID gets, each ID of a list with its index.
func TestIDFormsAreChecked(t *testing.T) {
	RegisterIDForm("tst_", func(id string) string {
		if strings.HasPrefix(id, "tst_") {
			return ""
		}
		return "is not a test ID"
	})
	type formed struct {
		One  string   `json:"one" bill:"required,id=tst_"`
		Many []string `json:"many,omitempty" bill:"id=tst_"`
	}
	d := readOne(t, "one: tst_1\nmany: [tst_2, x3, a/b]\n")
	var w formed
	err := Decode(d, &w)
	if err == nil {
		t.Fatal("Decode accepted IDs of another form")
	}
	for _, want := range []string{`in.yaml:2: many[1]: "x3" is not a test ID`, `many[2]: "a/b" is not an ID: it holds "/"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n got %v\nwant it to contain %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "one:") || strings.Contains(err.Error(), "many[0]") || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("error %v (exit %d): only many[1] and many[2] are wrong, exit 2", err, exitcode.Code(err))
	}
	if err := Decode(readOne(t, "one: tst_9\n"), &w); err != nil || w.One != "tst_9" {
		t.Errorf("a well-formed ID: %v, %+v", err, w)
	}
}
