// Package request builds a request body from what the user gave (documents
// of a file, dedicated flags, --set), checks every field against the wire
// types before anything is sent, and says where each mistake is.
package request

import (
	"bufio"
	"bytes"
	"encoding/json"
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

// MaxBody is the largest request body the APIs accept: the real Meteroid
// server puts a 1 MiB RequestBodyLimitLayer in front of every route, and
// Maple publishes no limit of its own.
const MaxBody = 1 << 20

// maxText bounds the text of one document as it is read, so that a huge
// file (or a wrong one) is refused without being held: a body that fits
// in MaxBody is never this long, even pretty-printed and commented.
const maxText = 4 * MaxBody

// Read calls fn for each document of r, one at a time, so a file of any
// length is never held whole in memory: a YAML stream gives one document per
// `---`, a top-level JSON array one per element. single reports whether the
// input was one lone document (an object), as opposed to a batch. fn's error
// stops the reading and is returned.
func Read(r io.Reader, name string, fn func(d *Doc) error) (single bool, err error) {
	// A terminal gives io.EOF once per Ctrl-D: reading on after it would
	// wait for a second one.
	size := 64 << 10
	if l, ok := r.(interface{ Len() int }); ok {
		// Text already in memory (a request body the sandbox received):
		// a buffer of its size, not 64 KiB made and cleared for each one.
		size = min(size, l.Len()+1)
	}
	br := bufio.NewReaderSize(&onceEOF{r: r}, size)
	// JSON is read by JSON's rules: YAML would also read it, but accept a
	// trailing comma and take a missing value for null. Only a .yaml file
	// keeps YAML's flow style ({a: 1}, [a, b,]).
	strict := !hasExt(name, ".yaml", ".yml")
	first := firstByte(br)
	if first != '[' && first != '{' && hasExt(name, ".json") {
		b, err := readAll(br, name)
		if err != nil {
			return false, err
		}
		if line, msg, bad := jsonSyntax(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), 1); bad {
			return false, docError(name, 0, line, msg)
		}
		// Valid JSON that is not an object or an array (a bare string):
		// YAML reads it the same and says what it is.
		br = bufio.NewReader(bytes.NewReader(b))
	}
	switch first {
	case '[':
		return false, readJSONArray(br, name, strict, fn)
	case '{':
		// One JSON object: read whole (within maxText) to spell out the
		// escaped surrogate pairs (emoji) that JSON allows and YAML refuses.
		b, err := io.ReadAll(io.LimitReader(br, maxText+1))
		if err != nil {
			return false, docError(name, 0, 0, err.Error())
		}
		if len(b) > maxText {
			return false, tooLong(name, 0, 1)
		}
		if err := checkText(b, name, 0, 1); err != nil {
			return false, err
		}
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // JSON has no byte order mark
		var d *Doc
		if n, jerr := parseJSON(b, 1); jerr == nil {
			d, err = tidyDoc(n, name, 0)
		} else if line, msg, bad := jsonSyntax(b, 1); bad && strict {
			err = docError(name, 0, line, msg)
		} else {
			d, err = parseDoc(joinSurrogates(b), name, 0, 1, true)
		}
		if err != nil {
			return false, err
		}
		if d == nil {
			return false, &Errors{List: []*FieldError{{Place: name, Msg: ErrEmpty.Error()}}}
		}
		return true, fn(d)
	}
	// One decoder reads the whole stream: yaml's parser is costly to
	// prepare, and a batch holds many small documents. The filter in
	// front of it refuses, as it passes the text on, a document too long
	// to send and text that is not UTF-8, and notes tab indentation.
	f := &yamlFilter{r: br, line: 1}
	dec := yaml.NewDecoder(f)
	var docs int
	var pending *Doc
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) && f.err == nil {
			break
		}
		index := docs + 1
		if docs == 0 {
			index = 0 // it may be a lone document; do not call it the first of many
		}
		if f.err != nil {
			if f.errDoc > 1 || docs > 0 {
				index = max(f.errDoc, index)
			}
			return false, docError(name, index, f.errLine, f.err.Error())
		}
		if err != nil {
			line, msg := yamlMessage(err)
			if tl := f.tabBefore(line); tl > 0 {
				line, msg = tl, "the line is indented with a tab: YAML indents with spaces only"
			}
			return false, docError(name, index, line, msg)
		}
		docs++
		index = docs
		if docs == 1 {
			index = 0 // a lone document until a second one shows up
		}
		d, derr := tidyDoc(&n, name, index)
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

// parseDoc parses the text of one document, which starts at line first of
// the file, and returns it with the file's line numbers, its merge keys
// applied and its keys checked. It returns nil, nil for text that holds
// no document (comments only) unless explicit (it began with ---).
func parseDoc(text []byte, name string, index, first int, explicit bool) (*Doc, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(text, &n); err != nil {
		line, msg := yamlMessage(err)
		if line > 0 {
			line += first - 1
		}
		if tl := tabLine(text); tl > 0 && (line == 0 || line >= tl+first-1) {
			line, msg = tl+first-1, "the line is indented with a tab: YAML indents with spaces only"
		}
		return nil, docError(name, index, line, msg)
	}
	if n.Kind == 0 {
		if !explicit {
			return nil, nil
		}
		return nil, docError(name, index, first, "the document is empty")
	}
	shiftLines(&n, first-1)
	return tidyDoc(&n, name, index)
}

// tidyDoc makes a parsed tree a document, its merge keys applied and its
// keys checked.
func tidyDoc(n *yaml.Node, name string, index int) (*Doc, error) {
	d, err := newFileDoc(n, name, index)
	if err != nil {
		return nil, err
	}
	t := &tidier{doc: d}
	if err := t.walk(d.Root, ""); err != nil {
		return nil, err
	}
	return d, nil
}

// onceEOF keeps returning io.EOF once its reader has.
type onceEOF struct {
	r   io.Reader
	eof bool
}

func (o *onceEOF) Read(p []byte) (int, error) {
	if o.eof {
		return 0, io.EOF
	}
	n, err := o.r.Read(p)
	if err == io.EOF {
		o.eof = true
	}
	return n, err
}

var tooLongMsg = fmt.Sprintf("the document is longer than %d MiB: the API accepts a request body of at most %d MiB", maxText>>20, MaxBody>>20)

func tooLong(name string, index, line int) error { return docError(name, index, line, tooLongMsg) }

// checkText refuses text that is not UTF-8, naming the line: YAML would
// read a UTF-16 file, and JSON would turn bad bytes into U+FFFD.
func checkText(text []byte, name string, index, first int) error {
	if utf8.Valid(text) {
		return nil
	}
	line := first
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if r == '\n' {
			line++
		}
		text = text[size:]
	}
	return docError(name, index, line, "the line is not UTF-8 text (save the file as UTF-8)")
}

// tabLine is the first line (from 1) indented with a tab, or 0.
func tabLine(text []byte) int {
	for i, l := range bytes.Split(text, []byte{'\n'}) {
		indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		if bytes.IndexByte(indent, '\t') >= 0 && len(indent) < len(l) {
			return i + 1
		}
	}
	return 0
}

// yamlFilter passes a YAML stream on to the decoder line by line. It
// counts the text of each document (documents are cut at the markers ---
// and ... that start a line: the YAML spec forbids such a line inside any
// content) and stops the reading with an error, before holding more, at a
// document longer than maxText or a line that is not UTF-8. It notes the
// lines indented with a tab, to name one when the decoder fails.
type yamlFilter struct {
	r       *bufio.Reader
	line    int    // the number of the next line
	rest    []byte // what is left of the current line
	own     []byte
	size    int  // bytes of the current document so far
	doc     int  // the document the current line is in, from 1
	content bool // the current document has a line that is not a marker

	err     error // why the reading stopped
	errLine int
	errDoc  int

	tabs    []int // the last lines indented with a tab
	markers []int // the last marker lines
}

// Read gives the decoder as many whole lines as p takes: it asks for
// little at a time.
func (f *yamlFilter) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := f.read1(p[n:])
		n += m
		if err != nil {
			if n > 0 && err == io.EOF {
				return n, nil
			}
			return n, err
		}
		if len(f.rest) > 0 {
			break
		}
	}
	return n, nil
}

func (f *yamlFilter) read1(p []byte) (int, error) {
	if len(f.rest) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		l, err := f.readLine()
		if err != nil && err != io.EOF {
			f.fail(err, f.line)
			return 0, f.err
		}
		if len(l) == 0 {
			return 0, io.EOF
		}
		if m := marker(l); m != "" {
			if m == "---" && (f.content || f.doc == 0) {
				f.doc++
			}
			f.content = m == "---" && len(bytes.TrimSpace(l)) > 3
			f.size = 0
			f.markers = keep(f.markers, f.line)
		} else if len(bytes.TrimSpace(l)) > 0 {
			if f.doc == 0 {
				f.doc = 1
			}
			f.content = true
		}
		if f.size += len(l); f.size > maxText {
			f.fail(errors.New(tooLongMsg), f.line)
			return 0, f.err
		}
		if !utf8.Valid(l) {
			f.fail(errors.New("the line is not UTF-8 text (save the file as UTF-8)"), f.line)
			return 0, f.err
		}
		if indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]; bytes.IndexByte(indent, '\t') >= 0 {
			f.tabs = keep(f.tabs, f.line)
		}
		f.line++
		// l may lie in the reader's buffer, which the next read reuses:
		// what p cannot take is kept in a buffer of the filter's own.
		n := copy(p, l)
		f.rest = append(f.own[:0], l[n:]...)
		f.own = f.rest
		return n, nil
	}
	n := copy(p, f.rest)
	f.rest = f.rest[n:]
	return n, nil
}

func (f *yamlFilter) fail(err error, line int) {
	f.err, f.errLine, f.errDoc = err, line, max(f.doc, 1)
}

// keep appends line to the few last lines kept.
func keep(lines []int, line int) []int {
	if len(lines) == 16 {
		lines = append(lines[:0], lines[1:]...)
	}
	return append(lines, line)
}

// tabBefore is the last line indented with a tab at or before line and in
// the same document, or 0: YAML refuses tabs as indentation, with an error
// that does not say so.
func (f *yamlFilter) tabBefore(line int) int {
	if line == 0 {
		line = f.line
	}
	t := 0
	for _, l := range f.tabs {
		if l <= line {
			t = l
		}
	}
	for _, m := range f.markers {
		if t < m && m <= line {
			return 0
		}
	}
	return t
}

// readLine reads one line, newline included, refusing one longer than
// maxText before holding it.
func (f *yamlFilter) readLine() ([]byte, error) {
	var l []byte
	for {
		chunk, err := f.r.ReadSlice('\n')
		if len(l)+len(chunk) > maxText {
			return nil, errors.New(tooLongMsg)
		}
		if err == bufio.ErrBufferFull {
			l = append(l, chunk...)
			continue
		}
		if l == nil {
			return chunk, err
		}
		return append(l, chunk...), err
	}
}

// marker names the document marker a line is, or "".
func marker(l []byte) string {
	if len(l) < 3 {
		return ""
	}
	m := string(l[:3])
	if m != "---" && m != "..." {
		return ""
	}
	if len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r' || l[3] == '\n' {
		return m
	}
	return ""
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
func readJSONArray(br *bufio.Reader, name string, strict bool, fn func(d *Doc) error) error {
	s := &jsonSplitter{r: br, line: 1, strict: strict}
	if err := s.open(); err != nil {
		return docError(name, 0, s.line, err.Error())
	}
	index := 0
	for {
		elem, startLine, err := s.next()
		if errors.Is(err, errTrailingComma) {
			return docError(name, 0, s.line, err.Error()) // the array's mistake, not an element's
		}
		if err != nil {
			return docError(name, index+1, s.line, err.Error())
		}
		if elem == nil {
			break
		}
		index++
		if err := checkText(elem, name, index, startLine); err != nil {
			return err
		}
		var d *Doc
		if n, jerr := parseJSON(elem, startLine); jerr == nil {
			d, err = tidyDoc(n, name, index)
		} else if line, msg, bad := jsonSyntax(elem, startLine); bad && strict {
			err = docError(name, index, line, msg)
		} else {
			d, err = parseDoc(joinSurrogates(elem), name, index, startLine, true)
		}
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

var errTrailingComma = errors.New("invalid JSON: a comma before ']' (JSON allows no trailing comma)")

type jsonSplitter struct {
	r    *bufio.Reader
	line int
	done bool
	// strict refuses a comma before the closing ']', which JSON does
	// not allow; comma is whether the last element ended at one.
	strict, comma bool
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
		if s.strict && s.comma {
			return nil, 0, errTrailingComma
		}
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
			s.comma = true
			return buf, start, nil
		}
		buf = append(buf, c)
		if len(buf) > maxText {
			return nil, 0, errors.New(tooLongMsg)
		}
		if c, err = s.read(); err != nil {
			return nil, 0, errors.New("the JSON array is not closed")
		}
		if depth == 0 && !inStr && (c == ',' || c == ']') && len(buf) > 0 {
			if c == ']' {
				s.done = true
			}
			s.comma = c == ','
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
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return "the string " + excerpt(n.Value)
		case "!!int":
			return "the integer " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		}
		return excerpt(n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// Stdin is standard input as Read takes it for -f -. When it is a
// terminal (nothing piped: the caller says so), it first tells errOut
// that a document is being typed in and how to end it; a bare wait
// would look like a hang.
func Stdin(in io.Reader, errOut io.Writer, terminal bool) io.Reader {
	if terminal {
		fmt.Fprintln(errOut, "Reading a request document from stdin (YAML or JSON); press Ctrl-D on an empty line to end it.")
	}
	return in
}

// hasExt reports whether name ends in one of exts, in any case.
func hasExt(name string, exts ...string) bool {
	lower := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(lower, e) {
			return true
		}
	}
	return false
}

// readAll reads the whole input, within maxText.
func readAll(br *bufio.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(br, maxText+1))
	if err != nil {
		return nil, docError(name, 0, 0, err.Error())
	}
	if len(b) > maxText {
		return nil, tooLong(name, 0, 1)
	}
	return b, nil
}

// jsonSyntax is JSON's verdict on b, text that starts at line first of
// the file: the line and message of its first mistake, and whether there
// is one.
func jsonSyntax(b []byte, first int) (line int, msg string, bad bool) {
	var v any
	err := json.Unmarshal(b, &v)
	if err == nil {
		return 0, "", false
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return first, "invalid JSON: " + err.Error(), true
	}
	at := min(max(int(se.Offset)-1, 0), len(b)) // the byte JSON stopped at
	line = first + bytes.Count(b[:at], []byte("\n"))
	msg = se.Error()
	if at < len(b) && (b[at] == '}' || b[at] == ']') {
		if prev := bytes.TrimRight(b[:at], " \t\r\n"); len(prev) > 0 && prev[len(prev)-1] == ',' {
			msg = fmt.Sprintf("a comma before '%c' (JSON allows no trailing comma)", b[at])
		}
	}
	return line, "invalid JSON: " + msg, true
}
