package sandbox

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/billctl/billctl/internal/request"
)

// Serde reads body as Meteroid's server does (axum's Json extractor over
// serde_json and serde_path_to_error, into the Rust struct the Go wire type
// t mirrors) and says what that stack would refuse it with: syntax is set
// for what serde_json classifies as a syntax or EOF error (axum's 400),
// unset for a data error (axum's 422); msg is serde_path_to_error's text,
// "path: message at line L column C". "" is a body the server reads.
//
// The rules follow serde_json 1.0's deserializer: a column counts the bytes
// consumed on its line, so a type error stands just after the offending
// value, a missing field just after the closing brace of its object, and a
// syntax error at the byte it trips on. Errors inside a tagged union come
// from serde's buffered content: without a position of their own, they
// take the end of the union's object.
//
// What cannot be known from the sources at hand is left to the wire
// type's own checks (the caller's fallback): the texts of rust_decimal and
// chrono for a malformed decimal or date, of the typed-ID deserialiser
// (the caller checks IDs with the server's ID reader), and what serde's
// derive makes of a JSON array given for a struct (it reads structs from
// sequences too).
func Serde(body []byte, t reflect.Type) (syntax bool, msg string) {
	p := &jsonParser{b: body}
	root, err := p.document()
	if err != nil {
		return true, err.Error()
	}
	s := &serdeChecker{b: body}
	if root.kind == '[' {
		return false, ""
	}
	if e := s.value(root, t, "", -1); e != nil {
		return false, e.Error()
	}
	return false, ""
}

// jsonNode is one parsed value: kind is '{', '[', '"', 'n' (number), 't',
// 'f' or 'z' (null); end is the offset just after it.
type jsonNode struct {
	kind       byte
	start, end int
	text       string // a string's value, a number's or literal's text
	keys       []string
	keyEnds    []int // offset just after each key's closing quote
	vals       []*jsonNode
}

type jsonParser struct {
	b []byte
	i int
}

// serdeError is an error at a byte offset, printed as serde_json does.
type serdeError struct {
	path string
	msg  string
	b    []byte
	at   int // bytes consumed when the error was raised
}

func (e *serdeError) Error() string {
	line, col := 1, 0
	for _, c := range e.b[:min(e.at, len(e.b))] {
		if c == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
	}
	s := fmt.Sprintf("%s at line %d column %d", e.msg, line, col)
	if e.path != "" {
		s = e.path + ": " + s
	}
	return s
}

func (p *jsonParser) fail(msg string, at int) error { return &serdeError{msg: msg, b: p.b, at: at} }

// peekFail is serde_json's peek_error: the position of the byte looked at.
func (p *jsonParser) peekFail(msg string) error { return p.fail(msg, min(p.i+1, len(p.b))) }

func (p *jsonParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonParser) document() (*jsonNode, error) {
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	// axum 0.8 ends the deserializer, which refuses anything after the value.
	p.ws()
	if p.i < len(p.b) {
		return nil, p.peekFail("trailing characters")
	}
	return n, nil
}

func (p *jsonParser) value() (*jsonNode, error) {
	p.ws()
	if p.i >= len(p.b) {
		return nil, p.peekFail("EOF while parsing a value")
	}
	n := &jsonNode{start: p.i}
	switch c := p.b[p.i]; {
	case c == '{':
		n.kind = '{'
		p.i++
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			break
		}
		for {
			p.ws()
			if p.i >= len(p.b) {
				return nil, p.peekFail("EOF while parsing an object")
			}
			if p.b[p.i] != '"' {
				if p.b[p.i] == '}' && len(n.keys) > 0 {
					return nil, p.peekFail("trailing comma")
				}
				return nil, p.peekFail("key must be a string")
			}
			key, err := p.str()
			if err != nil {
				return nil, err
			}
			keyEnd := p.i
			p.ws()
			if p.i >= len(p.b) {
				return nil, p.peekFail("EOF while parsing an object")
			}
			if p.b[p.i] != ':' {
				return nil, p.peekFail("expected `:`")
			}
			p.i++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.keys, n.keyEnds, n.vals = append(n.keys, key), append(n.keyEnds, keyEnd), append(n.vals, v)
			p.ws()
			if p.i >= len(p.b) {
				return nil, p.peekFail("EOF while parsing an object")
			}
			if p.b[p.i] == '}' {
				p.i++
				break
			}
			if p.b[p.i] != ',' {
				return nil, p.peekFail("expected `,` or `}`")
			}
			p.i++
		}
	case c == '[':
		n.kind = '['
		p.i++
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			break
		}
		for {
			p.ws()
			if p.i < len(p.b) && p.b[p.i] == ']' && len(n.vals) > 0 {
				return nil, p.peekFail("trailing comma")
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
			p.ws()
			if p.i >= len(p.b) {
				return nil, p.peekFail("EOF while parsing a list")
			}
			if p.b[p.i] == ']' {
				p.i++
				break
			}
			if p.b[p.i] != ',' {
				return nil, p.peekFail("expected `,` or `]`")
			}
			p.i++
		}
	case c == '"':
		n.kind = '"'
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n.text = s
	case c == '-' || (c >= '0' && c <= '9'):
		n.kind = 'n'
		if err := p.number(); err != nil {
			return nil, err
		}
		n.text = string(p.b[n.start:p.i])
	case c == 't', c == 'f', c == 'n':
		word := map[byte]string{'t': "true", 'f': "false", 'n': "null"}[c]
		for j := 0; j < len(word); j++ {
			if p.i >= len(p.b) {
				return nil, p.peekFail("EOF while parsing a value")
			}
			if p.b[p.i] != word[j] {
				return nil, p.peekFail("expected ident")
			}
			p.i++
		}
		n.kind = map[byte]byte{'t': 't', 'f': 'f', 'n': 'z'}[c]
		n.text = word
	default:
		return nil, p.peekFail("expected value")
	}
	n.end = p.i
	return n, nil
}

func (p *jsonParser) number() error {
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		k := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			k++
		}
		return k
	}
	if p.i >= len(p.b) {
		return p.peekFail("EOF while parsing a value")
	}
	if p.b[p.i] == '0' {
		p.i++
		if p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			return p.peekFail("invalid number")
		}
	} else if digits() == 0 {
		return p.peekFail("invalid number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			if p.i >= len(p.b) {
				return p.peekFail("EOF while parsing a value")
			}
			return p.peekFail("invalid number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			if p.i >= len(p.b) {
				return p.peekFail("EOF while parsing a value")
			}
			return p.peekFail("invalid number")
		}
	}
	return nil
}

func (p *jsonParser) str() (string, error) {
	p.i++ // the opening quote
	var sb strings.Builder
	for {
		if p.i >= len(p.b) {
			return "", p.fail("EOF while parsing a string", len(p.b))
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return sb.String(), nil
		case c < 0x20:
			p.i++
			return "", p.fail("control character (\\u0000-\\u001F) found while parsing a string", p.i)
		case c == '\\':
			p.i++
			if p.i >= len(p.b) {
				return "", p.fail("EOF while parsing a string", len(p.b))
			}
			e := p.b[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				if p.i+4 > len(p.b) {
					return "", p.fail("EOF while parsing a string", len(p.b))
				}
				v, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 16)
				if err != nil {
					return "", p.fail("invalid escape", p.i+1)
				}
				p.i += 4
				sb.WriteRune(rune(v))
			default:
				return "", p.fail("invalid escape", p.i)
			}
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				p.i++
				return "", p.fail("invalid unicode code point", p.i)
			}
			sb.WriteRune(r)
			p.i += size
		}
	}
}

type serdeChecker struct{ b []byte }

var (
	decimalType = reflect.TypeOf(request.Decimal(""))
	dateType    = reflect.TypeOf(request.Date(""))
	rawJSONType = reflect.TypeOf(request.JSON{})
	enumType    = reflect.TypeOf((*request.Enum)(nil)).Elem()
	unionType   = reflect.TypeOf((*request.Union)(nil)).Elem()
)

// unexpected is serde's Unexpected for a JSON value, as serde_json writes
// it (null is "null"); in buffered content serde's own ("unit value").
func unexpected(n *jsonNode, content bool) string {
	switch n.kind {
	case '"':
		return "string " + strconv.Quote(n.text)
	case 't', 'f':
		return "boolean `" + n.text + "`"
	case 'z':
		if content {
			return "unit value"
		}
		return "null"
	case '[':
		return "sequence"
	case '{':
		return "map"
	}
	if i, err := strconv.ParseInt(n.text, 10, 64); err == nil {
		return "integer `" + strconv.FormatInt(i, 10) + "`"
	}
	if u, err := strconv.ParseUint(n.text, 10, 64); err == nil {
		return "integer `" + strconv.FormatUint(u, 10) + "`"
	}
	f, _ := strconv.ParseFloat(n.text, 64)
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return "floating point `" + s + "`"
}

// isInt reports whether a number node is an integer to serde_json.
func isInt(n *jsonNode) bool { return n.kind == 'n' && !strings.ContainsAny(n.text, ".eE") }

// intRust is the Rust integer type of an integer field: the Go wire types
// keep int32 throughout; a spec minimum of 0 that is not the server's own
// bound ("server") marks an unsigned field.
func intRust(min0, server bool) string {
	if min0 && !server {
		return "u32"
	}
	return "i32"
}

// value checks n against Go type t at path; at >= 0 is the position errors
// take inside buffered union content.
func (s *serdeChecker) value(n *jsonNode, t reflect.Type, path string, at int) *serdeError {
	return s.valueOf(n, t, path, at, "")
}

func (s *serdeChecker) errAt(path, msg string, at int, n *jsonNode) *serdeError {
	if at < 0 {
		at = n.end
	}
	return &serdeError{path: path, msg: msg, b: s.b, at: at}
}

func (s *serdeChecker) valueOf(n *jsonNode, t reflect.Type, path string, at int, intKind string) *serdeError {
	content := at >= 0
	if t.Kind() == reflect.Pointer {
		if n.kind == 'z' {
			return nil // Option<T>
		}
		t = t.Elem()
	}
	invalid := func(expected string) *serdeError {
		e := s.errAt(path, "invalid type: "+unexpected(n, content)+", expected "+expected, at, n)
		if n.kind == '[' || n.kind == '{' {
			// serde_json refuses a sequence or map by its first byte, unread.
			if at < 0 {
				e.at = n.start
			}
		}
		return e
	}
	switch {
	case t == rawJSONType:
		return nil
	case t == decimalType, t == dateType:
		// Left to the wire type's checks: rust_decimal's and chrono's own
		// texts are not known here.
		return nil
	case t.Implements(unionType) && t.Kind() == reflect.Struct:
		return s.union(n, t, path)
	case t.Implements(enumType) && t.Kind() == reflect.String:
		if n.kind != '"' {
			if content {
				return invalid("variant identifier")
			}
			// serde_json's deserialize_enum takes a string or a map, and
			// calls anything else a syntax error.
			return &serdeError{path: path, msg: "expected value", b: s.b, at: n.start + 1}
		}
		vals := reflect.Zero(t).Interface().(request.Enum).Values()
		for _, v := range vals {
			if v == n.text {
				return nil
			}
		}
		return s.errAt(path, "unknown variant `"+n.text+"`, expected one of `"+strings.Join(vals, "`, `")+"`", at, n)
	}
	switch t.Kind() {
	case reflect.String:
		if n.kind != '"' {
			return invalid("a string")
		}
	case reflect.Bool:
		if n.kind != 't' && n.kind != 'f' {
			return invalid("a boolean")
		}
	case reflect.Int32, reflect.Int, reflect.Int64:
		rust := intKind
		if rust == "" {
			rust = "i32"
		}
		if !isInt(n) {
			return invalid(rust)
		}
		v, err := strconv.ParseInt(n.text, 10, 64)
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if rust == "u32" {
			lo, hi = 0, math.MaxUint32
		}
		if err != nil || v < lo || v > hi {
			return s.errAt(path, "invalid value: "+unexpected(n, content)+", expected "+rust, at, n)
		}
	case reflect.Slice:
		if n.kind != '[' {
			return invalid("a sequence")
		}
		for i, c := range n.vals {
			if e := s.valueOf(c, t.Elem(), sub(path, fmt.Sprintf("[%d]", i), at), at, intKind); e != nil {
				return e
			}
		}
	case reflect.Map:
		if n.kind != '{' {
			return invalid("a map")
		}
	case reflect.Struct:
		if n.kind != '{' {
			return invalid("struct " + t.Name())
		}
		return s.object(n, t, path, at)
	}
	return nil
}

// sub is the serde_path_to_error path of a member (a key, or "[i]") of
// the value at path. Inside buffered union content (at >= 0) the path
// stays at the union: the tracking deserializer does not reach in there.
func sub(path, seg string, at int) string {
	switch {
	case at >= 0:
		return path
	case path == "" || strings.HasPrefix(seg, "["):
		return path + seg
	}
	return path + "." + seg
}

// object checks a struct's members in the body's order, as serde's derive
// reads them, then the required ones that were not there.
func (s *serdeChecker) object(n *jsonNode, t reflect.Type, path string, at int) *serdeError {
	type fieldInfo struct {
		sf       reflect.StructField
		required bool
		intKind  string
	}
	fields := map[string]fieldInfo{}
	var order []string
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		tags := "," + sf.Tag.Get("bill") + ","
		fields[name] = fieldInfo{sf, strings.Contains(tags, ",required,"),
			intRust(strings.Contains(tags, ",min=0,"), strings.Contains(tags, ",server,"))}
		order = append(order, name)
	}
	seen := map[string]bool{}
	for i, k := range n.keys {
		f, ok := fields[k]
		if !ok {
			continue // serde ignores unknown fields
		}
		if seen[k] {
			return s.errAt(path, "duplicate field `"+k+"`", atOr(at, n.keyEnds[i]), nil)
		}
		seen[k] = true
		if e := s.valueOf(n.vals[i], f.sf.Type, sub(path, k, at), at, f.intKind); e != nil {
			return e
		}
	}
	for _, k := range order {
		if fields[k].required && !seen[k] {
			return s.errAt(path, "missing field `"+k+"`", atOr(at, n.end), nil)
		}
	}
	return nil
}

func atOr(at, here int) int {
	if at >= 0 {
		return at
	}
	return here
}

// union checks an internally tagged enum: serde buffers the object, finds
// the tag, then reads the variant from the buffer, whose errors carry no
// position and so take the end of the object.
func (s *serdeChecker) union(n *jsonNode, t reflect.Type, path string) *serdeError {
	end := n.end
	if n.kind != '{' {
		if n.kind == '[' {
			end = n.start
		}
		return &serdeError{path: path, msg: "invalid type: " + unexpected(n, false) + ", expected internally tagged enum " + t.Name(), b: s.b, at: end}
	}
	key := reflect.Zero(t).Interface().(request.Union).Discriminator()
	var tag *jsonNode
	for i, k := range n.keys {
		if k == key {
			tag = n.vals[i]
			break
		}
	}
	if tag == nil {
		return &serdeError{path: path, msg: "missing field `" + key + "`", b: s.b, at: end}
	}
	var tags []string
	for i := 0; i < t.NumField(); i++ {
		v := t.Field(i).Tag.Get("union")
		tags = append(tags, v)
		if tag.kind == '"' && v == tag.text {
			vt := t.Field(i).Type
			if vt.Kind() == reflect.Pointer {
				vt = vt.Elem()
			}
			return s.object(n, vt, path, end)
		}
	}
	if tag.kind != '"' {
		return &serdeError{path: path, msg: "invalid type: " + unexpected(tag, true) + ", expected variant identifier", b: s.b, at: end}
	}
	return &serdeError{path: path, msg: "unknown variant `" + tag.text + "`, expected one of `" + strings.Join(tags, "`, `") + "`", b: s.b, at: end}
}
