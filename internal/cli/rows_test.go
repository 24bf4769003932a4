package cli_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// exported SRC DST: write SRC as a spreadsheet program exports a sheet
// as "CSV UTF-8": a byte order mark, CRLF at the end of every row, and a
// line break inside a quoted cell left as LF, as Excel writes it.
func cmdExported(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: exported SRC DST")
	}
	src, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var b strings.Builder
	b.WriteString("\ufeff")
	quoted := false
	for _, c := range string(src) {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\n' && !quoted:
			b.WriteByte('\r')
		}
		b.WriteRune(c)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(b.String()), 0o644))
}

// manyrows N BAD FILE: write a sheet of N good rows but row BAD, whose
// net_terms is "thirty".
func cmdManyRows(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: manyrows N BAD FILE")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	bad, err := strconv.Atoi(args[1])
	ts.Check(err)
	var b strings.Builder
	b.WriteString("customer_id,plan_version_id,net_terms\n")
	for i := 1; i <= n; i++ {
		terms := "30"
		if i == bad {
			terms = "thirty"
		}
		fmt.Fprintf(&b, "cus_%d,plv_1,%s\n", i, terms)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(b.String()), 0o644))
}
