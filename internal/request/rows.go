package request

import (
	"fmt"
	"reflect"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Copy returns a deep copy of d, remembering where each node came from,
// so that one base document can be the start of many requests (the rows
// of a sheet) without one row's fields leaking into the next.
func (d *Doc) Copy() *Doc {
	c := &Doc{Source: d.Source, Index: d.Index}
	// Shared nodes (YAML aliases point at their anchor) stay shared: a
	// copy is never larger than the original, whatever the aliases.
	seen := map[*yaml.Node]*yaml.Node{}
	c.Root = copyNode(d.Root, seen)
	// Room for the nodes a row adds (a key and a value per cell, and the
	// objects and lists on their paths), so the maps do not grow cell by cell.
	c.where = make(map[*yaml.Node]string, len(d.where)+32)
	c.text = make(map[*yaml.Node]bool, len(d.text)+32)
	if d.where != nil {
		for n, place := range d.where {
			if cn := seen[n]; cn != nil {
				c.where[cn] = place
			}
		}
		for n, t := range d.text {
			if cn := seen[n]; cn != nil {
				c.text[cn] = t
			}
		}
	}
	return c
}

func copyNode(n *yaml.Node, seen map[*yaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := new(yaml.Node)
	*c = *n
	seen[n] = c
	if n.Alias != nil {
		c.Alias = copyNode(n.Alias, seen)
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = copyNode(k, seen)
		}
	}
	return c
}

// CheckPath reports whether path (as --set takes it: "customer_id",
// "metadata.crm_id", "add_ons[0].add_on_id") names a field of the wire
// type, without a document: a sheet's header is checked once, before any
// row is read. The error says what is wrong with the path, with the
// nearest known field name when one is misspelt.
func CheckPath(wire reflect.Type, path string) error {
	if !utf8.ValidString(path) {
		return fmt.Errorf("not valid UTF-8 text")
	}
	segs, err := parsePath(path)
	if err != nil {
		return err
	}
	t := wire
	walked := ""
	for _, seg := range segs {
		t = deref(t)
		if t == jsonType { // free-form (metadata): any name or index goes
			return nil
		}
		if seg.index != -1 {
			if t.Kind() != reflect.Slice {
				return fmt.Errorf("%s is not a list: no index can follow it", walked)
			}
			if seg.index == -2 {
				return fmt.Errorf("%q: a column needs a list index ([0], [1], …), not []", path)
			}
			walked = fmt.Sprintf("%s[%d]", walked, seg.index)
			t = t.Elem()
			continue
		}
		if t.Kind() != reflect.Struct {
			if walked == "" {
				return fmt.Errorf("no field %q", seg.name)
			}
			return fmt.Errorf("%s is %s, not an object: it has no field %q", walked, typeName(t), seg.name)
		}
		// No document yet: in a union every variant's fields are taken,
		// and the row's own tag decides when the row is decoded.
		ft, known, err := fieldType(t, nil, seg.name)
		if err != nil {
			return fmt.Errorf("%s: %v%s", join(walked, seg.name), err, suggest(seg.name, known))
		}
		walked = join(walked, seg.name)
		t = ft
	}
	return nil
}

// FreeForm reports whether the top-level field name of the wire type holds
// any JSON (metadata), where names under it are keys, not fields.
func FreeForm(wire reflect.Type, name string) bool {
	t := deref(wire)
	if t.Kind() != reflect.Struct {
		return false
	}
	ft, _, err := fieldType(t, nil, name)
	return err == nil && deref(ft) == jsonType
}
