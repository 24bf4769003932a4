package request

import (
	"bytes"
	"encoding/json"
	"testing"

	"gopkg.in/yaml.v3"
)

// sameAsYAML checks that parseJSON reads text as yaml does: the same JSON
// out, the same line for every node.
func sameAsYAML(t *testing.T, text []byte) {
	t.Helper()
	fast, err := parseJSON(text, 1)
	if err != nil {
		return // left to yaml
	}
	if !json.Valid(text) {
		t.Fatalf("parseJSON read %q, which is not JSON", text)
	}
	var slow yaml.Node
	if err := yaml.Unmarshal(joinSurrogates(text), &slow); err != nil {
		return // yaml refuses some JSON, such as the escape \/
	}
	big := 1 << 30
	a, errA := nodeJSON(fast, &big)
	b, errB := nodeJSON(&slow, &big)
	if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
		t.Fatalf("%q: parseJSON gives %s (%v), yaml %s (%v)", text, a, errA, b, errB)
	}
	var la, lb []int
	var lines func(n *yaml.Node, out *[]int)
	lines = func(n *yaml.Node, out *[]int) {
		if n.Kind != yaml.DocumentNode {
			*out = append(*out, n.Line)
		}
		for _, c := range n.Content {
			lines(c, out)
		}
	}
	lines(fast, &la)
	lines(&slow, &lb)
	if !equalInts(la, lb) {
		t.Fatalf("%q: lines %v, yaml %v", text, la, lb)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var jsonSeeds = []string{
	`{"a": 1, "b": [true, false, null], "c": {"d": -0.50, "e": 1e5, "f": 12345678901234567890}}`,
	"{\n  \"a\": \"x\\n\\t\\\"\\\\\\/\\u00e9\",\n  \"b\": \"\\ud83d\\ude00\",\n\n  \"c\": [\n    1,\n    2\n  ]\n}",
	`{"a": "<<", "<<": {"b": 1}}`,
	`{"a": "2026-01-01", "b": "yes", "c": "0x1F", "d": ""}`,
	`[]`, `{}`, `"x"`, `-1`, `0.0`, `1E-2`,
}

func TestParseJSONReadsAsYAMLDoes(t *testing.T) {
	for _, s := range jsonSeeds {
		if _, err := parseJSON([]byte(s), 1); err != nil {
			t.Errorf("parseJSON(%s): %v", s, err)
		}
		sameAsYAML(t, []byte(s))
	}
	for _, s := range []string{`{a: 1}`, `{"a": 01}`, `{"a": 1,}`, `{"a" 1}`, `[1 2]`, `{"a": .5}`, `{"a": "x` + "\n" + `"}`, `{"a": tru}`, `{"a": 1} x`} {
		if _, err := parseJSON([]byte(s), 1); err == nil {
			t.Errorf("parseJSON(%s) accepted text that is not JSON", s)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { sameAsYAML(t, b) })
}
