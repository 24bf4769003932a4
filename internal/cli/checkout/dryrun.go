package checkout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/provider"
)

// dryRequest is what --dry-run -o json prints for each request.
type dryRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// printDryRun shows the requests that would be sent. The token is never
// shown: the text and JSON forms redact it, and the curl form reads it
// from $BILLCTL_TOKEN when the command is run.
func printDryRun(f *cmdutil.Factory, s *config.Settings, p provider.Provider, reqs []built, single bool) error {
	// Without a token the header says so, rather than look as if one were
	// set: a real create would stop there (exit 3).
	auth := "Bearer [REDACTED]"
	if s.Token == "" {
		auth = "Bearer [no token configured]"
	}
	out := make([]dryRequest, len(reqs))
	for i, r := range reqs {
		out[i] = dryRequest{
			Method: http.MethodPost,
			URL:    s.BaseURL + p.CreatePath(),
			Headers: map[string]string{
				"Authorization":   auth,
				"Content-Type":    "application/json",
				"Accept":          "application/json",
				"Idempotency-Key": r.key,
				"User-Agent":      f.UserAgent(),
			},
			Body: r.body,
		}
	}
	var buf bytes.Buffer
	switch s.Output {
	case "json":
		var v any = out
		if single {
			v = out[0]
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	case "curl":
		for _, r := range out {
			buf.WriteString(curlLine(r))
		}
	default:
		for i, r := range out {
			if i > 0 {
				buf.WriteString("\n")
			}
			if r := reqs[i]; r.index > 0 {
				fmt.Fprintf(&buf, "# document %d\n", r.index)
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
	_, err := f.IO.Out.Write(buf.Bytes())
	return err
}

// curlLine is an equivalent curl command, the token left to the shell.
func curlLine(r dryRequest) string {
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
