package output

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/billctl/billctl/internal/provider"
)

// hostileSession is a session as a hostile server (or a proxy in front of
// it) could send it: text that retitles or clears the terminal, plants a
// hyperlink, cuts a line, or holds C1 controls.
func hostileSession() *provider.Session {
	raw := map[string]any{
		"id":              "che_1\x1b]0;owned\x07",
		"status":          "CREATED\x1b[2J",
		"customer_id":     "cus_1",
		"plan_version_id": "plv_1\rFAKE",
		"checkout_url":    "https://x.example/\x1b]8;;https://evil.example/\x1b\\pay\x1b]8;;\x1b\\",
		"checkout_type":   "SELF_SERVE\u009b2J",
		"bad\x1bkey":      "v",
		"expires_at":      nil,
	}
	b, _ := json.Marshal(raw)
	return &provider.Session{Raw: b, ID: raw["id"].(string), Status: raw["status"].(string), Customer: "cus_1",
		Plan: raw["plan_version_id"].(string), URL: raw["checkout_url"].(string)}
}

// Outside json and yaml no control character of the API's reaches the
// output, on a terminal or not; billctl's own colour codes are the only
// escape sequences left.
func TestServerTextIsEscaped(t *testing.T) {
	ctl := regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]")
	ownColour := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	s := hostileSession()
	for _, color := range []bool{false, true} {
		for _, format := range []string{"table", "id", "url"} {
			one := printTo(t, color, format, func(p *Printer) error { return p.One(s) }, nil)
			many := printTo(t, color, format, func(p *Printer) error {
				return p.Many([]Item{{Index: 1, Session: s}, {Index: 2, Err: &provider.APIError{Provider: "meteroid", Status: 400, Code: "BAD\x1b[2J", Message: "no\rpe"}}})
			}, nil)
			for name, out := range map[string]string{"one": one, "many": many} {
				if m := ctl.FindString(ownColour.ReplaceAllString(out, "")); m != "" {
					t.Errorf("-o %s (%s, colour %v) holds %q:\n%q", format, name, color, m, out)
				}
			}
		}
	}
	table := printTo(t, false, "table", func(p *Printer) error { return p.One(s) }, nil)
	for _, want := range []string{
		`id               che_1\x1b]0;owned\x07`,
		`plan_version_id  plv_1\rFAKE`,
		`checkout_type    SELF_SERVE\u009b2J`,
		`bad\x1bkey       v`,
	} {
		if !strings.Contains(table, want+"\n") {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if got := printTo(t, false, "url", func(p *Printer) error { return p.One(s) }, nil); got != `https://x.example/\x1b]8;;https://evil.example/\x1b\pay\x1b]8;;\x1b\`+"\n" {
		t.Errorf("-o url = %q", got)
	}
}

// json and yaml keep the API's text exactly, in their own escapes; a C1
// control character, which JSON may carry unescaped, does not stop yaml.
func TestJSONAndYAMLAreExact(t *testing.T) {
	s := hostileSession()
	js := printTo(t, false, "json", func(p *Printer) error { return p.One(s) }, nil)
	var back map[string]any
	if err := json.Unmarshal([]byte(js), &back); err != nil || back["checkout_type"] != "SELF_SERVE\u009b2J" || back["id"] != "che_1\x1b]0;owned\x07" {
		t.Errorf("json did not keep the text: %v %q", err, js)
	}
	y := printTo(t, false, "yaml", func(p *Printer) error { return p.One(s) }, nil)
	for _, want := range []string{`id: "che_1\e]0;owned\a"`, `checkout_type: "SELF_SERVE\x9B2J"`, `plan_version_id: "plv_1\rFAKE"`, "expires_at: null"} {
		if !strings.Contains(y, want+"\n") {
			t.Errorf("yaml lacks %s:\n%s", want, y)
		}
	}
	if strings.ContainsAny(y, "\x1b\x07\r\u009b") {
		t.Errorf("yaml holds a raw control character: %q", y)
	}
}

// yaml keeps numbers as the API wrote them, strings that look like other
// types quoted, and key order.
func TestYAMLFromJSON(t *testing.T) {
	s := &provider.Session{Raw: json.RawMessage(`{"z":1.50,"a":"2026-01-01","n":12,"b":true,"s":"true","l":[1,{"k":null}],"e":{}}`)}
	got := printTo(t, false, "yaml", func(p *Printer) error { return p.One(s) }, nil)
	want := "z: 1.50\na: \"2026-01-01\"\nn: 12\nb: true\ns: \"true\"\nl:\n  - 1\n  - k: null\ne: {}\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// --jq prints a string as bare text: the API's control characters are
// escaped there too, a JSON result keeps JSON's escapes.
func TestJQBareTextIsEscaped(t *testing.T) {
	q, err := ParseJQ(`.id, {id}`)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := q.Write(t.Context(), &out, hostileSession().Raw); err != nil {
		t.Fatal(err)
	}
	want := `che_1\x1b]0;owned\x07` + "\n" + `{
  "id": "che_1\u001b]0;owned\u0007"
}` + "\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

// FuzzPrinter: whatever text a server puts in a session's fields or an
// error, table, id and url output hold no control character but billctl's
// own colour codes, on a terminal or not.
func FuzzPrinter(f *testing.F) {
	f.Add("che_1\x1b]0;t\x07", "CREATED\x1b[2J", "https://x/\x1b]8;;y\x1b\\", "plv\r1", "msg\u009b", true)
	f.Add("\xff\xfe", "COMPLETED", "", "", "", false)
	ctl := regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]")
	ownColour := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	f.Fuzz(func(t *testing.T, id, status, url, plan, msg string, color bool) {
		raw, err := json.Marshal(map[string]any{"id": id, "status": status, "checkout_url": url, "plan_version_id": plan, id: msg})
		if err != nil {
			t.Skip()
		}
		s := &provider.Session{Raw: raw, ID: id, Status: status, URL: url, Plan: plan, Customer: msg}
		items := []Item{{Index: 1, Session: s}, {Index: 2, Err: &provider.APIError{Provider: "maple", Status: 400, Code: status, Message: msg}}}
		for _, format := range []string{"table", "id", "url"} {
			for _, out := range []string{
				printTo(t, color, format, func(p *Printer) error { return p.One(s) }, nil),
				printTo(t, color, format, func(p *Printer) error { return p.Many(items) }, nil),
			} {
				plain := ownColour.ReplaceAllString(out, "")
				if m := ctl.FindString(plain); m != "" || !utf8.ValidString(plain) {
					t.Fatalf("-o %s holds %q (or bytes that are not UTF-8):\n%q", format, m, out)
				}
			}
		}
	})
}
