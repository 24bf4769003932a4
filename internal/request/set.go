package request

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// segment is one step of a path: a field name or a list index.
type segment struct {
	name  string
	index int // -1 for a name step
}

// parsePath reads "a.b[0].c" (and "a.b[]" for a new element at the end).
func parsePath(path string) ([]segment, error) {
	var segs []segment
	rest := path
	for rest != "" {
		switch {
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", path)
			}
			idx := rest[1:end]
			i := -2 // "[]": append
			if idx != "" {
				n, err := strconv.Atoi(idx)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("%q is not a list index in %q", idx, path)
				}
				i = n
			}
			segs = append(segs, segment{index: i})
			rest = rest[end+1:]
			rest = strings.TrimPrefix(rest, ".")
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, fmt.Errorf("empty field name in %q", path)
			}
			segs = append(segs, segment{name: rest[:end], index: -1})
			rest = rest[end:]
			if strings.HasPrefix(rest, ".") {
				rest = rest[1:]
				if rest == "" {
					return nil, fmt.Errorf("path %q ends with a dot", path)
				}
			}
		}
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return segs, nil
}

// Set puts value at path in d. wire is the request's Go type: it says which
// paths exist and how the value reads (a scalar field takes the text as it
// is, an object or list field takes JSON). place names the flag for errors.
func (d *Doc) Set(wire reflect.Type, path, value, place string) error {
	if !utf8.ValidString(path) || !utf8.ValidString(value) {
		// JSON would send U+FFFD instead: an ID the user did not give.
		return d.setError(place, strings.ToValidUTF8(path, "?"), "not valid UTF-8 text")
	}
	segs, err := parsePath(path)
	if err != nil {
		return d.setError(place, path, err.Error())
	}
	t := wire
	node := d.Root
	walked := ""
	for i, seg := range segs {
		t = deref(t)
		last := i == len(segs)-1
		var child *yaml.Node
		var ct reflect.Type
		if seg.index == -1 { // a field
			if t == jsonType { // free-form: any name goes
				ct = jsonType
			} else {
				if t.Kind() != reflect.Struct {
					return d.setError(place, walked, fmt.Sprintf("is %s, not an object: it has no field %q", typeName(t), seg.name))
				}
				ft, known, err := fieldType(t, node, seg.name)
				if err != nil {
					return d.setError(place, join(walked, seg.name), err.Error()+suggest(seg.name, known))
				}
				ct = ft
			}
			walked = join(walked, seg.name)
			if node.Kind != yaml.MappingNode {
				return d.setError(place, walked, "the path goes through "+kindName(node)+", not an object")
			}
			if last {
				vn, err := valueNode(ct, value)
				if err != nil {
					return d.setError(place, walked, err.Error())
				}
				d.mark(vn, place, vn.Kind == yaml.ScalarNode && ct != jsonType)
				mapPut(node, seg.name, vn, d, place)
				return nil
			}
			child = mapGet(node, seg.name)
			if child == nil || isNull(child) {
				child = emptyFor(segs[i+1])
				d.mark(child, place, false)
				mapPut(node, seg.name, child, d, place)
			}
		} else { // a list index
			if t.Kind() != reflect.Slice && t != jsonType {
				return d.setError(place, walked, "is not a list: no index can follow it")
			}
			ct = jsonType
			if t.Kind() == reflect.Slice {
				ct = t.Elem()
			}
			if node.Kind != yaml.SequenceNode {
				return d.setError(place, walked, "the path goes through "+kindName(node)+", not a list")
			}
			idx := seg.index
			if idx == -2 {
				idx = len(node.Content)
			}
			walked = fmt.Sprintf("%s[%d]", walked, idx)
			if idx > len(node.Content) {
				return d.setError(place, walked, fmt.Sprintf("index out of range: the list has %d element(s), so the next one is [%d]", len(node.Content), len(node.Content)))
			}
			if last {
				vn, err := valueNode(ct, value)
				if err != nil {
					return d.setError(place, walked, err.Error())
				}
				d.mark(vn, place, vn.Kind == yaml.ScalarNode && ct != jsonType)
				if idx == len(node.Content) {
					node.Content = append(node.Content, vn)
				} else {
					node.Content[idx] = vn
				}
				return nil
			}
			if idx == len(node.Content) {
				child = emptyFor(segs[i+1])
				d.mark(child, place, false)
				node.Content = append(node.Content, child)
			} else {
				child = node.Content[idx]
			}
		}
		node, t = child, ct
	}
	return nil
}

// Get returns the text of the scalar at a dotted path ("" if absent).
func (d *Doc) Get(path string) string {
	n := d.Root
	for _, name := range strings.Split(path, ".") {
		if n = mapGet(n, name); n == nil {
			return ""
		}
	}
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// DeletePath removes the field at a dotted path, if present.
func (d *Doc) DeletePath(path string) {
	parent := d.Root
	names := strings.Split(path, ".")
	for _, name := range names[:len(names)-1] {
		if parent = mapGet(parent, name); parent == nil {
			return
		}
	}
	if parent.Kind != yaml.MappingNode {
		return
	}
	last := names[len(names)-1]
	c := parent.Content
	for i := 0; i+1 < len(c); i += 2 {
		if c[i].Value == last {
			parent.Content = append(c[:i:i], c[i+2:]...)
			return
		}
	}
}

// SetKey puts a string under key in the free-form object field (metadata),
// whatever the key looks like: dots in it do not make a path.
func (d *Doc) SetKey(field, key, value, place string) error {
	if !utf8.ValidString(key) || !utf8.ValidString(value) {
		return d.setError(place, field, "not valid UTF-8 text")
	}
	obj := mapGet(d.Root, field)
	if obj == nil || isNull(obj) {
		obj = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		d.mark(obj, place, false)
		mapPut(d.Root, field, obj, d, place)
	}
	if obj.Kind != yaml.MappingNode {
		return d.setError(place, field, "is "+kindName(obj)+" in the file, so a key cannot be added to it")
	}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	d.mark(v, place, false)
	mapPut(obj, key, v, d, place)
	return nil
}

// Has reports whether the document gives a top-level field.
func (d *Doc) Has(name string) bool { return mapGet(d.Root, name) != nil }

// Default gives a top-level field a value (JSON) when the input left it
// out; errors about it name place.
func (d *Doc) Default(name, value, place string) {
	if d.Has(name) {
		return
	}
	var n yaml.Node
	_ = yaml.Unmarshal([]byte(value), &n)
	v := n.Content[0]
	d.mark(v, place, false)
	mapPut(d.Root, name, v, d, place)
}

func (d *Doc) setError(place, path, msg string) error {
	return &Errors{List: []*FieldError{{Place: place, Doc: d.Index, Path: path, Msg: msg}}}
}

// fieldType finds the type of field name in struct or union t. In a union,
// the variant already chosen in the document (its tag) decides; before a
// tag is given, any variant's field is accepted and Decode checks later.
func fieldType(t reflect.Type, node *yaml.Node, name string) (reflect.Type, []string, error) {
	if t.Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("is not an object: it has no field %q", name)
	}
	if t.Implements(unionIface) {
		u := reflect.Zero(t).Interface().(Union)
		if name == u.Discriminator() {
			return reflect.TypeOf(""), nil, nil
		}
		var chosen string
		if tn := mapGet(node, u.Discriminator()); tn != nil {
			chosen = tn.Value
		}
		var known []string
		for i := 0; i < t.NumField(); i++ {
			tag := t.Field(i).Tag.Get("union")
			if chosen != "" && tag != chosen {
				continue
			}
			vt := t.Field(i).Type.Elem()
			fs := structFields(vt)
			if f, ok := fs.byName[name]; ok {
				return vt.Field(f.index).Type, nil, nil
			}
			known = append(known, fs.names...)
		}
		known = append(known, u.Discriminator())
		return nil, known, fmt.Errorf("no such field")
	}
	fs := structFields(t)
	f, ok := fs.byName[name]
	if !ok {
		return nil, fs.names, fmt.Errorf("no such field")
	}
	return t.Field(f.index).Type, nil, nil
}

// valueNode turns command-line text into a node for a field of type t.
func valueNode(t reflect.Type, value string) (*yaml.Node, error) {
	t = deref(t)
	scalar := t.Kind() != reflect.Struct && t.Kind() != reflect.Slice && t != jsonType
	if scalar {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}, nil
	}
	var n yaml.Node
	err := yaml.Unmarshal([]byte(value), &n)
	if t == jsonType {
		if err != nil || len(n.Content) == 0 { // free-form: plain text is a string
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}, nil
		}
		return n.Content[0], nil
	}
	want, what := yaml.MappingNode, "a JSON object"
	if t.Kind() == reflect.Slice {
		want, what = yaml.SequenceNode, "a JSON list"
	}
	if err != nil || len(n.Content) == 0 || (n.Content[0].Kind != want && !isNull(n.Content[0])) {
		return nil, fmt.Errorf("expected %s, got %q", what, value)
	}
	return n.Content[0], nil
}

func emptyFor(next segment) *yaml.Node {
	if next.index != -1 {
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func mapPut(n *yaml.Node, key string, v *yaml.Node, d *Doc, place string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	d.mark(k, place, false)
	n.Content = append(n.Content, k, v)
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
