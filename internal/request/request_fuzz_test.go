package request_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
)

// wires are the request types the fuzz targets decode into.
var wires = []func() any{
	func() any { return &meteroid.CreateCheckoutSessionRequest{} },
	func() any { return &maple.CreateCheckoutSessionRequest{} },
}

// checkDecoded holds for every document: Decode either refuses it with a
// usage error (exit 2, every message naming a place) or fills the wire
// type, which then marshals to JSON that reads back into the same type.
func checkDecoded(t *testing.T, d *request.Doc, newWire func() any) {
	t.Helper()
	out := newWire()
	err := request.Decode(d, out)
	if err != nil {
		var errs *request.Errors
		if !errors.As(err, &errs) || len(errs.List) == 0 {
			t.Fatalf("Decode error %T %q is not a list of field errors", err, err)
		}
		if exitcode.Code(err) != exitcode.Usage {
			t.Fatalf("Decode error %q has exit code %d, want %d", err, exitcode.Code(err), exitcode.Usage)
		}
		return
	}
	body, merr := json.Marshal(out)
	if merr != nil {
		t.Fatalf("a decoded request does not marshal: %v", merr)
	}
	if !json.Valid(body) {
		t.Fatalf("a decoded request marshals to invalid JSON: %s", body)
	}
	back := newWire()
	if err := json.Unmarshal(body, back); err != nil {
		t.Fatalf("the body %s does not read back into %T: %v", body, back, err)
	}
}

// addFiles seeds f with the request files of the repository.
func addFiles(f *testing.F, glob string) {
	files, _ := filepath.Glob(glob)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
}

// FuzzRead feeds arbitrary files to Read and every document it yields to
// Decode for both providers: no input may panic, and what is accepted must
// be a body the API could read.
func FuzzRead(f *testing.F) {
	addFiles(f, "../../testdata/requests/*/*")
	for _, s := range []string{
		"",
		"---\n---\n",
		"[]",
		"[{}, {\"customer_id\": 1}]",
		"customer_id: cus_1\nplan_version_id: plv_1\n",
		"customer_id: &a cus_1\nplan_version_id: *a\n",
		"[{\"customer_id\": \"cus_1\"},\n {\"plan_version_id\": \"p\", \"metadata\": {\"a\": [1, 2.50, null]}}]",
		"- a\n- b\n",
		"\xef\xbb\xbf{\"customer_id\": \"x\"}",
		"metadata: {a: !!binary aGk=}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, newWire := range wires {
			docs := 0
			single, err := request.Read(bytes.NewReader(data), "f.yaml", func(d *request.Doc) error {
				docs++
				if d.Root == nil {
					t.Fatal("Read yielded a document without a root")
				}
				checkDecoded(t, d, newWire)
				return nil
			})
			if err != nil {
				if exitcode.Code(err) != exitcode.Usage {
					t.Fatalf("Read error %q has exit code %d, want %d", err, exitcode.Code(err), exitcode.Usage)
				}
				continue
			}
			if docs == 0 {
				t.Fatal("Read succeeded without a document")
			}
			if single && docs != 1 {
				t.Fatalf("Read reported a lone document but yielded %d", docs)
			}
		}
	})
}

// FuzzSet sets arbitrary paths to arbitrary values, on an empty document
// and on one read from a file: Set never panics, refuses with a usage
// error, or leaves a document that Decode accepts or refuses cleanly.
func FuzzSet(f *testing.F) {
	seeds := []struct {
		path, value string
		maple       bool
	}{
		{"customer_id", "cus_1", false},
		{"trial_duration_days", "14", false},
		{"components.remove_components[0]", "price_1", false},
		{"components.remove_components[]", "price_1", false},
		{"add_ons[0].add_on_id", "a", false},
		{"add_ons[1].quantity", "2", false},
		{"payment_methods_config", `{"type":"online","config":{"card":{"enabled":true}}}`, false},
		{"payment_methods_config.type", "bank_transfer", false},
		{"metadata.a.b[0]", "x", false},
		{"metadata", `{"k":[1,2,{"z":null}]}`, false},
		{"invoice_threshold", "12.50", false},
		{"billing_start_date", "2026-02-30", false},
		{"options", `{"redirect_url":"https://x"}`, true},
		{"config_items[0].num_licenses", "2", true},
		{"config_items[0].quantity_config.max_quantity", "5", true},
		{"term.frequency", "MONTH", true},
		{"discounts[0]", `{"percent": 10}`, true},
		{"a..b", "x", false},
		{"x[", "1", false},
		{"[0]", "1", true},
		{"customer_id[99999999999999999999]", "1", false},
	}
	for _, s := range seeds {
		f.Add(s.path, s.value, s.maple)
	}
	base := []byte("customer_id: cus_1\nplan_version_id: plv_1\nadd_ons:\n  - add_on_id: a\nmetadata: {k: v}\nconfig_items: []\n")
	f.Fuzz(func(t *testing.T, path, value string, isMaple bool) {
		newWire := wires[0]
		if isMaple {
			newWire = wires[1]
		}
		wire := reflect.TypeOf(newWire()).Elem()
		fresh := request.NewDoc()
		var fromFile *request.Doc
		if _, err := request.Read(bytes.NewReader(base), "base.yaml", func(d *request.Doc) error { fromFile = d; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, d := range []*request.Doc{fresh, fromFile} {
			if err := d.Set(wire, path, value, "--set "+path); err != nil {
				if exitcode.Code(err) != exitcode.Usage {
					t.Fatalf("Set(%q, %q) error %q has exit code %d, want %d", path, value, err, exitcode.Code(err), exitcode.Usage)
				}
				continue
			}
			checkDecoded(t, d, newWire)
		}
	})
}
