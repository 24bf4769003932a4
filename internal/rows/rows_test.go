package rows_test

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

var wire = reflect.TypeOf(meteroid.CreateCheckoutSessionRequest{})

// bodies reads a sheet on top of base (YAML, "" for none) as
// `checkout create --rows` does (engine.CheckRows) and returns the JSON
// body of every row, or the errors.
func bodies(t *testing.T, base, sheet string, tsv bool) ([]string, error) {
	t.Helper()
	s, err := rows.Open(strings.NewReader(sheet), "sheet.csv", tsv, wire)
	if err != nil {
		return nil, err
	}
	var baseDoc *request.Doc
	if base != "" {
		if _, err := request.Read(strings.NewReader(base), "base.yaml", func(d *request.Doc) error { baseDoc = d; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	b := &engine.Builder{Provider: meteroid.Descriptor().New(nil, "")}
	_, err = engine.CheckRows(context.Background(), b, s, baseDoc, nil, func(_ *rows.Row, req provider.Request) error {
		out = append(out, string(req.Body))
		return nil
	})
	return out, err
}

func TestSpreadsheetExport(t *testing.T) {
	// As a spreadsheet program writes "CSV UTF-8": a byte order mark,
	// CRLF, a quoted cell holding a comma, a quote and a line break,
	// trailing empty columns and empty rows at the end.
	sheet := "\ufeffcustomer_id,plan_version_id,invoice_memo,invoice_threshold,charge_automatically,net_terms,metadata.crm_id,,\r\n" +
		"cus_1,plv_1,\"Thanks, \"\"ACME\"\"\r\nsee you\",12.50,TRUE,30,00123,,\r\n" +
		"cus_2,plv_2,,,,,,,\r\n" +
		",,,,,,,,\r\n" +
		",,,,,,,,\r\n"
	got, err := bodies(t, "", sheet, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"charge_automatically":true,"customer_id":"cus_1","invoice_memo":"Thanks, \"ACME\"\nsee you","invoice_threshold":"12.50","metadata":{"crm_id":"00123"},"net_terms":30,"plan_version_id":"plv_1"}`,
		`{"customer_id":"cus_2","plan_version_id":"plv_2"}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("bodies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRowsOnABase(t *testing.T) {
	base := "plan_version_id: plv_2zg9tUmeQMonp21OV6Rla1\ninvoice_memo: from the base\nmetadata:\n  team: ops\n"
	sheet := "customer_id,invoice_memo,add_ons[0].add_on_id,add_ons[0].quantity,metadata.crm_id\n" +
		"cus_1,,add_1,3,c1\n" +
		"cus_2,own memo,,,\n"
	got, err := bodies(t, base, sheet, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// An empty cell leaves the base's value; the base is not changed
		// by one row for the next (cus_2 has no add-on and no crm_id).
		`{"add_ons":[{"add_on_id":"add_1","quantity":3}],"customer_id":"cus_1","invoice_memo":"from the base","metadata":{"team":"ops","crm_id":"c1"},"plan_version_id":"plv_2zg9tUmeQMonp21OV6Rla1"}`,
		`{"customer_id":"cus_2","invoice_memo":"own memo","metadata":{"team":"ops"},"plan_version_id":"plv_2zg9tUmeQMonp21OV6Rla1"}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("bodies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTSV(t *testing.T) {
	sheet := "customer_id\tplan_version_id\tinvoice_memo\n" +
		"cus_1\tplv_1\t5\" screen, matte\n"
	got, err := bodies(t, "", sheet, true)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"customer_id":"cus_1","invoice_memo":"5\" screen, matte","plan_version_id":"plv_1"}`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !rows.IsTSV("a/b.TSV") || rows.IsTSV("b.csv") || rows.IsTSV("-") {
		t.Fatal("IsTSV goes by the extension")
	}
}

func TestErrorsNameTheCell(t *testing.T) {
	head := "customer_id,plan_version_id,net_terms,invoice_threshold\n"
	good := "cus,plv_1,30,1.5\n"
	tests := []struct {
		name, sheet, want string
	}{
		{"unknown header", "customer_id,plan_versoin_id\n", `sheet.csv:header:2: plan_versoin_id: not a request field: plan_versoin_id: no such field (did you mean plan_version_id?)`},
		{"path through a scalar", "customer_id.x\n", `sheet.csv:header:1: customer_id.x: not a request field: customer_id is a string, not an object: it has no field "x"`},
		{"append index", "add_ons[].add_on_id\n", `sheet.csv:header:1: add_ons[].add_on_id: not a request field: "add_ons[].add_on_id": a column needs a list index`},
		{"duplicate header", "customer_id,customer_id\n", `sheet.csv:header:2: customer_id: the same field as column 1`},
		{"bad integer", head + good + "cus,plv_1,thirty,1.5\n", `sheet.csv:2:3: net_terms: "thirty" is not an integer`},
		{"bad decimal", head + "cus,plv_1,30,1e5\n", `sheet.csv:1:4: invoice_threshold: "1e5" is not a decimal number`},
		{"value beyond the header", head + "cus,plv_1,30,1.5,x\n", `sheet.csv:1:5: a value right of the last named column (the header has 4 columns)`},
		{"value under an empty header", "customer_id,,plan_version_id\ncus,x,plv_1\n", `sheet.csv:1:2: a value in a column whose header is empty`},
		{"empty row in the middle", head + good + ",,,\n" + good, `sheet.csv:2: the row is empty, and rows follow it`},
		{"missing required field", "customer_id,plan_version_id\ncus,plv_1\ncus,\n", `sheet.csv:2: plan_version_id: required field missing`},
		{"bare quote", head + good + "cus,p\"v,30,1\n", `sheet.csv:2: malformed CSV at line 3, column 6: bare " in non-quoted-field`},
		{"unclosed quote", head + "\"cus,plv_1,30,1\n", `sheet.csv:1: malformed CSV at line 2`},
		{"empty file", "", `sheet.csv: the file is empty`},
		{"header only", head, `sheet.csv: no rows after the header: nothing to send`},
		{"only empty rows", head + ",,,\r\n\r\n", `sheet.csv: no rows after the header`},
		{"UTF-16", "\xff\xfec\x00u\x00", `the file is UTF-16 text`},
		{"invalid UTF-8 cell", head + "cus\xe9,plv_1,30,1\n", `sheet.csv:1:1: customer_id: not valid UTF-8 text`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bodies(t, "", tc.sheet, false)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%s\nwant it to contain:\n%s", err, tc.want)
			}
			if !strings.HasSuffix(err.Error(), "nothing was sent") {
				t.Fatalf("error %q does not say that nothing was sent", err)
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Fatalf("exit code %d, want %d", code, exitcode.Usage)
			}
		})
	}
}

func TestEveryBadCellOfARow(t *testing.T) {
	s, err := rows.Open(strings.NewReader("net_terms,billing_start_date\nx,2026-02-30\n"), "s.csv", false, wire)
	if err != nil {
		t.Fatal(err)
	}
	row, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	d := request.NewDoc()
	if err := s.Apply(d, row); err != nil {
		t.Fatal(err) // Set takes the text; the type is checked by Decode
	}
	var req meteroid.CreateCheckoutSessionRequest
	err = request.Decode(d, &req)
	var errs *request.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v", err)
	}
	var places []string
	for _, e := range errs.List {
		places = append(places, e.Place)
	}
	for _, want := range []string{"s.csv:1:1", "s.csv:1:2"} {
		if !strings.Contains(strings.Join(places, " "), want) {
			t.Errorf("errors %q name no %s", places, want)
		}
	}
}

func TestRowNumbersCountRecordsNotLines(t *testing.T) {
	// A quoted line break makes one row span two lines: row 3 is still
	// the third row of the sheet.
	sheet := "customer_id,invoice_memo\na,\"x\ny\"\nb,\nc,z\n"
	s, err := rows.Open(strings.NewReader(sheet), "s.csv", false, wire)
	if err != nil {
		t.Fatal(err)
	}
	var idx []int
	for {
		r, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, r.Index)
		if len(r.Cells) != 2 {
			t.Fatalf("row %d has %d cells, want 2", r.Index, len(r.Cells))
		}
	}
	if !reflect.DeepEqual(idx, []int{1, 2, 3}) {
		t.Fatalf("indexes %v", idx)
	}
}

func TestShortRowsHaveEmptyCells(t *testing.T) {
	s, err := rows.Open(strings.NewReader("customer_id,plan_version_id,net_terms\ncus\n"), "s.csv", false, wire)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Cells, []string{"cus", "", ""}) {
		t.Fatalf("cells %q", r.Cells)
	}
}

// A mistake of the base that only some rows keep (the others give the
// field a cell) names those rows; one that every row keeps names the base
// alone.
func TestErrorsOfTheBaseNameTheRow(t *testing.T) {
	_, err := bodies(t, "net_terms: thirty\n", "customer_id,plan_version_id,net_terms\ncus,plv_1,30\ncus,plv_1,\n", false)
	want := `sheet.csv:2 (base.yaml:1): net_terms: expected an integer`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	_, err = bodies(t, "net_terms: thirty\n", "customer_id,plan_version_id\ncus,plv_1\ncus,plv_1\n", false)
	want = "base.yaml:1: net_terms: expected an integer"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want it to begin %q", err, want)
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// TestSheetLineEnds: a sheet says whether it began with a byte order mark
// and whether its lines end with CR LF, however the reads cut it.
func TestSheetLineEnds(t *testing.T) {
	for _, tc := range []struct {
		in        string
		bom, crlf bool
	}{
		{"customer_id\ncus_1\n", false, false},
		{"customer_id\r\ncus_1\r\n", false, true},
		{"\ufeffcustomer_id\r\ncus_1\r\n", true, true},
		{"\ufeffcustomer_id\ncus_1\n", true, false},
		{"customer_id\r\n", false, true},
		{"customer_id", false, false},
		// A line break inside a quoted header cell comes first: as the
		// same program wrote it.
		{"\"customer_id\"\r\ncus_1\r\n", false, true},
	} {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tc.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			s, err := rows.Open(r, "sheet.csv", false, wire)
			if err != nil {
				t.Fatalf("%q: %v", tc.in, err)
			}
			if s.BOM != tc.bom || s.CRLF != tc.crlf {
				t.Errorf("%q (one byte a read: %v): BOM %v, CRLF %v; want %v, %v", tc.in, oneByte, s.BOM, s.CRLF, tc.bom, tc.crlf)
			}
		}
	}
}
