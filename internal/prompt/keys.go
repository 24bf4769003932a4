package prompt

import "unicode/utf8"

// A key is one key press read from a terminal in raw mode.
type key struct {
	kind keyKind
	r    rune // for keyRune
}

type keyKind int

const (
	keyRune keyKind = iota
	keyEnter
	keyBackspace
	keyUp
	keyDown
	keyClear  // Ctrl-U: clear what was typed
	keyCancel // Ctrl-C, Esc, Ctrl-D
	keyIgnore
)

// parseKeys splits what one read returned into key presses. A terminal
// sends an escape sequence (an arrow) in one write, so an Esc that ends
// the read is the Esc key itself.
func parseKeys(b []byte) []key {
	var out []key
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == 0x1b:
			if len(b) == 1 {
				out = append(out, key{kind: keyCancel})
				b = b[1:]
				continue
			}
			n, k := escape(b)
			out = append(out, k)
			b = b[n:]
			continue
		case c == '\r' || c == '\n':
			out = append(out, key{kind: keyEnter})
		case c == 0x7f || c == 0x08:
			out = append(out, key{kind: keyBackspace})
		case c == 0x03 || c == 0x04:
			out = append(out, key{kind: keyCancel})
		case c == 0x15:
			out = append(out, key{kind: keyClear})
		case c == 0x10: // Ctrl-P
			out = append(out, key{kind: keyUp})
		case c == 0x0e: // Ctrl-N
			out = append(out, key{kind: keyDown})
		case c < 0x20:
			out = append(out, key{kind: keyIgnore})
		default:
			r, n := utf8.DecodeRune(b)
			if r == utf8.RuneError {
				out = append(out, key{kind: keyIgnore})
			} else {
				out = append(out, key{kind: keyRune, r: r})
			}
			b = b[n:]
			continue
		}
		b = b[1:]
	}
	return out
}

// escape reads the escape sequence at the start of b (b[0] is ESC): the
// arrows are kept, any other sequence (function keys, Alt+key) ignored.
func escape(b []byte) (int, key) {
	if b[1] != '[' && b[1] != 'O' {
		return 2, key{kind: keyIgnore} // Alt+key
	}
	// CSI / SS3: parameters, then a final byte in 0x40..0x7e.
	for i := 2; i < len(b); i++ {
		if b[i] >= 0x40 && b[i] <= 0x7e {
			switch b[i] {
			case 'A':
				return i + 1, key{kind: keyUp}
			case 'B':
				return i + 1, key{kind: keyDown}
			}
			return i + 1, key{kind: keyIgnore}
		}
	}
	return len(b), key{kind: keyIgnore}
}
