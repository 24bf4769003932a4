package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	specDir         = "../../testdata/specs"
	requestDir      = "../../testdata/requests"
	meteroidSpec    = specDir + "/meteroid-openapi.sdk.strict.json"
	meteroidLenient = specDir + "/meteroid-openapi.sdk.json"
	mapleSpec       = specDir + "/maple-openapi.yaml"
	meteroidPath    = "/api/v1/checkout-sessions"
	maplePath       = "/api/v1/companies/cmp_2MkGNwZq/checkout"
)

type provider struct {
	name, spec, path string
	// schemaSpec is the document whose schemas TestRequestFilesCoverTheSchema
	// walks: the strict copy adds a `type` property to each variant, which is
	// the tag, not a field.
	schemaSpec string
	// decimalFloats: every non-integer number in the provider's request is a
	// `format: decimal` string on the wire (true for Meteroid, whose request
	// has no plain `number` field; false for Maple, whose percent and
	// aggregate are JSON numbers and which has no decimal strings).
	decimalFloats bool
}

var providers = []provider{
	{"meteroid", meteroidSpec, meteroidPath, meteroidLenient, true},
	{"maple", mapleSpec, maplePath, mapleSpec, false},
}

// toJSON turns a YAML (or JSON) request document into the JSON body that
// would be sent. It works on yaml.Node rather than decoding into any, so a
// decimal keeps its exact text ("12.50", never 12.5), dates stay strings and
// integers stay integers.
func toJSON(t *testing.T, src []byte, decimalFloats bool) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeNode(&buf, doc.Content[0], decimalFloats); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeNode(buf *bytes.Buffer, n *yaml.Node, decimalFloats bool) error {
	switch n.Kind {
	case yaml.AliasNode:
		return writeNode(buf, n.Alias, decimalFloats)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			buf.Write(k)
			buf.WriteByte(':')
			if err := writeNode(buf, n.Content[i+1], decimalFloats); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeNode(buf, c, decimalFloats); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			buf.WriteString("null")
		case "!!bool", "!!int":
			var v any
			if err := n.Decode(&v); err != nil {
				return err
			}
			b, _ := json.Marshal(v)
			buf.Write(b)
		case "!!float":
			if decimalFloats {
				b, _ := json.Marshal(n.Value)
				buf.Write(b)
			} else {
				buf.WriteString(n.Value)
			}
		default: // !!str, !!timestamp: the text as written
			b, _ := json.Marshal(n.Value)
			buf.Write(b)
		}
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}

func requestFiles(t *testing.T, provider string) []string {
	t.Helper()
	var files []string
	for _, ext := range []string{"*.yaml", "*.yml", "*.json"} {
		m, err := filepath.Glob(filepath.Join(requestDir, provider, ext))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no request files for %s", provider)
	}
	return files
}

func readBody(t *testing.T, file string, decimalFloats bool) []byte {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return toJSON(t, src, decimalFloats)
}

func TestRequestFilesConform(t *testing.T) {
	for _, p := range providers {
		for _, f := range requestFiles(t, p.name) {
			t.Run(p.name+"/"+filepath.Base(f), func(t *testing.T) {
				body := readBody(t, f, p.decimalFloats)
				if err := ValidateRequest(p.spec, "POST", p.path, body); err != nil {
					t.Errorf("%s\nbody: %s", err, body)
				}
			})
		}
	}
}

func TestToJSONKeepsDecimalText(t *testing.T) {
	got := toJSON(t, []byte("rate: 12.50\nn: 3\nd: 2026-12-01\nok: true\nx: ~\n"), true)
	want := `{"rate":"12.50","n":3,"d":"2026-12-01","ok":true,"x":null}`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// mutate decodes a conforming body, lets edit change it, and encodes it again.
func mutate(t *testing.T, body []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func firstPriceEntry(m map[string]any) map[string]any {
	c := m["components"].(map[string]any)["extra_components"].([]any)[0].(map[string]any)
	return c["price_entry"].(map[string]any)
}

// The validator must bite: each of these bodies breaks the contract in one
// place, and must be rejected, naming that place.
func TestRejects(t *testing.T) {
	meteroidFile := func(name string) []byte {
		return readBody(t, filepath.Join(requestDir, "meteroid", name), true)
	}
	mapleFile := func(name string) []byte {
		return readBody(t, filepath.Join(requestDir, "maple", name), false)
	}
	cases := []struct {
		name, spec, path string
		body             []byte
		mention          string // a text the error must contain
	}{
		{
			name: "meteroid without plan_version_id", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("minimal.yaml"), func(m map[string]any) {
				delete(m, "plan_version_id")
			}),
			mention: "plan_version_id",
		},
		{
			name: "meteroid pricing with an unknown type tag", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("pricing-rate.yaml"), func(m map[string]any) {
				firstPriceEntry(m)["pricing"].(map[string]any)["type"] = "FLAT"
			}),
			mention: "pricing",
		},
		{
			name: "meteroid pricing tagged SLOT with RATE's fields", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("pricing-rate.yaml"), func(m map[string]any) {
				firstPriceEntry(m)["pricing"].(map[string]any)["type"] = "SLOT"
			}),
			mention: "pricing",
		},
		{
			name: "meteroid pricing without its tag", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("pricing-extra-recurring.yaml"), func(m map[string]any) {
				delete(firstPriceEntry(m)["pricing"].(map[string]any), "type")
			}),
			mention: "pricing",
		},
		{
			name: "meteroid empty-object variant without its tag", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("payment-external.json"), func(m map[string]any) {
				m["payment_methods_config"] = map[string]any{}
			}),
			mention: "payment_methods_config",
		},
		{
			name: "meteroid decimal as a JSON number", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("pricing-rate.yaml"), func(m map[string]any) {
				firstPriceEntry(m)["pricing"].(map[string]any)["rate"] = json.Number("1200.00")
			}),
			mention: "rate",
		},
		{
			name: "meteroid decimal with an exponent", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("all-session-options.yaml"), func(m map[string]any) {
				m["invoice_threshold"] = "2.5e3"
			}),
			mention: "invoice_threshold",
		},
		{
			name: "meteroid day that does not exist", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("all-session-options.yaml"), func(m map[string]any) {
				m["billing_start_date"] = "2026-02-30"
			}),
			mention: "billing_start_date",
		},
		{
			name: "meteroid negative count", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("all-session-options.yaml"), func(m map[string]any) {
				m["expires_in_hours"] = -1
			}),
			mention: "expires_in_hours",
		},
		{
			name: "meteroid unknown billing period", spec: meteroidSpec, path: meteroidPath,
			body: mutate(t, meteroidFile("pricing-rate.yaml"), func(m map[string]any) {
				firstPriceEntry(m)["cadence"] = "WEEKLY"
			}),
			mention: "price_entry",
		},
		{
			name: "maple change_timing SOMETIMES", spec: mapleSpec, path: maplePath,
			body: mutate(t, mapleFile("plan-change.yaml"), func(m map[string]any) {
				m["change_timing"] = "SOMETIMES"
			}),
			mention: "change_timing",
		},
		{
			name: "maple config_items null", spec: mapleSpec, path: maplePath,
			body: mutate(t, mapleFile("minimal.yaml"), func(m map[string]any) {
				m["config_items"] = nil
			}),
			mention: "config_items",
		},
		{
			name: "maple without type", spec: mapleSpec, path: maplePath,
			body: mutate(t, mapleFile("minimal.yaml"), func(m map[string]any) {
				delete(m, "type")
			}),
			mention: "type",
		},
		{
			name: "maple company ID without its prefix", spec: mapleSpec,
			path:    "/api/v1/companies/2MkGNwZq/checkout",
			body:    mapleFile("minimal.yaml"),
			mention: "company_id",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateRequest(c.spec, "POST", c.path, c.body)
			if err == nil {
				t.Fatalf("accepted: %s", c.body)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("the error does not mention %q:\n%s", c.mention, err)
			}
		})
	}
}

// Meteroid's own document leaves the serde tag out of every variant, so a
// JSON-Schema validator cannot tell variants apart; that is why the tests
// validate against the strict copy. This pins that reason down: if it ever
// stops holding, the strict copy may no longer be needed.
func TestLenientSpecCannotTellVariantsApart(t *testing.T) {
	body := readBody(t, filepath.Join(requestDir, "meteroid", "payment-external.json"), true)
	if err := ValidateRequest(meteroidLenient, "POST", meteroidPath, body); err == nil {
		t.Fatal("the lenient spec accepted a tagged empty-object variant; the strict copy may be unnecessary")
	}
	if err := ValidateRequest(meteroidSpec, "POST", meteroidPath, body); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownPathIsAnError(t *testing.T) {
	if err := ValidateRequest(meteroidSpec, "POST", "/api/v1/nowhere", []byte(`{}`)); err == nil {
		t.Fatal("a path that the spec does not have was accepted")
	}
	if err := ValidateRequest(specDir+"/missing.json", "POST", meteroidPath, []byte(`{}`)); err == nil {
		t.Fatal("a missing spec file was not reported")
	}
}

// TestRequestFilesCoverTheSchema checks that the request files together use
// every property of every schema that the create request reaches, and every
// variant of every discriminated union, so a field the types get wrong
// cannot go unnoticed by TestRequestFilesConform.
func TestRequestFilesCoverTheSchema(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			spec := loadSpecTree(t, p.schemaSpec)
			root := requestSchemaRef(t, spec, p.path)
			want := map[string]bool{}
			expected(spec, root, want, map[string]bool{})

			seen := map[string]bool{}
			for _, f := range requestFiles(t, p.name) {
				var v any
				if err := json.Unmarshal(readBody(t, f, p.decimalFloats), &v); err != nil {
					t.Fatal(err)
				}
				cover(spec, map[string]any{"$ref": root}, "", v, seen)
			}
			var missing []string
			for k := range want {
				if !seen[k] {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("no request file uses:\n  %s", strings.Join(missing, "\n  "))
			}
		})
	}
}

func loadSpecTree(t *testing.T, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := yaml.Unmarshal(src, &spec); err != nil { // JSON is YAML
		t.Fatal(err)
	}
	return spec
}

func requestSchemaRef(t *testing.T, spec map[string]any, path string) string {
	t.Helper()
	for p, item := range spec["paths"].(map[string]any) {
		if !pathMatches(p, path) {
			continue
		}
		post := item.(map[string]any)["post"].(map[string]any)
		schema := post["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		return schema["$ref"].(string)
	}
	t.Fatalf("no path %s in the spec", path)
	return ""
}

func pathMatches(tmpl, path string) bool {
	a, b := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !strings.HasPrefix(a[i], "{") {
			return false
		}
	}
	return true
}

func resolve(spec map[string]any, ref string) (string, map[string]any) {
	name := ref[strings.LastIndex(ref, "/")+1:]
	return name, spec["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
}

// expected lists Schema.property for every property and Schema#TAG for every
// union variant reachable from ref.
func expected(spec map[string]any, ref string, want, done map[string]bool) {
	name, s := resolve(spec, ref)
	if done[name] {
		return
	}
	done[name] = true
	var walk func(ctx string, s map[string]any)
	walk = func(ctx string, s map[string]any) {
		if r, ok := s["$ref"].(string); ok {
			expected(spec, r, want, done)
			return
		}
		if d, ok := s["discriminator"].(map[string]any); ok {
			for tag := range d["mapping"].(map[string]any) {
				want[ctx+"#"+tag] = true
			}
		}
		for _, k := range []string{"oneOf", "anyOf", "allOf"} {
			if list, ok := s[k].([]any); ok {
				for _, e := range list {
					walk(ctx, e.(map[string]any))
				}
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for k, ps := range props {
				want[ctx+"."+k] = true
				walk(ctx+"."+k, ps.(map[string]any))
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(ctx, items)
		}
	}
	walk(name, s)
}

// cover walks a request value along its schema and records what it uses,
// with the same keys as expected.
func cover(spec map[string]any, s map[string]any, ctx string, v any, seen map[string]bool) {
	if v == nil {
		return
	}
	if r, ok := s["$ref"].(string); ok {
		name, rs := resolve(spec, r)
		cover(spec, rs, name, v, seen)
		return
	}
	if list, ok := s["oneOf"].([]any); ok {
		if d, ok := s["discriminator"].(map[string]any); ok {
			obj, _ := v.(map[string]any)
			tag, _ := obj[d["propertyName"].(string)].(string)
			seen[ctx+"#"+tag] = true
			if target, ok := d["mapping"].(map[string]any)[tag].(string); ok {
				cover(spec, map[string]any{"$ref": target}, ctx, v, seen)
			}
			return
		}
		for _, e := range list { // a nullable reference: oneOf [null, X]
			if e.(map[string]any)["type"] != "null" {
				cover(spec, e.(map[string]any), ctx, v, seen)
			}
		}
		return
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for k, pv := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				continue
			}
			seen[ctx+"."+k] = true
			cover(spec, ps, ctx+"."+k, pv, seen)
		}
		return
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for _, e := range arr {
				cover(spec, items, ctx, e, seen)
			}
		}
	}
}

// Each request file holds exactly one document: a batch would hide which
// document a failure belongs to.
func TestRequestFilesAreSingleDocuments(t *testing.T) {
	for _, p := range providers {
		for _, f := range requestFiles(t, p.name) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(src))
			var n yaml.Node
			count := 0
			for dec.Decode(&n) == nil {
				count++
			}
			if count != 1 {
				t.Errorf("%s: %d documents, want 1", f, count)
			}
		}
	}
}
