package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
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
