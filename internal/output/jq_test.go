package output

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
)

func jq(t *testing.T, expr, input string) (string, error) {
	t.Helper()
	q, err := ParseJQ(expr)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = q.Write(context.Background(), &buf, []byte(input))
	return buf.String(), err
}

func TestJQ(t *testing.T) {
	list := `[{"id":"che_1","status":"CREATED","amount":12345678901234567890,"rate":"12.50"},{"id":"che_2","status":"COMPLETED","amount":1.50}]`
	tests := []struct{ expr, want string }{
		// Strings print bare (jq -r), one per line.
		{`.[].id`, "che_1\nche_2\n"},
		// Anything else as jq prints it: indented JSON; big numbers keep
		// their digits.
		{`.[0] | {id, amount}`, "{\n  \"amount\": 12345678901234567890,\n  \"id\": \"che_1\"\n}\n"},
		{`[.[] | select(.status == "COMPLETED") | .amount]`, "[\n  1.50\n]\n"},
		{`length`, "2\n"},
		{`.[0].missing`, "null\n"},
		{`empty`, ""},
		{`.[] | .id, halt`, "che_1\n"},
	}
	for _, tc := range tests {
		got, err := jq(t, tc.expr, list)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.expr, got, tc.want)
		}
	}
}

func TestJQBadExpressionIsAUsageError(t *testing.T) {
	for expr, want := range map[string]string{
		`.[] |`:        `--jq: unexpected EOF`,
		`.id | nosuch`: `--jq: function not defined: nosuch/0`,
		`$x`:           `--jq: variable not defined: $x`,
	} {
		_, err := ParseJQ(expr)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", expr, err, want)
			continue
		}
		if exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%q: exit code %d, want %d", expr, exitcode.Code(err), exitcode.Usage)
		}
	}
}

func TestJQRunErrorKeepsWhatCameBefore(t *testing.T) {
	got, err := jq(t, `.[] | .id | ascii_downcase, error("bad")`, `[{"id":"A"}]`)
	if err == nil || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("error %v", err)
	}
	if got != "a\n" {
		t.Fatalf("output %q", got)
	}
}

func TestJQSeesNoEnvironment(t *testing.T) {
	t.Setenv("BILLCTL_TOKEN", "secret-token")
	for _, expr := range []string{`$ENV.BILLCTL_TOKEN`, `env.BILLCTL_TOKEN`, `$ENV | tostring`} {
		got, err := jq(t, expr, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got, "secret-token") {
			t.Fatalf("%s printed the token: %q", expr, got)
		}
	}
}

// A filter's own exit status (error, halt_error) is jq's, not billctl's:
// a failing filter exits 1, as any other failure, and says why.
func TestJQRunErrorExitsOne(t *testing.T) {
	for expr, want := range map[string]string{
		`error("boom")`:        "boom",
		`"x" | halt_error(42)`: "x",
		`{} | halt_error(3)`:   "{}",
		`.a.b.c = 1 | .[0]`:    "cannot be applied",
	} {
		_, err := jq(t, expr, `{"a":1}`)
		if err == nil {
			t.Errorf("%s: no error", expr)
			continue
		}
		if got := exitcode.Code(err); got != exitcode.Failure {
			t.Errorf("%s: exit code %d, want %d", expr, got, exitcode.Failure)
		}
		if !strings.HasPrefix(err.Error(), "--jq: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want it to say %q", expr, err, want)
		}
	}
}
