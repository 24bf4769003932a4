package request

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// tidier prepares a parsed document for decoding: a key given twice in a
// mapping is an error (JSON would carry both), and YAML merge keys
// (<<: *base) are applied as YAML 1.1 tools apply them, rather than sent
// as a literal "<<" key.
type tidier struct {
	doc *Doc
	// state of each mapping: 1 while its merges are applied, 2 once done.
	// A mapping is reached once from the tree and again through every
	// alias that merges it; it is worked on once. Only mappings that
	// merge are noted (a nil map reads as zero).
	state map[*yaml.Node]int
}

// walk tidies n and everything under it. Aliases are not followed: what
// they point to is in the tree, and is tidied there.
func (t *tidier) walk(n *yaml.Node, path string) error {
	switch n.Kind {
	case yaml.MappingNode:
		if err := t.mapping(n, path); err != nil {
			return err
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := t.walk(n.Content[i+1], join(path, keyName(n.Content[i].Value))); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := t.walk(c, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *tidier) fail(n *yaml.Node, path, format string, args ...any) error {
	return &Errors{List: []*FieldError{{Place: t.doc.place(n), Doc: t.doc.Index, Path: path, Msg: fmt.Sprintf(format, args...)}}}
}

func isMerge(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.Tag == "!!merge" }

// mapping checks n's keys and applies its merge keys. A key written in
// the mapping wins over a merged one; of several merged mappings
// (<<: [*a, *b]) the first that has a key gives it.
func (t *tidier) mapping(n *yaml.Node, path string) error {
	switch t.state[n] {
	case 1:
		return t.fail(n, path, "a merge key (<<) brings in the mapping that holds it")
	case 2:
		return nil
	}
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMerge(k) {
			merges = true
		}
		if k.Kind != yaml.ScalarNode {
			continue
		}
		// Most mappings are small: comparing pairs is cheaper than a map.
		if len(n.Content) <= 32 {
			for j := 0; j < i; j += 2 {
				if prev := n.Content[j]; prev.Kind == yaml.ScalarNode && prev.Value == k.Value {
					return t.fail(k, join(path, keyName(k.Value)), "key given twice, at lines %d and %d", prev.Line, k.Line)
				}
			}
		}
	}
	seen := map[string]*yaml.Node{}
	if len(n.Content) > 32 || merges {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if prev, ok := seen[k.Value]; ok {
				return t.fail(k, join(path, keyName(k.Value)), "key given twice, at lines %d and %d", prev.Line, k.Line)
			}
			seen[k.Value] = k
		}
	}
	if !merges {
		return nil
	}
	if t.state == nil {
		t.state = map[*yaml.Node]int{}
	}
	t.state[n] = 1
	defer func() { t.state[n] = 2 }()
	out := make([]*yaml.Node, 0, len(n.Content))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMerge(k) {
			out = append(out, k, v)
			continue
		}
		var sources []*yaml.Node
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		} else {
			sources = []*yaml.Node{v}
		}
		for _, src := range sources {
			m := src
			if m.Kind == yaml.AliasNode {
				m = m.Alias
			}
			if m == nil || m.Kind != yaml.MappingNode {
				return t.fail(src, join(path, "<<"), "a merge key (<<) takes a mapping or a list of mappings, got %s", kindName(m))
			}
			if err := t.mapping(m, path); err != nil {
				return err
			}
			for j := 0; j+1 < len(m.Content); j += 2 {
				mk := m.Content[j]
				if _, ok := seen[mk.Value]; ok && mk.Kind == yaml.ScalarNode {
					continue
				}
				seen[mk.Value] = mk
				out = append(out, mk, m.Content[j+1])
			}
		}
	}
	n.Content = out
	return nil
}
