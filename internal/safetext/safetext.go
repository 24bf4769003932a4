// Package safetext makes text that billctl did not write safe to print on
// a terminal: a server (or a proxy in front of it) chooses the bytes of
// every session field and error message, and a terminal obeys the control
// sequences among them: it can be retitled (ESC ] 0;…BEL), cleared
// (ESC [2J), given a hyperlink that hides its target (OSC 8), or have a
// line rewritten by a carriage return. Such text is shown escaped, on a
// terminal and in a pipe alike, since a pipe often ends in a pager or a
// log that a terminal shows later.
//
// It also keeps the API token out of anything billctl prints: a server
// that quotes the caller's token back in an error message must not get it
// into a terminal's scrollback or a CI log.
package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line is s for one line of output (a table cell, an ID, a URL): every
// control character is escaped, line feeds and tabs included, so the text
// can neither move the cursor nor break the line it sits in.
func Line(s string) string { return escape(s, false) }

// Text is s for output that may span lines (an error message, a debug
// dump): line feeds and tabs are kept, every other control character is
// escaped.
func Text(s string) string { return escape(s, true) }

// escape shows as \xHH every C0 control character and DEL, a carriage
// return as \r, a line feed and a tab as \n and \t (unless keepLines), every
// C1 control character (U+0080 to U+009F) and bidirectional formatting
// character as \uHHHH, and every byte that is not part of valid UTF-8 as
// \xHH (a terminal may take a lone 0x9b for CSI).
func escape(s string, keepLines bool) string {
	if plain(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case keepLines && (c == '\n' || c == '\t'):
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\r':
				b.WriteString(`\r`)
			case c < 0x20 || c == 0x7f:
				writeByte(&b, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeByte(&b, c)
		case unsafeRune(r):
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)))
			b.WriteString(h)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// plain reports whether s needs no escaping; most text is printable ASCII,
// which is checked without decoding.
func plain(s string, keepLines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f || keepLines && (c == '\n' || c == '\t') {
			continue
		}
		if c < utf8.RuneSelf {
			return false
		}
		// Non-ASCII: decode the rest.
		for _, r := range s[i:] {
			if r == utf8.RuneError || unsafeRune(r) || r < 0x20 && !(keepLines && (r == '\n' || r == '\t')) || r == 0x7f {
				// RuneError may also be a real U+FFFD; escape
				// settles which.
				return false
			}
		}
		return true
	}
	return true
}

// unsafeRune is a non-ASCII rune a terminal acts on or that reorders what
// is shown: the C1 controls (U+0085 NEL, U+009B CSI, U+009D OSC…) and the
// bidirectional embeddings, overrides and isolates that can make text read
// other than it is (CVE-2021-42574).
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

func writeByte(b *strings.Builder, c byte) {
	const hex = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&0xf])
}
