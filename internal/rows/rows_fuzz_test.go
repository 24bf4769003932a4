package rows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

// FuzzSheet reads any bytes as a sheet. Whatever they are, the reader
// never panics; it either refuses them with an input error (exit 2) that
// names the file, or gives rows numbered 1, 2, 3… each with one cell per
// header column, and every row either becomes a request or is refused
// with errors naming the file.
func FuzzSheet(f *testing.F) {
	f.Add([]byte("\ufeffcustomer_id,plan_version_id,net_terms,,\r\ncus,pv,3,,\r\n,,,,\r\n"), false)
	f.Add([]byte("customer_id,invoice_memo\r\nc,\"a, \"\"b\"\"\r\nc\"\n"), false)
	f.Add([]byte("customer_id\tmetadata.crm_id\tadd_ons[0].add_on_id\nc\t001\tao\n"), true)
	f.Add([]byte("add_ons[0].quantity,add_ons[1].add_on_id\n-1,x\n"), false)
	f.Add([]byte("customer_id,\n\"x\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, tsv bool) {
		checkUsage := func(err error) {
			t.Helper()
			var errs *request.Errors
			if !errors.As(err, &errs) || len(errs.List) == 0 {
				t.Fatalf("error %T %q is not a list of input errors", err, err)
			}
			if exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("error %q: exit code %d", err, exitcode.Code(err))
			}
			for _, e := range errs.List {
				if !strings.HasPrefix(e.Place, "f.csv") {
					t.Fatalf("error %q does not name the file", e)
				}
			}
		}
		s, err := rows.Open(bytes.NewReader(data), "f.csv", tsv, wire)
		if err != nil {
			checkUsage(err)
			return
		}
		last := 0
		for {
			row, err := s.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				checkUsage(err)
				return
			}
			if row.Index <= last {
				t.Fatalf("row %d after row %d", row.Index, last)
			}
			last = row.Index
			if len(row.Cells) != len(s.Header) {
				t.Fatalf("row %d: %d cells for %d columns", row.Index, len(row.Cells), len(s.Header))
			}
			if err := s.Apply(request.NewDoc(), row); err != nil {
				checkUsage(err)
				continue
			}
		}
		// Every row becomes a request or is refused, as create --rows
		// checks them: each mistake names the file, except one every
		// row has (a required field no column gives), which is the
		// header's, not a row's.
		s, err = rows.Open(bytes.NewReader(data), "f.csv", tsv, wire)
		if err != nil {
			t.Fatalf("second open: %v", err)
		}
		b := &engine.Builder{Provider: meteroid.Descriptor().New(nil, "")}
		_, err = engine.CheckRows(context.Background(), b, s, nil, nil, func(*rows.Row, provider.Request) error { return nil })
		if err == nil {
			return
		}
		var errs *request.Errors
		if !errors.As(err, &errs) || exitcode.Code(err) != exitcode.Usage {
			t.Fatalf("error %T %q: exit code %d, want a list of input errors", err, err, exitcode.Code(err))
		}
		for _, e := range errs.List {
			if e.Place != "" && !strings.HasPrefix(e.Place, "f.csv") {
				t.Fatalf("error %q names neither the file nor every row", e)
			}
		}
	})
}

// FuzzSheetRoundTrip writes cells as a spreadsheet program does (BOM,
// CRLF, RFC 4180 quoting) and reads them back unchanged.
func FuzzSheetRoundTrip(f *testing.F) {
	f.Add("cus_1", "Thanks, \"ACME\"\nsee you", "00123")
	f.Add("", "=1+2", " x ")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if strings.ContainsRune(a+b+c, '\r') || a+b+c == "" {
			// CSV turns a line break written as CRLF into LF: a carriage
			// return in a cell does not survive, in any reader. An empty
			// row between full ones is refused (TestErrorsNameTheCell).
			return
		}
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		_ = w.Write([]string{"customer_id", "invoice_memo", "metadata.crm_id"})
		_ = w.Write([]string{"first", "", ""})
		_ = w.Write([]string{a, b, c})
		_ = w.Write([]string{"last", "", ""})
		w.Flush()
		s, err := rows.Open(&buf, "f.csv", false, wire)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]string
		for {
			row, err := s.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, row.Cells)
		}
		want := [][]string{{"first", "", ""}, {a, b, c}, {"last", "", ""}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read back %q, want %q", got, want)
		}
	})
}
