package output

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/billctl/billctl/internal/provider"
)

func batchItems(n int, failEvery int) []Item {
	items := make([]Item, n)
	for i := range items {
		idx := i + 1
		if failEvery > 0 && idx%failEvery == 0 {
			items[i] = Item{Index: idx, Err: &provider.APIError{Provider: "meteroid", Status: 400, Code: "BAD_REQUEST", Message: "plan version not found"}}
			continue
		}
		id := fmt.Sprintf("che_%06d", idx)
		raw := fmt.Sprintf(`{"id":%q,"status":"CREATED","customer_id":"cus_%d","checkout_url":"https://checkout.example.com/%s","expires_at":null}`, id, idx, id)
		items[i] = Item{Index: idx, Session: &provider.Session{Raw: json.RawMessage(raw), ID: id, Status: "CREATED", Customer: fmt.Sprintf("cus_%d", idx), URL: "https://checkout.example.com/" + id}}
	}
	return items
}

func streamed(t *testing.T, format string, items []Item) string {
	t.Helper()
	io, _, out, _ := testStreams()
	st := (&Printer{IO: io, Format: format}).Stream()
	for i, it := range items {
		if err := st.Add(it); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			if err := st.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func many(t *testing.T, format string, items []Item) string {
	t.Helper()
	io, _, out, _ := testStreams()
	if err := (&Printer{IO: io, Format: format}).Many(items); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// A streamed batch reads exactly like the same batch printed at once.
func TestStreamMatchesMany(t *testing.T) {
	items := batchItems(12, 5)
	for _, format := range []string{"json", "yaml", "id", "url", "table"} {
		t.Run(format, func(t *testing.T) {
			got, want := streamed(t, format, items), many(t, format, items)
			if got != want {
				t.Errorf("streamed:\n%s\nprinted at once:\n%s", got, want)
			}
		})
	}
}

func TestStreamJSONFailedItemInPlace(t *testing.T) {
	out := streamed(t, "json", batchItems(3, 2))
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	if len(got) != 3 || got[0]["id"] != "che_000001" || got[2]["id"] != "che_000003" {
		t.Fatalf("wrong elements: %v", got)
	}
	want := map[string]any{"index": float64(2), "error": map[string]any{"status": float64(400), "code": "BAD_REQUEST", "message": "plan version not found"}}
	if fmt.Sprint(got[1]) != fmt.Sprint(want) {
		t.Errorf("failed item = %v, want %v", got[1], want)
	}
}

func TestStreamEmpty(t *testing.T) {
	for _, format := range []string{"json", "yaml"} {
		if got := streamed(t, format, nil); got != "[]\n" {
			t.Errorf("%s: empty batch printed %q, want []", format, got)
		}
	}
	if got := streamed(t, "id", nil); got != "" {
		t.Errorf("id: empty batch printed %q", got)
	}
}

func TestStreamYAMLIsOneSequence(t *testing.T) {
	out := streamed(t, "yaml", batchItems(4, 3))
	var got []map[string]any
	if err := yaml.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not a YAML sequence: %v\n%s", err, out)
	}
	if len(got) != 4 || got[3]["id"] != "che_000004" || got[2]["index"] != 3 {
		t.Errorf("wrong sequence: %v", got)
	}
}

// A table longer than a block prints one header, every row once in order,
// and rows of later blocks line up with the first until a wider value
// comes (here in the last block, which may then be wider).
func TestStreamTableBlocks(t *testing.T) {
	n := 2*tableBlock + 10
	items := batchItems(n, 100)
	items[n-1].Session.Customer = "cus_with_a_much_longer_name"
	out := streamed(t, "table", items)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != n+1 {
		t.Fatalf("%d lines, want a header and %d rows", len(lines), n)
	}
	if !strings.HasPrefix(strings.TrimSpace(lines[0]), "#") || strings.Count(out, "CUSTOMER") != 1 {
		t.Fatalf("want one header line, got %q", lines[0])
	}
	if !strings.Contains(lines[n], "cus_with_a_much_longer_name") {
		t.Errorf("the last row lost its wide value: %q", lines[n])
	}
	urlCol := strings.Index(lines[1], "https://")
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		if f[0] != fmt.Sprint(i+1) {
			t.Fatalf("row %d is document %s", i+1, f[0])
		}
		if (i+1)%100 == 0 {
			if !strings.Contains(l, "plan version not found") {
				t.Errorf("row %d does not show its error: %q", i+1, l)
			}
			continue
		}
		if i+1 <= 2*tableBlock && strings.Index(l, "https://") != urlCol {
			t.Errorf("row %d: URL at column %d, want %d:\n%s\n%s", i+1, strings.Index(l, "https://"), urlCol, lines[1], l)
		}
	}
}
