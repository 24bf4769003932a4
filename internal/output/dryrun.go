package output

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
)

// DryRequest is a request a dry run shows; -o json prints it as is.
type DryRequest struct {
	// Index is the document's number in a batch, 0 for a lone one.
	Index   int               `json:"-"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// DryRun prints the requests a dry run would send, in the format named
// name: json (one object for a lone document, else an array), curl (a
// command each, the token left to the shell), or else text (request line,
// headers, body).
// The caller has redacted the token in the headers.
func DryRun(w io.Writer, name string, reqs []DryRequest, single bool) error {
	f, ok := Lookup(name).(dryRunFormat)
	if !ok {
		f = tableFormat{}
	}
	var buf bytes.Buffer
	if err := f.dryRun(&buf, reqs, single); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
