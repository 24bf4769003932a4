package output

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/provider"
)

// session is a Meteroid-shaped session; expires "" sends expires_at: null.
func session(id, status, expires, url string) *provider.Session {
	raw := map[string]any{"id": id, "status": status, "customer_id": "cus_1", "plan_version_id": "plv_1",
		"created_at": "2026-05-01T12:00:00Z", "expires_at": nil, "checkout_url": nil, "coupon_code": nil}
	if expires != "" {
		raw["expires_at"] = expires
	}
	if url != "" {
		raw["checkout_url"] = url
	}
	b, _ := json.Marshal(raw)
	return &provider.Session{Raw: b, ID: id, Status: status, Customer: "cus_1", Plan: "plv_1", URL: url, ExpiresAt: expires}
}

// vocab is a provider's vocabulary as a descriptor gives it.
var vocab = provider.Vocabulary{
	Colours:   map[string]string{"COMPLETED": "32", "CREATED": "33", "AWAITING_PAYMENT": "33", "EXPIRED": "90"},
	NullMeans: map[string]string{"expires_at": "never"},
	Expiry:    "expires_at",
}

func printTo(t *testing.T, color bool, format string, fn func(*Printer) error, timeFn func(string) string) string {
	t.Helper()
	io, _, out, _ := testStreams()
	io.StdoutTTY = color
	p := &Printer{IO: io, Format: format, Time: timeFn, Vocabulary: vocab}
	if err := fn(p); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func fakeTime(s string) string { return "T(" + s + ")" }

func TestFieldTable(t *testing.T) {
	s := session("che_1", "CREATED", "", "https://pay.example/1")
	out := printTo(t, false, "table", func(p *Printer) error { return p.One(s) }, fakeTime)
	for _, want := range []string{
		`(?m)^FIELD +VALUE$`,
		`(?m)^id +che_1$`,
		`(?m)^status +CREATED$`,
		`(?m)^expires_at +never$`, // null expires_at: never expires
		`(?m)^created_at +T\(2026-05-01T12:00:00Z\)$`,
		`(?m)^checkout_url +https://pay.example/1$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no match for %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, "coupon_code") {
		t.Errorf("a null field other than expires_at is shown:\n%s", out)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("colour without a terminal:\n%q", out)
	}
}

func TestRowTable(t *testing.T) {
	items := []Item{
		{Session: session("che_2", "EXPIRED", "2026-05-01T13:00:00Z", "")},
		{Session: session("che_1", "CREATED", "", "https://pay.example/1")},
	}
	out := printTo(t, false, "table", func(p *Printer) error { return p.Many(items) }, nil)
	want := regexp.MustCompile(`^ID +STATUS +CUSTOMER +PLAN +EXPIRES +URL\n` +
		`che_2 +EXPIRED +cus_1 +plv_1 +2026-05-01T13:00:00Z\n` +
		`che_1 +CREATED +cus_1 +plv_1 +never +https://pay.example/1\n$`)
	if !want.MatchString(out) {
		t.Errorf("got\n%s", out)
	}

	// Only the columns some session has.
	maple := &provider.Session{Raw: []byte(`{"id":"che_1","url":"https://pay.example/c"}`), ID: "che_1", URL: "https://pay.example/c"}
	out = printTo(t, false, "table", func(p *Printer) error { return p.Many([]Item{{Session: maple}}) }, nil)
	if !regexp.MustCompile(`^ID +URL *\nche_1 +https://pay.example/c\n$`).MatchString(out) {
		t.Errorf("got\n%s", out)
	}
}

func TestTablesColourTheStatusOnATerminal(t *testing.T) {
	one := session("che_1", "COMPLETED", "2026-05-01T13:00:00Z", "")
	for name, fn := range map[string]func(*Printer) error{
		"one": func(p *Printer) error { return p.One(one) },
		"many": func(p *Printer) error {
			return p.Many([]Item{{Session: one}, {Session: session("che_2", "AWAITING_PAYMENT", "", "")}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			out := printTo(t, true, "table", fn, nil)
			if !strings.Contains(out, "\x1b[32mCOMPLETED\x1b[0m") {
				t.Errorf("no green COMPLETED in\n%q", out)
			}
			// tablewriter closes a colour again after padding; that second
			// reset must not reach the output.
			if regexp.MustCompile(`\x1b\[0m *\x1b\[0m`).MatchString(out) {
				t.Errorf("a repeated reset code in\n%q", out)
			}
		})
	}
	// NO_COLOR on a terminal: none.
	io, _, out, _ := testStreams()
	io.StdoutTTY, io.NoColor = true, true
	if err := (&Printer{IO: io, Format: "table", Vocabulary: vocab}).One(one); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("colour despite NoColor:\n%q", out)
	}
}

func TestMachineFormatsIgnoreTheTerminal(t *testing.T) {
	s := session("che_1", "CREATED", "2026-05-01T13:00:00Z", "https://pay.example/1")
	for format, want := range map[string]string{"id": "che_1\n", "url": "https://pay.example/1\n"} {
		if got := printTo(t, true, format, func(p *Printer) error { return p.One(s) }, fakeTime); got != want {
			t.Errorf("-o %s: %q, want %q", format, got, want)
		}
	}
	got := printTo(t, true, "json", func(p *Printer) error { return p.One(s) }, fakeTime)
	if strings.Contains(got, "\x1b") || !strings.Contains(got, `"expires_at": "2026-05-01T13:00:00Z"`) {
		t.Errorf("-o json on a terminal:\n%s", got)
	}
}

func TestManyEmpty(t *testing.T) {
	for format, want := range map[string]string{"json": "[]\n", "yaml": "[]\n", "id": "", "url": ""} {
		if got := printTo(t, false, format, func(p *Printer) error { return p.Many(nil) }, nil); got != want {
			t.Errorf("-o %s: %q, want %q", format, got, want)
		}
	}
}

// No line of a table ends in spaces, whatever its last cell: at 80
// columns a padded last cell wraps onto further screen lines, and piped
// output would carry the blanks.
func TestTablesHaveNoTrailingSpaces(t *testing.T) {
	long := "https://pay.example/" + strings.Repeat("x", 150)
	items := []Item{
		{Index: 1, Session: session("che_1", "CREATED", "", long)},
		{Index: 2, Err: errors.New("maple: 400 invalid_field: Invalid request")},
		{Index: 3, Session: session("che_3", "CREATED", "", "https://pay.example/3")},
	}
	for name, fn := range map[string]func(*Printer) error{
		"one":   func(p *Printer) error { return p.One(items[0].Session) },
		"batch": func(p *Printer) error { return p.Many(items) },
		"list": func(p *Printer) error {
			return p.Many([]Item{{Session: items[0].Session}, {Session: items[2].Session}})
		},
	} {
		for _, color := range []bool{false, true} {
			out := printTo(t, color, "table", fn, nil)
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if strings.HasSuffix(line, " ") {
					t.Errorf("%s (colour %v): line %d ends in spaces: %q", name, color, i+1, line)
				}
			}
		}
	}
}

// In a batch's table the short columns come first: the error before the
// long URL, which is last.
func TestBatchTablePutsTheErrorBeforeTheURL(t *testing.T) {
	items := []Item{
		{Index: 1, Session: session("che_1", "CREATED", "", "https://pay.example/1")},
		{Index: 2, Err: errors.New("maple: 400 invalid_field: Invalid request\nmore")},
	}
	out := printTo(t, false, "table", func(p *Printer) error { return p.Many(items) }, nil)
	want := regexp.MustCompile(`^# +ID +STATUS +CUSTOMER +PLAN +EXPIRES +ERROR +URL\n` +
		`1 +che_1 +CREATED +cus_1 +plv_1 +never +https://pay.example/1\n` +
		`2 +maple: 400 invalid_field: Invalid request\n$`)
	if !want.MatchString(out) {
		t.Errorf("got\n%s", out)
	}
}

// --columns names the fields to show: each is shown, empty when null.
func TestFieldTableShowsNamedNullFields(t *testing.T) {
	s := session("che_1", "CREATED", "", "")
	out := printTo(t, false, "table", func(p *Printer) error {
		p.Columns = []string{"id", "coupon_code", "checkout_url"}
		return p.One(s)
	}, fakeTime)
	for _, want := range []string{`(?m)^id +che_1$`, `(?m)^coupon_code *$`, `(?m)^checkout_url *$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no match for %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, "status") {
		t.Errorf("a field not named is shown:\n%s", out)
	}
}
