package request

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// parseJSON reads one JSON value (an element of a batch array) into the
// tree yaml would give for it, with line numbers counted from first. It
// is many times faster than yaml's parser, which prepares itself afresh
// for each element. Text that is not strict JSON gets errNotJSON, and is
// left to yaml (which also reads flow-style YAML, {a: 1}).
func parseJSON(b []byte, first int) (*yaml.Node, error) {
	p := &jsonParser{b: b, line: first}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, errNotJSON
	}
	return n, nil
}

var errNotJSON = errors.New("not strict JSON")

// maxDepth bounds nesting, which costs stack.
const maxDepth = 1000

type jsonParser struct {
	b    []byte
	i    int
	line int
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '\n':
			p.line++
		case '\r': // a line break of its own to yaml, unless before \n
			if p.i+1 == len(p.b) || p.b[p.i+1] != '\n' {
				p.line++
			}
		case ' ', '\t':
		default:
			return
		}
		p.i++
	}
}

func (p *jsonParser) value(depth int) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, errNotJSON
	}
	p.space()
	if p.i >= len(p.b) {
		return nil, errNotJSON
	}
	line := p.line
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Line: line}
		p.space()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return n, nil
		}
		for {
			p.space()
			if p.i >= len(p.b) || p.b[p.i] != '"' {
				return nil, errNotJSON
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.space()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return nil, errNotJSON
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, k, v)
			p.space()
			if p.i >= len(p.b) {
				return nil, errNotJSON
			}
			p.i++
			switch p.b[p.i-1] {
			case ',':
				continue
			case '}':
				return n, nil
			}
			return nil, errNotJSON
		}
	case c == '[':
		p.i++
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: line}
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return n, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
			p.space()
			if p.i >= len(p.b) {
				return nil, errNotJSON
			}
			p.i++
			switch p.b[p.i-1] {
			case ',':
				continue
			case ']':
				return n, nil
			}
			return nil, errNotJSON
		}
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for _, w := range [...]struct{ word, tag string }{{"true", "!!bool"}, {"false", "!!bool"}, {"null", "!!null"}} {
		if len(p.b)-p.i >= len(w.word) && string(p.b[p.i:p.i+len(w.word)]) == w.word {
			p.i += len(w.word)
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: w.tag, Value: w.word, Line: line}, nil
		}
	}
	return nil, errNotJSON
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, keeping its
// text: an integer is !!int, anything else !!float, as yaml tags them.
func (p *jsonParser) number() (*yaml.Node, error) {
	start, tag := p.i, "!!int"
	digits := func() int {
		s := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		return p.i - s
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	if n := digits(); n == 0 || n > 1 && p.b[p.i-n] == '0' {
		return nil, errNotJSON
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		tag = "!!float"
		if digits() == 0 {
			return nil, errNotJSON
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		tag = "!!float"
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, errNotJSON
		}
	}
	text := string(p.b[start:p.i])
	// As yaml resolves them: an integer too large for 64 bits is a float,
	// a float out of range a string.
	if tag == "!!int" {
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			if _, err := strconv.ParseUint(text, 10, 64); err != nil {
				tag = "!!float"
			}
		}
	}
	if tag == "!!float" {
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			tag = "!!str"
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: text, Line: p.line}, nil
}

// str reads a string, its escapes spelled out; an escaped surrogate pair
// (as many writers emit emoji) is the one character it stands for.
func (p *jsonParser) str() (*yaml.Node, error) {
	line := p.line
	p.i++ // the opening quote
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != '"' && p.b[p.i] != '\\' && p.b[p.i] >= 0x20 {
		p.i++
	}
	if p.i < len(p.b) && p.b[p.i] == '"' { // no escapes: the common case
		s := string(p.b[start:p.i])
		p.i++
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: s, Line: line}, nil
	}
	out := append([]byte(nil), p.b[start:p.i]...)
	for {
		if p.i >= len(p.b) || p.b[p.i] < 0x20 {
			return nil, errNotJSON
		}
		c := p.b[p.i]
		p.i++
		switch c {
		case '"':
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: string(out), Line: line}, nil
		case '\\':
			if p.i >= len(p.b) {
				return nil, errNotJSON
			}
			e := p.b[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := p.hex()
				if !ok {
					return nil, errNotJSON
				}
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						save := p.i
						p.i += 2
						if lo, ok := p.hex(); ok {
							r2 = utf16.DecodeRune(r, lo)
						}
						if r2 == utf8.RuneError {
							p.i = save
						}
					}
					r = r2
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, errNotJSON
			}
		default:
			out = append(out, c)
		}
	}
}

func (p *jsonParser) hex() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(v), true
}
