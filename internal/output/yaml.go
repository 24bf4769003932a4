package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/provider"
)

// yamlFormat is -o yaml: every field as the API sent it, in its order.
type yamlFormat struct{}

func (yamlFormat) Name() string { return format.YAML }
func (yamlFormat) Help() string { return "every field, as YAML" }

func (yamlFormat) one(p *Printer, s *provider.Session) error { return writeYAML(p.IO.Out, s.Raw) }

func (yamlFormat) many(p *Printer, items []Item) error {
	return writeYAML(p.IO.Out, itemsArray(items))
}

// add writes the item as a one-element sequence: that renders as the
// element's "- " entry, so the entries, written one after another, make
// the whole sequence.
func (yamlFormat) add(st *Stream, it Item) error {
	raw := append(append([]byte{'['}, itemJSON(it)...), ']')
	return writeYAML(st.w, raw)
}

func (yamlFormat) close(st *Stream) error {
	if st.n == 0 {
		_, err := st.w.WriteString("[]\n")
		return err
	}
	return nil
}

func (yamlFormat) records(p *Printer, r Records) error { return encodeYAML(p.IO.Out, r.Data) }
func (yamlFormat) record(p *Printer, r Record) error   { return encodeYAML(p.IO.Out, r.Data) }

// encodeYAML writes a record's data by its yaml tags.
func encodeYAML(w io.Writer, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// writeYAML converts JSON to YAML keeping key order and number text. The
// JSON is read as JSON, not as YAML: a YAML parser refuses the C1 control
// characters that JSON may carry unescaped, and the YAML encoder escapes
// every control character in its own syntax ("\e", "\x9B"), exactly.
func writeYAML(w io.Writer, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := yamlNode(dec)
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}

// yamlNode reads the next JSON value of dec as a YAML node, in block style.
func yamlNode(dec *json.Decoder) (*yaml.Node, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := t.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if v == '[' {
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(k)})
			}
			c, err := yamlNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(v.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}, nil
	default: // null
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
}
