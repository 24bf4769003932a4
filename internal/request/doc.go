// Package request builds a request body from what the user gave (documents
// of a file, dedicated flags, --set), checks every field against the wire
// types before anything is sent, and says where each mistake is.
package request

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Doc is one request document: a YAML tree that remembers where each node
// came from, so errors can name a file line or a flag.
type Doc struct {
	Root *yaml.Node // a mapping node
	// Source is the file name ("" when there is no file, "<stdin>" for -).
	Source string
	// Index counts documents of a file from 1; 0 for a lone document.
	Index int

	// where names the flag that gave a node, for nodes from the command line.
	where map[*yaml.Node]string
	// text marks command-line scalars. Their text is untyped: it is read as
	// the field's type, so --trial-days 14 is an integer and --customer 123
	// a string.
	text map[*yaml.Node]bool
}

// NewDoc is an empty document, for requests built from flags alone.
func NewDoc() *Doc {
	return &Doc{Root: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}}
}

// place says where n came from: "file.yaml:12", "--set x", "--customer".
func (d *Doc) place(n *yaml.Node) string {
	if p, ok := d.where[n]; ok {
		return p
	}
	if n == nil || n.Line == 0 {
		if d.Source == "" {
			return ""
		}
		return d.Source
	}
	if d.Source == "" {
		return fmt.Sprintf("line %d", n.Line)
	}
	return fmt.Sprintf("%s:%d", d.Source, n.Line)
}

// mark records that n and everything under it came from place.
func (d *Doc) mark(n *yaml.Node, place string, text bool) {
	if d.where == nil {
		d.where, d.text = map[*yaml.Node]string{}, map[*yaml.Node]bool{}
	}
	d.where[n] = place
	if text {
		d.text[n] = true
	}
	for _, c := range n.Content {
		d.mark(c, place, text)
	}
}

// ErrEmpty is returned for a file with no document in it.
var ErrEmpty = errors.New("the file holds no request document")

// Read calls fn for each document of r, one at a time, so a file of any
// length is never held whole in memory: a YAML stream gives one document per
// `---`, a top-level JSON array one per element. single reports whether the
// input was one lone document (an object), as opposed to a batch. fn's error
// stops the reading and is returned.
func Read(r io.Reader, name string, fn func(d *Doc) error) (single bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var in io.Reader = br
	switch firstByte(br) {
	case '[':
		return false, readJSONArray(br, name, fn)
	case '{':
		// One JSON object: small, so read whole to spell out the escaped
		// surrogate pairs (emoji) that JSON allows and YAML refuses.
		b, err := io.ReadAll(br)
		if err != nil {
			return false, docError(name, 0, 0, err.Error())
		}
		in = bytes.NewReader(joinSurrogates(b))
	}
	dec := yaml.NewDecoder(in)
	var docs int
	var pending *Doc
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := yamlMessage(err)
			index := docs + 1
			if docs == 0 {
				index = 0 // it may be a lone document; do not call it the first of many
			}
			return false, docError(name, index, line, msg)
		}
		docs++
		index := docs
		if docs == 1 {
			index = 0 // a lone document until a second one shows up
		}
		d, derr := newFileDoc(&n, name, index)
		if derr != nil {
			return false, derr
		}
		// The first document is held back until we know whether a second
		// one follows: a lone document is numbered 0 (not a batch).
		if docs == 1 {
			pending = d
			continue
		}
		if pending != nil {
			pending.Index = 1
			if err := fn(pending); err != nil {
				return false, err
			}
			pending = nil
		}
		if err := fn(d); err != nil {
			return false, err
		}
	}
	if docs == 0 {
		return false, &Errors{List: []*FieldError{{Place: name, Msg: ErrEmpty.Error()}}}
	}
	if pending != nil {
		return true, fn(pending)
	}
	return false, nil
}

func newFileDoc(n *yaml.Node, name string, index int) (*Doc, error) {
	root := n
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, docError(name, index, n.Line, "the document is empty")
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, docError(name, index, root.Line, "the document is empty")
	}
	if root.Kind == yaml.SequenceNode {
		return nil, docError(name, index, root.Line, "a request document must be a mapping of field names to values, not a list (for several sessions, separate YAML documents with --- or give a JSON array)")
	}
	if root.Kind != yaml.MappingNode {
		return nil, docError(name, index, root.Line, "a request document must be a mapping of field names to values, not "+kindName(root))
	}
	return &Doc{Root: root, Source: name, Index: index}, nil
}

func docError(name string, index, line int, msg string) error {
	place := name
	if line > 0 {
		place = fmt.Sprintf("%s:%d", name, line)
	}
	return &Errors{List: []*FieldError{{Place: place, Doc: index, Msg: msg}}}
}

// firstByte peeks past white space at the first byte of the input.
func firstByte(br *bufio.Reader) byte {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			return 0
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF, 0xBB, 0xBF: // a UTF-8 byte order mark
			continue
		default:
			return c
		}
	}
}

// joinSurrogates rewrites, inside JSON strings, an escaped UTF-16
// surrogate pair ("\ud83d\ude00", as many JSON writers emit for emoji)
// as the character itself. YAML's double-quoted strings, which otherwise
// read JSON strings exactly, refuse surrogate escapes.
func joinSurrogates(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case !inStr:
			inStr = c == '"'
		case c == '"':
			inStr = false
		case c == '\\' && i+1 < len(b):
			if hi, ok := hex4(b, i+2); ok && b[i+1] == 'u' && utf16.IsSurrogate(rune(hi)) && i+12 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
				if lo, ok := hex4(b, i+8); ok {
					if r := utf16.DecodeRune(rune(hi), rune(lo)); r != utf8.RuneError {
						out = utf8.AppendRune(out, r)
						i += 11
						continue
					}
				}
			}
			out = append(out, c, b[i+1]) // any other escape, kept as is
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}

func hex4(b []byte, at int) (uint16, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[at:at+4]), 16, 16)
	return uint16(v), err == nil
}

// readJSONArray splits a top-level JSON array into its elements without
// holding the whole array, and parses each element with line numbers that
// count from the start of the file.
func readJSONArray(br *bufio.Reader, name string, fn func(d *Doc) error) error {
	s := &jsonSplitter{r: br, line: 1}
	if err := s.open(); err != nil {
		return docError(name, 0, s.line, err.Error())
	}
	index := 0
	for {
		elem, startLine, err := s.next()
		if err != nil {
			return docError(name, index+1, s.line, err.Error())
		}
		if elem == nil {
			break
		}
		index++
		// yaml counts lines from the element's start: shift them to count
		// from the file's. (Padding the text with newlines instead made
		// each element cost as much as every line before it.)
		var n yaml.Node
		if err := yaml.Unmarshal(joinSurrogates(elem), &n); err != nil {
			line, msg := yamlMessage(err)
			if line > 0 {
				line += startLine - 1
			}
			return docError(name, index, line, msg)
		}
		shiftLines(&n, startLine-1)
		d, err := newFileDoc(&n, name, index)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	if index == 0 {
		return docError(name, 0, 0, "the JSON array is empty: "+ErrEmpty.Error())
	}
	return nil
}

// shiftLines adds delta to the line of n and of every node under it.
// Aliases are not followed: their targets are in the tree already.
func shiftLines(n *yaml.Node, delta int) {
	if delta == 0 {
		return
	}
	n.Line += delta
	for _, c := range n.Content {
		shiftLines(c, delta)
	}
}

type jsonSplitter struct {
	r    *bufio.Reader
	line int
	done bool
}

func (s *jsonSplitter) read() (byte, error) {
	c, err := s.r.ReadByte()
	if c == '\n' {
		s.line++
	}
	return c, err
}

func (s *jsonSplitter) skipSpace() (byte, error) {
	for {
		c, err := s.read()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF:
			continue
		}
		return c, nil
	}
}

func (s *jsonSplitter) open() error {
	c, err := s.skipSpace()
	if err != nil || c != '[' {
		return errors.New("expected a JSON array")
	}
	return nil
}

// next returns the text of the next element, or nil after the closing ']'.
func (s *jsonSplitter) next() ([]byte, int, error) {
	if s.done {
		return nil, 0, nil
	}
	c, err := s.skipSpace()
	if err != nil {
		return nil, 0, errors.New("the JSON array is not closed")
	}
	if c == ']' {
		s.done = true
		return nil, 0, nil
	}
	start := s.line
	var buf []byte
	depth, inStr, esc := 0, false, false
	for {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth < 0 { // the array's own ']' right after a scalar
				s.done = true
				return buf, start, nil
			}
		case c == ',' && depth == 0:
			return buf, start, nil
		}
		buf = append(buf, c)
		if c, err = s.read(); err != nil {
			return nil, 0, errors.New("the JSON array is not closed")
		}
		if depth == 0 && !inStr && (c == ',' || c == ']') && len(buf) > 0 {
			if c == ']' {
				s.done = true
			}
			return buf, start, nil
		}
	}
}

// yamlMessage splits yaml's parse errors ("yaml: line 3: ...") into the
// line and the message, so they read like ours: "file:3: ...".
func yamlMessage(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		return line, "malformed document: " + strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return 0, "malformed document: " + msg
}
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!int":
			return "the integer " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}
