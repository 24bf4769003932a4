package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/billctl/billctl/internal/format"
)

// DryRunOnly are the -o values that only a dry run prints.
var DryRunOnly = format.DryRunOnly

// DryRequest is a request a dry run shows; -o json prints it as is.
type DryRequest struct {
	// Index is the document's number in a batch, 0 for a lone one.
	Index   int               `json:"-"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// DryRun prints the requests a dry run would send, in format: json (one
// object for a lone document, else an array), curl (a command each, the
// token left to the shell), or else text (request line, headers, body).
// The caller has redacted the token in the headers.
func DryRun(w io.Writer, format string, reqs []DryRequest, single bool) error {
	var buf bytes.Buffer
	switch format {
	case "json":
		var v any = reqs
		if single {
			v = reqs[0]
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	case "curl":
		for _, r := range reqs {
			buf.WriteString(curlLine(r))
		}
	default:
		for i, r := range reqs {
			if i > 0 {
				buf.WriteString("\n")
			}
			if r.Index > 0 {
				fmt.Fprintf(&buf, "# document %d\n", r.Index)
			}
			fmt.Fprintf(&buf, "%s %s\n", r.Method, r.URL)
			for _, k := range sortedKeys(r.Headers) {
				fmt.Fprintf(&buf, "%s: %s\n", k, r.Headers[k])
			}
			buf.WriteString("\n")
			_ = json.Indent(&buf, r.Body, "", "  ")
			buf.WriteString("\n")
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
