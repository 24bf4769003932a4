package output

import (
	"reflect"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
)

func TestParseColumns(t *testing.T) {
	known := []string{"id", "status", "customer_id", "checkout_url"}
	got, err := ParseColumns(" checkout_url,id ,status", known)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"checkout_url", "id", "status"}) {
		t.Fatalf("got %q", got)
	}
	for spec, want := range map[string]string{
		"id,url": `--columns: no session field "url" (the fields are id, status, customer_id, checkout_url)`,
		"id,id":  `--columns: "id" is given twice`,
		" , ":    `--columns: no column named`,
	} {
		_, err := ParseColumns(spec, known)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", spec, err, want)
		}
		if exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%q: exit code %d", spec, exitcode.Code(err))
		}
	}
}

func TestSelect(t *testing.T) {
	got, err := Select(raw(`{"id":"che_1","n":1.50,"ok":true,"x":null,"l":[1, 2]}`), []string{"l", "ok", "n", "x", "missing", "id"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"[1,2]", "true", "1.50", "", "", "che_1"}) {
		t.Fatalf("got %q", got)
	}
	if _, err := Select(raw(`[1]`), []string{"id"}); err == nil {
		t.Fatal("a list is not a session")
	}
}

func TestCompleteColumns(t *testing.T) {
	known := []string{"id", "status", "customer_id", "checkout_url"}
	for in, want := range map[string][]string{
		"":             {"id", "status", "customer_id", "checkout_url"},
		"c":            {"customer_id", "checkout_url"},
		"id,":          {"id,status", "id,customer_id", "id,checkout_url"},
		"id,status,ch": {"id,status,checkout_url"},
		"id,x":         nil,
	} {
		if got := CompleteColumns(in, known); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
