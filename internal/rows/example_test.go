package rows_test

import (
	"os"
	"strings"
	"testing"
)

// The example sheet of the README is a spreadsheet's export (BOM, CRLF,
// a quoted line break, an empty row at the end) whose rows all check.
func TestExampleSheet(t *testing.T) {
	b, err := os.ReadFile("../../testdata/rows/example.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "\ufeff") || !strings.Contains(string(b), "\r\n") {
		t.Fatal("the example sheet lost its byte order mark or its CRLF line ends")
	}
	got, err := bodies(t, "", string(b), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	want := `{"charge_automatically":true,"customer_id":"acme","invoice_memo":"Thanks, \"Acme\"!\nQuestions: billing@example.com","invoice_threshold":"250.00","metadata":{"crm_id":"00123"},"plan_version_id":"plv_2zg9tUmeQMonp21OV6Rla1","trial_duration_days":14}`
	if got[0] != want {
		t.Fatalf("row 1:\n%s\nwant\n%s", got[0], want)
	}
}
