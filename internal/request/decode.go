package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

var (
	decimalType = reflect.TypeOf(Decimal(""))
	dateType    = reflect.TypeOf(Date(""))
	jsonType    = reflect.TypeOf(JSON{})
	enumIface   = reflect.TypeOf((*Enum)(nil)).Elem()
	unionIface  = reflect.TypeOf((*Union)(nil)).Elem()
)

// Decode checks d against the wire type of out (a pointer to a struct) and
// fills it. It reports every mistake, not just the first.
func Decode(d *Doc, out any) error {
	errs := &Errors{}
	dec := &decoder{doc: d, errs: errs, budget: maxNodes}
	if err := notARequest(d, reflect.TypeOf(out).Elem()); err != nil {
		return err
	}
	dec.value(d.Root, reflect.ValueOf(out).Elem(), "")
	if dec.budget < 0 {
		return &Errors{List: []*FieldError{{Place: d.place(d.Root), Doc: d.Index, Msg: errTooBig.Error()}}}
	}
	if dec.more > 0 {
		errs.add(&FieldError{Place: d.place(d.Root), Doc: d.Index, Msg: fmt.Sprintf("and %d more problems in this document (is it the right file?)", dec.more)})
	}
	if err := errs.Err(); err != nil {
		return err
	}
	// size bounds the body from above: every byte of text may need an
	// escape of six. Only a body that may be too large is written out to
	// be measured.
	if dec.size > MaxBody {
		if b, err := Marshal(out); err == nil && len(b) > MaxBody {
			return &Errors{List: []*FieldError{{Place: d.place(d.Root), Doc: d.Index,
				Msg: fmt.Sprintf("the request body would be %d bytes: the API accepts at most %d (%d MiB)", len(b), MaxBody, MaxBody>>20)}}}
		}
	}
	return nil
}

// notARequest refuses in one error a document none of whose keys is a
// field of the request: a file given by mistake (-f /etc/shadow), whose
// lines would otherwise come back one "unknown field" at a time.
func notARequest(d *Doc, t reflect.Type) error {
	n := d.Root
	if n.Kind != yaml.MappingNode || len(n.Content) < 6 || t.Kind() != reflect.Struct || t.Implements(unionIface) {
		return nil
	}
	fields := structFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if _, ok := fields.byName[n.Content[i].Value]; ok {
			return nil
		}
	}
	return &Errors{List: []*FieldError{{Place: d.place(n), Doc: d.Index,
		Msg: fmt.Sprintf("this is not a request document: none of its %d keys is a field of the request (is it the right file?)", len(n.Content)/2)}}}
}

// maxErrors is the most mistakes listed for one document: beyond it the
// file is likely not a request at all, and is not printed back.
const maxErrors = 20

// maxNodes bounds the values one document may expand to. YAML aliases can
// make a few lines stand for billions of values (an "alias bomb"); a real
// request has a few hundred.
const maxNodes = 100_000

var errTooBig = errors.New("the document expands to more than 100000 values (through YAML aliases?): refusing it")

type decoder struct {
	doc    *Doc
	errs   *Errors
	budget int
	more   int // mistakes beyond maxErrors
	size   int // at least the length of the body
}

func (dc *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	dc.failNote(n, path, "", format, args...)
}

func (dc *decoder) failNote(n *yaml.Node, path, note, format string, args ...any) {
	if len(dc.errs.List) >= maxErrors {
		dc.more++
		return
	}
	dc.errs.add(&FieldError{Place: dc.doc.place(n), Doc: dc.doc.Index, Path: path, Msg: fmt.Sprintf(format, args...), Note: note})
}

func (dc *decoder) fromCLI(n *yaml.Node) bool { return dc.doc.text[n] }

func (dc *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if dc.budget--; dc.budget < 0 {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	t := v.Type()
	if isNull(n) {
		// null is how YAML and JSON say "not set": fine for an optional
		// field (pointer, slice), an error where the API needs a value.
		if t.Kind() != reflect.Pointer && t.Kind() != reflect.Slice && t != jsonType {
			dc.fail(n, path, "must not be null")
		}
		return
	}
	if t.Kind() == reflect.Pointer {
		nv := reflect.New(t.Elem())
		dc.value(n, nv.Elem(), path)
		v.Set(nv)
		return
	}
	switch {
	case t == jsonType:
		raw, err := nodeJSON(n, &dc.budget)
		if err != nil {
			dc.fail(n, path, "%v", err)
			return
		}
		dc.size += len(raw)
		v.Set(reflect.ValueOf(JSON{Raw: raw}))
	case t.Implements(unionIface):
		dc.union(n, v, path)
	case t.Kind() == reflect.Struct:
		dc.object(n, v, path)
	case t.Kind() == reflect.Slice:
		dc.list(n, v, path)
	default:
		dc.scalar(n, v, path, "")
	}
}

func (dc *decoder) object(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		dc.fail(n, path, "expected an object (a mapping of fields), got %s", kindName(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		fp := join(path, keyName(k.Value))
		f, ok := fields.byName[k.Value]
		if !ok {
			if hint := nearest(k.Value, fields.names); hint != "" {
				dc.fail(k, fp, "unknown field (did you mean %s?)", hint)
			} else {
				dc.failNote(k, fp, knownNote(path, fields.names), "unknown field")
			}
			continue
		}
		dc.size += 6*len(k.Value) + 8
		if seen[k.Value] {
			dc.fail(k, fp, "field given twice")
			continue
		}
		seen[k.Value] = true
		dc.fieldValue(val, v.Field(f.index), fp, f)
	}
	for _, f := range fields.list {
		if f.required && !seen[f.name] {
			dc.fail(n, join(path, f.name), "required field missing")
		}
	}
}

func (dc *decoder) fieldValue(n *yaml.Node, v reflect.Value, path string, f field) {
	if f.required && isNull(n) {
		dc.fail(n, path, "required field must not be null")
		return
	}
	dc.value(n, v, path)
	if f.id {
		dc.ids(n, path, f.idForm)
	}
	if f.url {
		dc.url(n, path)
	}
	if (f.min == nil && f.max == nil) || isNull(n) {
		return
	}
	iv := reflect.Indirect(v)
	if !iv.IsValid() || !iv.CanInt() {
		return
	}
	switch i := iv.Int(); {
	case f.min != nil && i < *f.min && *f.min == 0:
		dc.fail(n, path, "must not be negative, got %d", i)
	case f.min != nil && i < *f.min:
		dc.fail(n, path, "must be at least %d, got %d", *f.min, i)
	case f.max != nil && i > *f.max:
		dc.fail(n, path, "must be at most %d, got %d", *f.max, i)
	}
}

// ids checks the ID, or list of IDs, that a field tagged `bill:"id"` holds:
// the server looks them up by path, so one that is not an ID is refused
// here rather than sent.
func (dc *decoder) ids(n *yaml.Node, path, form string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if isNull(n) {
			return
		}
		p := IDProblem(n.Value)
		if p == "" && form != "" {
			p = idForm(form)(n.Value)
		}
		switch {
		case p == "":
		case n.Value == "":
			dc.fail(n, path, "must not be empty: an ID is expected")
		default:
			dc.fail(n, path, "%s %s", quote(n), p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if c.Kind == yaml.AliasNode {
				c = c.Alias
			}
			if c.Kind == yaml.ScalarNode {
				dc.ids(c, fmt.Sprintf("%s[%d]", path, i), form)
			}
		}
	}
}

func (dc *decoder) union(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		dc.fail(n, path, "expected an object (a mapping of fields), got %s", kindName(n))
		return
	}
	u := v.Interface().(Union)
	key := u.Discriminator()
	tags := UnionTags(v.Type())
	var tagNode *yaml.Node
	rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			tagNode = n.Content[i+1]
			continue
		}
		rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
	}
	if place, ok := dc.doc.where[n]; ok {
		dc.doc.where[rest] = place
	}
	if tagNode == nil {
		dc.fail(n, join(path, key), "required field missing: one of %s", strings.Join(tags, ", "))
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("union") == tagNode.Value {
			fv := v.Field(i)
			nv := reflect.New(fv.Type().Elem())
			dc.object(rest, nv.Elem(), path)
			fv.Set(nv)
			return
		}
	}
	dc.fail(tagNode, join(path, key), "%s is not one of %s", quote(tagNode), strings.Join(tags, ", "))
}

func (dc *decoder) list(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		dc.fail(n, path, "expected a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		dc.value(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

// scalar reads a number, boolean or string. Text from the command line is
// read as the field's type; a file's values must already have that type,
// except that a decimal may be written as a bare number (12.50).
func (dc *decoder) scalar(n *yaml.Node, v reflect.Value, path, _ string) {
	t := v.Type()
	if n.Kind != yaml.ScalarNode {
		dc.fail(n, path, "expected %s, got %s", typeName(t), kindName(n))
		return
	}
	cli := dc.fromCLI(n)
	tag := n.Tag
	dc.size += 6*len(n.Value) + 8
	switch t.Kind() {
	case reflect.String:
		switch {
		case t == decimalType:
			if !cli && tag != "!!str" && tag != "!!int" && tag != "!!float" {
				dc.fail(n, path, "expected a decimal number, got %s", kindName(n))
				return
			}
			if !Decimal(n.Value).Valid() {
				dc.fail(n, path, "%s is not a decimal number (write digits with an optional point, e.g. 12.50; no exponent)", quote(n))
				return
			}
		case t == dateType:
			if !cli && tag != "!!str" && tag != "!!timestamp" {
				dc.fail(n, path, "expected a date (YYYY-MM-DD), got %s", kindName(n))
				return
			}
			if !Date(n.Value).Valid() {
				dc.fail(n, path, "%s is not a valid date (YYYY-MM-DD, a day that exists)", quote(n))
				return
			}
		default:
			// An unquoted date (invoice_memo: 2026-01-01) is a timestamp
			// to YAML: it is taken as the text written.
			if !cli && tag != "!!str" && tag != "!!timestamp" {
				dc.fail(n, path, "expected a string, got %s (quote it to make it a string)", kindName(n))
				return
			}
			if t.Implements(enumIface) {
				vals := reflect.Zero(t).Interface().(Enum).Values()
				if !contains(vals, n.Value) {
					dc.fail(n, path, "%s is not one of %s", quote(n), strings.Join(vals, ", "))
					return
				}
			}
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !cli && tag != "!!int" {
			dc.fail(n, path, "expected an integer, got %s", kindName(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 10, t.Bits())
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				dc.fail(n, path, "%s is out of range (at most %d)", n.Value, int64(math.MaxInt64>>(64-t.Bits())))
			} else {
				dc.fail(n, path, "%s is not an integer", quote(n))
			}
			return
		}
		v.SetInt(i)
	case reflect.Float32, reflect.Float64:
		if !cli && tag != "!!int" && tag != "!!float" {
			dc.fail(n, path, "expected a number, got %s", kindName(n))
			return
		}
		f, err := strconv.ParseFloat(n.Value, t.Bits())
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			dc.fail(n, path, "%s is not a number", quote(n))
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		if cli {
			b, err := strconv.ParseBool(n.Value)
			if err != nil {
				dc.fail(n, path, "%s is not a boolean (true or false)", quote(n))
				return
			}
			v.SetBool(b)
			return
		}
		if tag != "!!bool" {
			dc.fail(n, path, "expected true or false, got %s", kindName(n))
			return
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			dc.fail(n, path, "%s is not a boolean", quote(n))
			return
		}
		v.SetBool(b)
	default:
		dc.fail(n, path, "unsupported field type %s", t)
	}
}

// nodeJSON converts a YAML tree to JSON text, keeping numbers as written.
func nodeJSON(n *yaml.Node, budget *int) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, n, budget); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node, budget *int) error {
	if *budget--; *budget < 0 {
		return errTooBig
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			buf.WriteString("null")
			return nil
		}
		return writeJSON(buf, n.Content[0], budget)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			buf.Write(k)
			buf.WriteByte(':')
			if err := writeJSON(buf, n.Content[i+1], budget); err != nil {
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
			if err := writeJSON(buf, c, budget); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return err
			}
			fmt.Fprint(buf, b)
		case "!!int", "!!float":
			// JSON numbers are decimal text; YAML's 0x1F, .inf or 1_000 are not.
			if json.Valid([]byte(n.Value)) {
				buf.WriteString(n.Value)
				return nil
			}
			s, _ := json.Marshal(n.Value)
			buf.Write(s)
		default:
			s, _ := json.Marshal(n.Value)
			buf.Write(s)
		}
	}
	return nil
}

// field describes one struct field of a wire type.
type field struct {
	name     string
	index    int
	required bool
	id       bool   // holds an ID, or a list of IDs
	idForm   string // the ID form (RegisterIDForm) it holds, "" for any
	url      bool   // holds an absolute http(s) URL
	min      *int64 // the least value an integer may take
	max      *int64 // the greatest
}

type fieldSet struct {
	list   []field
	byName map[string]field
	names  []string
}

// url checks a field tagged `bill:"url"`: an absolute http or https URL
// with a host, the form the API documents for the pages it sends the
// customer to. Anything else would only fail later, in the customer's
// browser.
func (dc *decoder) url(n *yaml.Node, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return
	}
	if p := URLProblem(n.Value); p != "" {
		dc.fail(n, path, "%s %s", quote(n), p)
	}
}

// fieldCache holds each wire type's fields: the same few dozen types are
// read for every document of a batch.
var fieldCache sync.Map // reflect.Type -> fieldSet

func structFields(t reflect.Type) fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(fieldSet)
	}
	fs := readFields(t)
	fieldCache.Store(t, fs)
	return fs
}

func readFields(t reflect.Type) fieldSet {
	fs := fieldSet{byName: map[string]field{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		f := field{name: name, index: i}
		for _, opt := range strings.Split(sf.Tag.Get("bill"), ",") {
			switch {
			case opt == "required":
				f.required = true
			case opt == "id":
				f.id = true
			case strings.HasPrefix(opt, "id="):
				f.id, f.idForm = true, opt[len("id="):]
				if idForm(f.idForm) == nil {
					panic(fmt.Sprintf("%s.%s: ID form %q is not registered", t.Name(), sf.Name, f.idForm))
				}
			case opt == "url":
				f.url = true
			case strings.HasPrefix(opt, "min="), strings.HasPrefix(opt, "max="):
				m, err := strconv.ParseInt(opt[len("min="):], 10, 64)
				if err != nil {
					panic(fmt.Sprintf("%s.%s: bad bill tag %q", t.Name(), sf.Name, opt))
				}
				if opt[:3] == "min" {
					f.min = &m
				} else {
					f.max = &m
				}
			case opt == "server", opt == "":
				// "server" marks bounds the server checks outside its spec.
			default:
				panic(fmt.Sprintf("%s.%s: unknown bill tag %q", t.Name(), sf.Name, opt))
			}
		}
		fs.list = append(fs.list, f)
		fs.byName[name] = f
		fs.names = append(fs.names, name)
	}
	return fs
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func quote(n *yaml.Node) string { return excerpt(n.Value) }

// keyName is a key as a path shows it: in full when it looks like a
// field name, else only its start, quoted.
func keyName(s string) string {
	if len(s) <= 64 && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '<' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return shortExcerpt(s, 12)
}

// excerpt quotes at most the start of s: a value is quoted to say which
// one is wrong, and a wrong file given by mistake (-f /etc/shadow) must
// not be printed back.
func excerpt(s string) string { return shortExcerpt(s, 40) }

func shortExcerpt(s string, most int) string {
	if utf8.RuneCountInString(s) <= most {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:most])) + "…"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func typeName(t reflect.Type) string {
	switch {
	case t == decimalType:
		return "a decimal number"
	case t == dateType:
		return "a date (YYYY-MM-DD)"
	}
	switch t.Kind() {
	case reflect.String:
		if t.Implements(enumIface) {
			return "one of " + strings.Join(reflect.Zero(t).Interface().(Enum).Values(), ", ")
		}
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.Kind().String()
}

// suggest offers the nearest known field name for a misspelt one, or
// lists them all.
func suggest(name string, known []string) string {
	if best := nearest(name, known); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	if len(known) == 0 {
		return " (this object takes no fields)"
	}
	return " (" + knownNote("", known) + ")"
}

// nearest is the known name within two edits of name, or "".
func nearest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// knownNote lists the fields of the object at path. List indexes are
// left out, so that the note is the same for every element of a list and
// is printed once.
func knownNote(path string, known []string) string {
	if len(known) == 0 {
		if path == "" {
			return "the request takes no fields"
		}
		return stripIndexes(path) + " takes no fields"
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	if path == "" {
		return "known fields: " + strings.Join(sorted, ", ")
	}
	return "known fields of " + stripIndexes(path) + ": " + strings.Join(sorted, ", ")
}

func stripIndexes(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
