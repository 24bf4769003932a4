// Package contract checks request bodies against the providers' OpenAPI
// documents, so tests prove that what billctl sends is what the API accepts.
// It is for tests only: the CLI never loads a spec at run time.
package contract

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"gopkg.in/yaml.v3"

	"github.com/billctl/billctl/internal/request"
)

// ValidateRequest validates one JSON request (method, path with any path
// parameters filled in, body) against the OpenAPI document at specPath. It
// returns nil when the request conforms, else an error that lists every
// violation with its reason and where in the schema it was found.
//
// Authentication is not checked: the body is what is under test. Formats are
// asserted, and `format: decimal` is held to request.Decimal's rule, which
// is what the servers parse. Properties that a schema does not declare are
// let through, as the specs allow them; CheckType is what keeps stray fields
// out of the wire types. (The validator's strict mode would report them, but
// it misreads the tagged variants of the Meteroid spec and free-form
// metadata, so it is left off.)
func ValidateRequest(specPath, method, path string, body []byte) error {
	v, err := load(specPath)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(method, "https://api.invalid"+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("contract: %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")

	v.mu.Lock()
	ok, errs := v.v.ValidateHttpRequestSync(req)
	v.mu.Unlock()
	if ok && len(errs) == 0 {
		return nil
	}
	return &Violations{Method: method, Path: path, List: errs}
}

// Violations is the error ValidateRequest returns for a request that does
// not conform.
type Violations struct {
	Method, Path string
	List         []*verrors.ValidationError
}

func (e *Violations) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s does not conform (%d violation(s)):", e.Method, e.Path, len(e.List))
	for _, v := range e.List {
		fmt.Fprintf(&b, "\n- %s", v.Message)
		if v.Reason != "" && v.Reason != v.Message {
			fmt.Fprintf(&b, ": %s", v.Reason)
		}
		if v.SpecLine > 0 {
			fmt.Fprintf(&b, " (spec line %d)", v.SpecLine)
		}
		for _, f := range v.SchemaValidationErrors {
			at := f.FieldPath
			if at == "" {
				at = "$"
			}
			fmt.Fprintf(&b, "\n    at %s: %s", at, f.Reason)
			if f.KeywordLocation != "" {
				fmt.Fprintf(&b, " [schema %s]", f.KeywordLocation)
			}
		}
	}
	return b.String()
}

type loaded struct {
	once sync.Once
	err  error
	// The validator's internal caches are not documented as safe for
	// concurrent use, and tests may run in parallel.
	mu sync.Mutex
	v  validator.Validator
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*loaded{}
)

// load parses a spec once per path: the Meteroid document is large and
// building its validator takes far longer than validating a request.
func load(specPath string) (*loaded, error) {
	cacheMu.Lock()
	l, ok := cache[specPath]
	if !ok {
		l = &loaded{}
		cache[specPath] = l
	}
	cacheMu.Unlock()

	l.once.Do(func() {
		spec, err := os.ReadFile(specPath)
		if err != nil {
			l.err = fmt.Errorf("contract: %w", err)
			return
		}
		doc, err := libopenapi.NewDocument(spec)
		if err != nil {
			l.err = fmt.Errorf("contract: %s: %w", specPath, err)
			return
		}
		v, errs := validator.NewValidator(doc,
			config.WithoutSecurityValidation(),
			config.WithFormatAssertions(),
			config.WithCustomFormat("decimal", checkDecimal),
		)
		if len(errs) > 0 {
			l.err = fmt.Errorf("contract: %s: %w", specPath, joinErrors(errs))
			return
		}
		l.v = v
	})
	return l, l.err
}

// checkDecimal holds `format: decimal` strings to the plain-decimal rule.
// Non-strings are left to the `type` keyword.
func checkDecimal(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if !request.Decimal(s).Valid() {
		return fmt.Errorf("%q is not a plain decimal number", s)
	}
	return nil
}

func joinErrors(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

// CheckType compares a wire type with the schema it mirrors, and every type
// it reaches with theirs: each property has a field of the right kind
// (int32/int64 per format, request.Decimal for `format: decimal`,
// request.Date for `format: date`, request.JSON for free-form objects, a
// pointer or slice with omitempty when optional, `bill:"required"` when
// required, `bill:"min=N"` for a minimum), each enum's Values() is the
// schema's list in order (`x-unconfirmed-enum` counts as a list), and each
// discriminated union has one variant per
// tag, in the schema's order. It returns one line per mismatch.
//
// v is a value of the Go type (its zero value will do); schema is its name
// under components.schemas.
func CheckType(specPath, schema string, v any) ([]string, error) {
	spec, err := loadTree(specPath)
	if err != nil {
		return nil, err
	}
	c := &typeChecker{spec: spec, done: map[reflect.Type]bool{}}
	s, ok := c.schemas()[schema].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("contract: %s: no schema %s", specPath, schema)
	}
	c.named(schema, s, reflect.TypeOf(v))
	return c.problems, nil
}

var (
	treeMu sync.Mutex
	trees  = map[string]map[string]any{}
)

func loadTree(specPath string) (map[string]any, error) {
	treeMu.Lock()
	defer treeMu.Unlock()
	if t, ok := trees[specPath]; ok {
		return t, nil
	}
	src, err := os.ReadFile(specPath)
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	var t map[string]any
	if err := yaml.Unmarshal(src, &t); err != nil { // JSON is YAML too
		return nil, fmt.Errorf("contract: %s: %w", specPath, err)
	}
	trees[specPath] = t
	return t, nil
}

type typeChecker struct {
	spec     map[string]any
	done     map[reflect.Type]bool
	problems []string
}

func (c *typeChecker) schemas() map[string]any {
	comps, _ := c.spec["components"].(map[string]any)
	s, _ := comps["schemas"].(map[string]any)
	return s
}

func (c *typeChecker) addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *typeChecker) resolve(ref string) (string, map[string]any) {
	name := ref[strings.LastIndex(ref, "/")+1:]
	s, _ := c.schemas()[name].(map[string]any)
	return name, s
}

var (
	decimalType = reflect.TypeOf(request.Decimal(""))
	dateType    = reflect.TypeOf(request.Date(""))
	jsonType    = reflect.TypeOf(request.JSON{})
	enumType    = reflect.TypeOf((*request.Enum)(nil)).Elem()
	unionType   = reflect.TypeOf((*request.Union)(nil)).Elem()
)

// named checks a Go type against a schema of components.schemas.
func (c *typeChecker) named(name string, s map[string]any, t reflect.Type) {
	if c.done[t] {
		return
	}
	c.done[t] = true
	if _, ok := s["properties"]; ok || s["type"] == "object" {
		c.object(name, s, t)
		return
	}
	if _, ok := s["discriminator"]; ok {
		c.union(name, s, t)
		return
	}
	c.scalar(name, s, t)
}

func (c *typeChecker) object(where string, s map[string]any, t reflect.Type) {
	if t.Kind() != reflect.Struct {
		c.addf("%s: %s is not a struct", where, t)
		return
	}
	props, _ := s["properties"].(map[string]any)
	required := map[string]bool{}
	if list, ok := s["required"].([]any); ok {
		for _, r := range list {
			required[fmt.Sprint(r)] = true
		}
	}
	fields := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			c.addf("%s: field %s has no json name", where, f.Name)
			continue
		}
		fields[name] = f
		if _, ok := props[name]; !ok {
			c.addf("%s: field %s (%q) is not in the schema", where, f.Name, name)
		}
	}
	for _, prop := range slices.Sorted(maps.Keys(props)) {
		ps := props[prop]
		f, ok := fields[prop]
		if !ok {
			c.addf("%s.%s: no field", where, prop)
			continue
		}
		c.field(where+"."+prop, ps.(map[string]any), f, required[prop])
	}
}

func (c *typeChecker) field(where string, s map[string]any, f reflect.StructField, required bool) {
	_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	omitempty := strings.Contains(","+opts+",", ",omitempty,")
	bill := map[string]string{}
	for _, part := range strings.Split(f.Tag.Get("bill"), ",") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		bill[k] = v
	}
	_, billRequired := bill["required"]
	if required != billRequired {
		c.addf("%s: required is %v in the schema, bill tag says %v", where, required, billRequired)
	}
	if required && omitempty {
		c.addf("%s: required but omitempty", where)
	}
	if !required && !omitempty {
		c.addf("%s: optional but not omitempty", where)
	}
	// A bound the schema leaves out may still be in the tag when it says
	// "server": the server's own code checks (or needs) it elsewhere.
	_, server := bill["server"]
	for _, b := range [][2]string{{"minimum", "min"}, {"maximum", "max"}} {
		v, has := s[b[0]]
		if has && fmt.Sprint(v) != bill[b[1]] || !has && bill[b[1]] != "" && !server {
			c.addf("%s: schema %s %v, bill tag %s=%q", where, b[0], v, b[1], bill[b[1]])
		}
	}
	t := f.Type
	switch t.Kind() {
	case reflect.Pointer:
		if required {
			c.addf("%s: required but a pointer", where)
		}
		t = t.Elem()
	case reflect.Slice:
	default:
		if !required {
			c.addf("%s: optional but neither a pointer nor a slice", where)
		}
	}
	c.value(where, s, t)
}

// value checks a Go type against a property's (possibly inline) schema.
func (c *typeChecker) value(where string, s map[string]any, t reflect.Type) {
	if ref, ok := s["$ref"].(string); ok {
		name, rs := c.resolve(ref)
		if rs == nil {
			c.addf("%s: unresolved %s", where, ref)
			return
		}
		if (t.Kind() == reflect.Struct || t.Implements(enumType)) && t.Name() != name {
			c.addf("%s: type %s mirrors schema %s", where, t.Name(), name)
		}
		c.named(name, rs, t)
		return
	}
	if list, ok := s["oneOf"].([]any); ok && s["discriminator"] == nil {
		var rest []map[string]any
		for _, e := range list {
			if m := e.(map[string]any); m["type"] != "null" {
				rest = append(rest, m)
			}
		}
		if len(rest) != 1 {
			c.addf("%s: a oneOf that is neither a union nor a nullable reference", where)
			return
		}
		c.value(where, rest[0], t)
		return
	}
	if len(s) == 0 || (s["type"] == "object" && s["properties"] == nil) {
		if t != jsonType {
			c.addf("%s: free-form value is %s, want request.JSON", where, t)
		}
		return
	}
	c.scalar(where, s, t)
}

func schemaTypes(s map[string]any) []string {
	switch v := s["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if x != "null" {
				out = append(out, fmt.Sprint(x))
			}
		}
		return out
	}
	return nil
}

func (c *typeChecker) scalar(where string, s map[string]any, t reflect.Type) {
	enum, ok := s["enum"].([]any)
	if !ok {
		// Maple's contract lists values it could not confirm here, and
		// leaves the property a plain string.
		enum, ok = s["x-unconfirmed-enum"].([]any)
	}
	if ok {
		var want []string
		for _, e := range enum {
			if e != nil {
				want = append(want, fmt.Sprint(e))
			}
		}
		if t.Kind() != reflect.String || !t.Implements(enumType) {
			c.addf("%s: enum is %s, want a string type with Values()", where, t)
			return
		}
		got := reflect.Zero(t).Interface().(request.Enum).Values()
		if !slices.Equal(got, want) {
			c.addf("%s: %s.Values() = %v, schema has %v", where, t.Name(), got, want)
		}
		return
	}
	types := schemaTypes(s)
	if len(types) != 1 {
		c.addf("%s: schema type %v", where, s["type"])
		return
	}
	format, _ := s["format"].(string)
	var want []reflect.Kind
	switch types[0] {
	case "string":
		switch format {
		case "decimal":
			if t != decimalType {
				c.addf("%s: decimal is %s, want request.Decimal", where, t)
			}
			return
		case "date":
			if t != dateType {
				c.addf("%s: date is %s, want request.Date", where, t)
			}
			return
		}
		want = []reflect.Kind{reflect.String}
	case "integer":
		switch format {
		case "int32":
			want = []reflect.Kind{reflect.Int32}
		default:
			want = []reflect.Kind{reflect.Int64}
		}
	case "number":
		want = []reflect.Kind{reflect.Float64}
	case "boolean":
		want = []reflect.Kind{reflect.Bool}
	case "array":
		if t.Kind() != reflect.Slice {
			c.addf("%s: array is %s", where, t)
			return
		}
		items, _ := s["items"].(map[string]any)
		c.value(where+"[]", items, t.Elem())
		return
	case "object":
		c.object(where, s, t)
		return
	}
	if !slices.Contains(want, t.Kind()) {
		c.addf("%s: %s (%s) is %s", where, types[0], format, t)
	}
	if t.Kind() == reflect.String && t.Name() != "string" && t != decimalType && t != dateType && !t.Implements(enumType) {
		c.addf("%s: %s is a named string without Values()", where, t)
	}
}

func (c *typeChecker) union(name string, s map[string]any, t reflect.Type) {
	if t.Kind() != reflect.Struct || !t.Implements(unionType) {
		c.addf("%s: %s is not a union type", name, t)
		return
	}
	d := s["discriminator"].(map[string]any)
	prop := fmt.Sprint(d["propertyName"])
	if got := reflect.Zero(t).Interface().(request.Union).Discriminator(); got != prop {
		c.addf("%s: Discriminator() = %q, schema has %q", name, got, prop)
	}
	tagOf := map[string]string{}
	mapping, _ := d["mapping"].(map[string]any)
	for tag, ref := range mapping {
		tagOf[fmt.Sprint(ref)] = tag
	}
	// The variants' order is oneOf's; a strict copy wraps each $ref in allOf.
	var tags []string
	for _, e := range s["oneOf"].([]any) {
		m := e.(map[string]any)
		if all, ok := m["allOf"].([]any); ok {
			m = all[0].(map[string]any)
		}
		tags = append(tags, tagOf[fmt.Sprint(m["$ref"])])
	}
	if got := request.UnionTags(t); !slices.Equal(got, tags) {
		c.addf("%s: union tags %v, schema has %v", name, got, tags)
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
			c.addf("%s: variant %s is not a pointer to a struct", name, f.Name)
			continue
		}
		ref, ok := mapping[f.Tag.Get("union")].(string)
		if !ok {
			c.addf("%s: variant %s has tag %q, which the schema does not map", name, f.Name, f.Tag.Get("union"))
			continue
		}
		vname, vs := c.resolve(ref)
		if f.Type.Elem().Name() != vname {
			c.addf("%s: variant type %s mirrors schema %s", name, f.Type.Elem().Name(), vname)
		}
		c.named(vname, vs, f.Type.Elem())
	}
}
