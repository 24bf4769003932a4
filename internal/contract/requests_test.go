package contract_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/contract"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
)

// These tests take every request file of testdata/requests through the
// real `checkout create -f FILE --dry-run -o json` pipeline (file reading,
// flags, defaults, validation, marshalling) and hold the body it would
// send to the provider's OpenAPI document. Validating the files themselves
// would miss what the tool adds or changes on the way.
//
// They live here rather than beside the command so that the validator's
// large dependency tree stays out of the checkout package's test binary,
// which the fuzzer rebuilds with coverage instrumentation.

const (
	testdataDir  = "../../testdata"
	mapleCompany = "cmp_2MkGNwZq"
)

type contractCase struct {
	provider string
	spec     string
	path     string // the create path, with the company filled in
	args     []string
	wire     reflect.Type
}

var contractCases = []contractCase{
	{
		provider: meteroid.Name,
		spec:     testdataDir + "/specs/meteroid-openapi.sdk.strict.json",
		path:     "/api/v1/checkout-sessions",
		wire:     reflect.TypeOf(meteroid.CreateCheckoutSessionRequest{}),
	},
	{
		provider: maple.Name,
		spec:     testdataDir + "/specs/maple-openapi.yaml",
		path:     "/api/v1/companies/" + mapleCompany + "/checkout",
		args:     []string{"--company", mapleCompany},
		wire:     reflect.TypeOf(maple.CreateCheckoutSessionRequest{}),
	},
}

// requestFiles lists the request documents of one provider.
func requestFiles(t *testing.T, provider string) []string {
	t.Helper()
	dir := filepath.Join(testdataDir, "requests", provider)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".yaml", ".yml", ".json":
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		t.Fatalf("no request files in %s", dir)
	}
	return files
}

// dryRun is the JSON that `--dry-run -o json` prints for one request.
type dryRun struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Body   json.RawMessage `json:"body"`
}

// dryRunFile runs `billctl checkout create -f file --dry-run -o json` in
// process, with an empty environment and a HOME of its own so that no
// profile of the machine it runs on leaks in.
func dryRunFile(t *testing.T, c contractCase, file string) dryRun {
	t.Helper()
	env := map[string]string{"HOME": t.TempDir()}
	io, _, stdout, stderr := outputtest.Streams()
	f := &cmdutil.Factory{
		IO:      io,
		Getenv:  func(k string) string { return env[k] },
		Build:   cmdutil.BuildInfo{Version: "test", Commit: "test", Date: "test"},
		Context: context.Background(),
	}
	args := append([]string{"checkout", "create", "--provider", c.provider, "-f", file, "--dry-run", "-o", "json"}, c.args...)
	if code := cli.Run(f, args); code != 0 {
		t.Fatalf("billctl %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	var dr dryRun
	if err := json.Unmarshal(stdout.Bytes(), &dr); err != nil {
		t.Fatalf("dry run output is not one request object: %v\n%s", err, stdout)
	}
	if len(dr.Body) == 0 || dr.Body[0] != '{' {
		t.Fatalf("dry run body is not a JSON object: %s", dr.Body)
	}
	return dr
}

func TestRequestFilesConformThroughCreate(t *testing.T) {
	for _, c := range contractCases {
		for _, file := range requestFiles(t, c.provider) {
			t.Run(c.provider+"/"+filepath.Base(file), func(t *testing.T) {
				dr := dryRunFile(t, c, file)
				u, err := url.Parse(dr.URL)
				if err != nil {
					t.Fatal(err)
				}
				if dr.Method != "POST" || u.Path != c.path {
					t.Fatalf("dry run would send %s %s, want POST %s", dr.Method, u.Path, c.path)
				}
				if err := contract.ValidateRequest(c.spec, dr.Method, u.Path, dr.Body); err != nil {
					t.Errorf("%s\nbody: %s", err, dr.Body)
				}
			})
		}
	}
}

// unionTags lists, for each discriminated union type reachable from the
// wire type t, the tags it takes.
func unionTags(t reflect.Type) map[reflect.Type][]string {
	out := map[reflect.Type][]string{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		if isUnion(t) {
			out[t] = request.UnionTags(t)
		}
		for i := 0; i < t.NumField(); i++ {
			walk(t.Field(i).Type)
		}
	}
	walk(t)
	return out
}

var unionIface = reflect.TypeOf((*request.Union)(nil)).Elem()

func isUnion(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.Implements(unionIface) && len(request.UnionTags(t)) > 0
}

// usedTags walks a request body along its wire type and records, for each
// union it meets, the tag found in that union's discriminator field. A tag
// only counts where the wire type puts that union: a "NEW" under
// price_entry says nothing about product_ref.
func usedTags(t reflect.Type, v any, used map[reflect.Type]map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		list, _ := v.([]any)
		for _, e := range list {
			usedTags(t.Elem(), e, used)
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		if isUnion(t) {
			disc := reflect.Zero(t).Interface().(request.Union).Discriminator()
			tag, _ := obj[disc].(string)
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if f.Tag.Get("union") != tag {
					continue
				}
				if used[t] == nil {
					used[t] = map[string]bool{}
				}
				used[t][tag] = true
				usedTags(f.Type, obj, used)
			}
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if val, ok := obj[name]; ok && name != "" && name != "-" {
				usedTags(f.Type, val, used)
			}
		}
	}
}

// missingTags lists "Type.TAG" for every union variant of wire that no
// body uses.
func missingTags(t *testing.T, wire reflect.Type, bodies []json.RawMessage) []string {
	t.Helper()
	used := map[reflect.Type]map[string]bool{}
	for _, b := range bodies {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		usedTags(wire, v, used)
	}
	var missing []string
	for u, tags := range unionTags(wire) {
		for _, tag := range tags {
			if !used[u][tag] {
				missing = append(missing, u.Name()+"."+tag)
			}
		}
	}
	sort.Strings(missing)
	return missing
}

func TestRequestFilesCoverEveryUnionVariant(t *testing.T) {
	for _, c := range contractCases {
		t.Run(c.provider, func(t *testing.T) {
			var bodies []json.RawMessage
			for _, file := range requestFiles(t, c.provider) {
				bodies = append(bodies, dryRunFile(t, c, file).Body)
			}
			if missing := missingTags(t, c.wire, bodies); len(missing) > 0 {
				t.Errorf("no file in testdata/requests/%s sends these union variants; add one that does:\n  %s",
					c.provider, strings.Join(missing, "\n  "))
			}
		})
	}
}

// The coverage check must be able to fail: Meteroid's request has unions,
// and its minimal document uses none of them.
func TestCoverageCheckSeesMissingVariants(t *testing.T) {
	wire := reflect.TypeOf(meteroid.CreateCheckoutSessionRequest{})
	all := unionTags(wire)
	for _, u := range []reflect.Type{
		reflect.TypeOf(meteroid.PriceEntry{}),
		reflect.TypeOf(meteroid.Pricing{}),
		reflect.TypeOf(meteroid.UsagePricingModel{}),
		reflect.TypeOf(meteroid.ProductRef{}),
		reflect.TypeOf(meteroid.ProductFeeStructure{}),
		reflect.TypeOf(meteroid.PaymentMethodsConfig{}),
		reflect.TypeOf(meteroid.SubscriptionAddOnCustomization{}),
	} {
		if len(all[u]) == 0 {
			t.Errorf("the walk does not reach union %s", u.Name())
		}
	}

	minimal := json.RawMessage(`{"customer_id":"c","plan_version_id":"p"}`)
	if got := missingTags(t, wire, []json.RawMessage{minimal}); len(got) == 0 {
		t.Fatal("a minimal body reports no missing variant")
	}

	// A tag in the wrong place does not count: RATE under product_ref's
	// fee_structure covers ProductFeeStructure.RATE, not Pricing.RATE.
	body := json.RawMessage(`{"customer_id":"c","plan_version_id":"p","components":{"extra_components":[
		{"name":"n","product_ref":{"type":"NEW","name":"n","fee_type":"RATE","fee_structure":{"type":"RATE"}},
		 "price_entry":{"type":"EXISTING","id":"x"}}]}}`)
	got := missingTags(t, wire, []json.RawMessage{body})
	for _, want := range []string{"Pricing.RATE", "PriceEntry.NEW", "ProductRef.EXISTING"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %s not reported; reported %v", want, got)
		}
	}
	for _, covered := range []string{"ProductFeeStructure.RATE", "ProductRef.NEW", "PriceEntry.EXISTING"} {
		if slices.Contains(got, covered) {
			t.Errorf("%s is used by the body but reported missing", covered)
		}
	}
}
