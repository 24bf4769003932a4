package output

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter"
)

// tablewriterRows renders lines with tablewriter itself, as tables were
// rendered before writeRows: the first line as the header when header is
// set.
func tablewriterRows(t *testing.T, lines [][]string, header bool) string {
	t.Helper()
	var buf, out bytes.Buffer
	tw := tablewriter.NewTable(&buf, tableOptions()...)
	for i, l := range lines {
		cells := make([]any, len(l))
		for j, c := range l {
			cells[j] = c
		}
		if i == 0 && header {
			tw.Header(cells...)
			continue
		}
		if err := tw.Append(cells...); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeTable(&out, tw, &buf); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// writeRows must print what tablewriter prints with tableOptions, byte
// for byte, whatever the cells hold: plain ASCII, empty cells, wide and
// combining characters, emoji, coloured statuses padded as the stream
// pads them.
func TestWriteRowsIsTablewriters(t *testing.T) {
	pool := []string{
		"", "1", "42", "che_7n42DGM5Tflk9n8mt7Fhc7", "CREATED", "AWAITING_PAYMENT",
		Colorize("CREATED", map[string]string{"CREATED": "32"}) + "   ",
		Colorize("EXPIRED", map[string]string{"EXPIRED": "2"}),
		"cus_客户", "プラン", "café", "e\u0301", "😀 ok", "https://checkout.example.com/che_0000000000000001?key=abc",
		"2026-05-01T13:00:00Z", "never", "a  b", "x ",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		cols := 1 + rng.IntN(7)
		rows := rng.IntN(6)
		header := n%2 == 0
		if header {
			rows++
		}
		var lines [][]string
		for range rows {
			l := make([]string, cols)
			for j := range l {
				l[j] = pool[rng.IntN(len(pool))]
			}
			lines = append(lines, l)
		}
		if len(lines) == 0 {
			continue
		}
		want := tablewriterRows(t, lines, header)
		var got bytes.Buffer
		if err := writeRows(&got, lines); err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			t.Fatalf("lines %q (header %v):\ngot\n%s\nwant (tablewriter)\n%s", lines, header, strings.ReplaceAll(got.String(), "\x1b", "ESC"), strings.ReplaceAll(want, "\x1b", "ESC"))
		}
	}
}

// BenchmarkTableBlock renders one streamed block of 256 session rows, by
// writeRows and, for comparison in the same run, by tablewriter as
// blocks were rendered before: a list of 100,000 sessions is 391 blocks.
//
//	go test ./internal/output -run '^$' -bench TableBlock -benchmem
func BenchmarkTableBlock(b *testing.B) {
	lines := [][]string{{"ID                  ", "STATUS ", "CUSTOMER                  ", "PLAN                      ", "EXPIRES             ", "URL"}}
	for i := range 256 {
		id := fmt.Sprintf("che_%016d", i)
		lines = append(lines, []string{id, "CREATED", "cus_7n42DGM5Tflk9n8mt7Fhc7", "plv_6L91OaVQf7Id906PmtXFyG",
			"2026-05-01T13:00:00Z", "https://checkout.example.com/" + id})
	}
	b.Run("writeRows", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := writeRows(io.Discard, lines); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tablewriter", func(b *testing.B) {
		b.ReportAllocs()
		t := &testing.T{}
		for b.Loop() {
			tablewriterRows(t, lines, true)
		}
	})
}
