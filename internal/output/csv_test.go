package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/provider"
)

func csvOut(t *testing.T, opts CSVOptions, lines ...CSVLine) string {
	t.Helper()
	var buf bytes.Buffer
	c := NewCSV(&buf, opts)
	for _, l := range lines {
		if err := c.Write(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestCSVSessionsInTheAPIsOrder(t *testing.T) {
	got := csvOut(t, CSVOptions{},
		CSVLine{Session: raw(`{"id":"che_1","status":"CREATED","net_terms":30,"expires_at":null,"metadata":{"a":"b, c"}}`)},
		CSVLine{Session: raw(`{"id":"che_2","status":"COMPLETED","net_terms":0,"expires_at":"2026-01-01T00:00:00Z"}`)},
	)
	want := "id,status,net_terms,expires_at,metadata\n" +
		"che_1,CREATED,30,,\"{\"\"a\"\":\"\"b, c\"\"}\"\n" +
		"che_2,COMPLETED,0,2026-01-01T00:00:00Z,\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCSVFormulaInjection(t *testing.T) {
	got := csvOut(t, CSVOptions{Columns: []string{"id", "memo", "amount"}, Error: true},
		CSVLine{Session: raw(`{"id":"=HYPERLINK(\"http://x\")","memo":"+1","amount":-5}`)},
		CSVLine{Session: raw(`{"id":"@SUM(A1)","memo":"-2","amount":"-5"}`)},
		CSVLine{Err: "=cmd|' /C calc'!A0"},
		CSVLine{Session: raw(`{"id":"ok","memo":"\tx","amount":"a=b"}`)},
	)
	r := csv.NewReader(strings.NewReader(got))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"id", "memo", "amount", "error"},
		// A JSON number cannot hold a formula: -5 stays a number.
		{"'=HYPERLINK(\"http://x\")", "'+1", "-5", ""},
		{"'@SUM(A1)", "'-2", "'-5", ""},
		{"", "", "", "'=cmd|' /C calc'!A0"},
		// A tab the API sent is shown escaped, as every control
		// character outside json and yaml: no longer a formula's start.
		{"ok", `\tx`, "a=b", ""},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Fatalf("got %q\nwant %q", recs, want)
	}
}

func TestCSVRowsRoundTrip(t *testing.T) {
	// After --rows, each line is the row as read, then the session's id,
	// status and url, then the error; a failed row keeps its place.
	in := []string{"customer_id", "invoice_memo"}
	got := csvOut(t, CSVOptions{Input: in, Error: true},
		CSVLine{Input: []string{"cus_1", "Thanks, \"ACME\"\nsee you"}, Session: raw(`{"id":"che_1","status":"CREATED","checkout_url":"https://pay/1"}`),
			Values: map[string]string{"url": "https://pay/1"}},
		CSVLine{Input: []string{"cus_2", ""}, Err: "customer not found"},
		CSVLine{Input: []string{"-3", "=x"}, Session: raw(`{"id":"che_3","status":"CREATED"}`), Values: map[string]string{"url": "=evil"}},
	)
	want := "customer_id,invoice_memo,id,status,url,error\n" +
		"cus_1,\"Thanks, \"\"ACME\"\"\nsee you\",che_1,CREATED,https://pay/1,\n" +
		"cus_2,,,,,customer not found\n" +
		// The sheet's own cells go back as they came; only the API's are
		// neutralised.
		"-3,=x,che_3,CREATED,'=evil,\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCSVFailuresBeforeTheFirstSessionWait(t *testing.T) {
	got := csvOut(t, CSVOptions{Error: true},
		CSVLine{Err: "boom"},
		CSVLine{Session: raw(`{"id":"che_2","status":"CREATED"}`)},
	)
	want := "id,status,error\n,,boom\nche_2,CREATED,\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := csvOut(t, CSVOptions{Error: true}, CSVLine{Err: "boom"}); got != "error\nboom\n" {
		t.Fatalf("only failures: %q", got)
	}
	if got := csvOut(t, CSVOptions{}); got != "" {
		t.Fatalf("nothing: %q", got)
	}
	if got := csvOut(t, CSVOptions{Columns: []string{"id"}}); got != "id\n" {
		t.Fatalf("no sessions, columns given: %q", got)
	}
}

func TestCSVStreams(t *testing.T) {
	// Lines go out as they come, not at Close.
	var buf bytes.Buffer
	c := NewCSV(&buf, CSVOptions{Columns: []string{"id"}})
	for i := 0; i < 3; i++ {
		if err := c.Write(CSVLine{Session: raw(`{"id":"x"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "id\nx\nx\nx\n" {
		t.Fatalf("after Flush: %q", buf.String())
	}
}

func TestPrinterCSV(t *testing.T) {
	io, _, out, _ := testStreams()
	p := &Printer{IO: io, Format: "csv", Columns: []string{"id", "customer_id"}}
	st := p.Stream()
	_ = st.Add(Item{Index: 1, Session: &provider.Session{Raw: raw(`{"id":"che_1","customer_id":"=1+1"}`)}})
	_ = st.Add(Item{Index: 2, Err: errors.New("refused\nsecond line")})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A batch has an error column; a failed document keeps its line.
	if got, want := out.String(), "id,customer_id,error\nche_1,'=1+1,\n,,refused\n"; got != want {
		t.Fatalf("batch:\n%q\nwant\n%q", got, want)
	}
	out.Reset()
	p.Columns = nil
	if err := p.One(&provider.Session{Raw: raw(`{"id":"che_1","status":"CREATED"}`)}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "id,status\nche_1,CREATED\n"; got != want {
		t.Fatalf("one:\n%q\nwant\n%q", got, want)
	}
	out.Reset()
	// A list: no error column.
	if err := p.Many([]Item{{Session: &provider.Session{Raw: raw(`{"id":"che_1"}`)}}, {Session: &provider.Session{Raw: raw(`{"id":"che_2"}`)}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "id\nche_1\nche_2\n"; got != want {
		t.Fatalf("list:\n%q\nwant\n%q", got, want)
	}
}

func TestPrinterTableColumns(t *testing.T) {
	io, _, out, _ := testStreams()
	p := &Printer{IO: io, Format: "table", Columns: []string{"customer_id", "id", "net_terms"}}
	s := &provider.Session{ID: "che_1", Raw: raw(`{"id":"che_1","status":"CREATED","customer_id":"cus_1"}`)}
	if err := p.Many([]Item{{Session: s}}); err != nil {
		t.Fatal(err)
	}
	// The columns asked for, in their order, an empty one too.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "CUSTOMER_ID  ID     NET_TERMS") || strings.TrimSpace(lines[1]) != "cus_1        che_1" {
		t.Fatalf("table:\n%s", out.String())
	}
	out.Reset()
	if err := p.One(s); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "customer_id  cus_1\nid           che_1\nnet_terms\n") || strings.Contains(got, "status") {
		t.Fatalf("field table:\n%s", got)
	}
}

// A server's control characters are escaped in CSV as in tables: a CSV
// file is often looked at in a terminal.
func TestCSVEscapesServerText(t *testing.T) {
	ctl := regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]")
	s := hostileSession()
	for _, cols := range [][]string{nil, {"id", "status", "checkout_url"}} {
		out := printTo(t, false, "csv", func(p *Printer) error {
			p.Columns = cols
			return p.Many([]Item{{Index: 1, Session: s}, {Index: 2, Err: &provider.APIError{Provider: "meteroid", Status: 400, Code: "BAD\x1b[2J", Message: "no\rpe"}}})
		}, nil)
		if m := ctl.FindString(out); m != "" {
			t.Errorf("columns %q: the CSV holds %q:\n%q", cols, m, out)
		}
		if !strings.Contains(out, `che_1\x1b]0;owned\x07`) {
			t.Errorf("columns %q: the id is not shown escaped:\n%q", cols, out)
		}
	}
}
