package engine

import (
	"context"
	"github.com/billctl/billctl/internal/provider"
	"reflect"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

// checkRows checks sheet with b on base (YAML, "" for none) and returns
// what keep received: row number and body.
func checkRows(t *testing.T, b *Builder, base, sheet string) ([]int, []string, error) {
	t.Helper()
	wire := reflect.TypeOf(b.Provider.NewRequest()).Elem()
	s, err := rows.Open(strings.NewReader(sheet), "s.csv", false, wire)
	if err != nil {
		t.Fatal(err)
	}
	var doc *request.Doc
	if base != "" {
		if _, err := request.Read(strings.NewReader(base), "base.yaml", func(d *request.Doc) error { doc = d; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var idx []int
	var bodies []string
	total, err := CheckRows(context.Background(), b, s, doc, nil, func(row *rows.Row, req provider.Request) error {
		idx = append(idx, row.Index)
		bodies = append(bodies, string(req.Body))
		return nil
	})
	if err == nil && total != len(idx) {
		t.Fatalf("total %d, kept %d", total, len(idx))
	}
	return idx, bodies, err
}

func meteroidBuilder(t *testing.T, sets ...string) *Builder {
	t.Helper()
	d := registry.Get("meteroid")
	if d == nil {
		t.Fatal("no meteroid provider")
	}
	return &Builder{Provider: d.New(nil, ""), Sets: sets}
}

func TestCheckRowsLayersBaseFlagsAndCells(t *testing.T) {
	// --set is the flags' layer: a row's cell wins over it, the base
	// gives what neither says.
	b := meteroidBuilder(t, "invoice_memo=from --set")
	idx, bodies, err := checkRows(t, b, "plan_version_id: plv_base\nnet_terms: 7\n",
		"customer_id,invoice_memo,net_terms\ncus_1,,\ncus_2,own,30\n")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(idx, []int{1, 2}) {
		t.Fatalf("rows %v", idx)
	}
	for i, want := range []string{
		`{"customer_id":"cus_1","invoice_memo":"from --set","net_terms":7,"plan_version_id":"plv_base"}`,
		`{"customer_id":"cus_2","invoice_memo":"own","net_terms":30,"plan_version_id":"plv_base"}`,
	} {
		if bodies[i] != want {
			t.Errorf("row %d: %s\nwant %s", i+1, bodies[i], want)
		}
	}
}

func TestCheckRowsListsEveryMistakeOnce(t *testing.T) {
	b := meteroidBuilder(t, "net_terms=x")
	_, _, err := checkRows(t, b, "", "customer_id,trial_duration_days\ncus_1,1\ncus_2,two\ncus_3,3\n")
	if exitcode.Code(err) != exitcode.Usage {
		t.Fatalf("error %v, want a usage error", err)
	}
	msg := err.Error()
	for _, want := range []string{
		// Wrong on every row: once, without a row.
		"\n  --set net_terms: net_terms: \"x\" is not an integer",
		"\n  plan_version_id: required field missing",
		// A cell: its row and column.
		"\n  s.csv:2:2: trial_duration_days: \"two\" is not an integer",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors:\n%s\nwant a line %q", msg, want)
		}
	}
	if n := strings.Count(msg, "required field missing"); n != 1 {
		t.Errorf("the missing field is listed %d times:\n%s", n, msg)
	}
}

func TestCheckRowsKeepsNothingAfterAMistake(t *testing.T) {
	b := meteroidBuilder(t)
	idx, _, err := checkRows(t, b, "", "customer_id,plan_version_id\ncus_1,\ncus_2,plv\n")
	if err == nil {
		t.Fatal("no error")
	}
	if len(idx) != 0 {
		t.Fatalf("rows kept after a mistake: %v", idx)
	}
	if !strings.Contains(err.Error(), "s.csv:1: plan_version_id: required field missing") {
		t.Fatalf("error %v", err)
	}
}
