package output

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/billctl/billctl/internal/format"
)

// curlFormat is -o curl, which only a dry run prints: each request as a
// curl command, the token left to the shell.
type curlFormat struct{}

func (curlFormat) Name() string { return format.Curl }
func (curlFormat) Help() string { return "the request as a curl command" }

func (curlFormat) dryRun(buf *bytes.Buffer, reqs []DryRequest, _ bool) error {
	for _, r := range reqs {
		buf.WriteString(curlLine(r))
	}
	return nil
}

// curlLine is an equivalent curl command, the token left to the shell.
func curlLine(r DryRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X %s %s \\\n", r.Method, shellQuote(r.URL))
	b.WriteString("  -H \"Authorization: Bearer $BILLCTL_TOKEN\" \\\n")
	for _, k := range sortedKeys(r.Headers) {
		if k == "Authorization" {
			continue
		}
		fmt.Fprintf(&b, "  -H %s \\\n", shellQuote(k+": "+r.Headers[k]))
	}
	fmt.Fprintf(&b, "  --data-raw %s\n", shellQuote(string(r.Body)))
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
