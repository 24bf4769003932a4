package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"che_7n42DGM5", "che_7n42DGM5"},
		{"", ""},
		{"Café Zürich — 東京", "Café Zürich — 東京"},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\`},
		{"ok\rFAKE", `ok\rFAKE`},
		{"a\nb\tc", `a\nb\tc`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		// C1 controls as UTF-8 runes: NEL, CSI, OSC, ST.
		{"x\u0085y\u009b2J\u009d0;t\u009c", `x\u0085y\u009b2J\u009d0;t\u009c`},
		// Bytes that are not UTF-8, a lone 0x9b among them (8-bit CSI).
		{"a\x9b2Jb\xff\xc3", `a\x9b2Jb\xff\xc3`},
		// A real U+FFFD is text, not an invalid byte.
		{"\uFFFD", "\uFFFD"},
		// Bidirectional overrides and isolates (Trojan Source).
		{"abc\u202edcba\u202c", `abc\u202edcba\u202c`},
		{"\u2066x\u2069\u200f", `\u2066x\u2069\u200f`},
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTextKeepsLines(t *testing.T) {
	in := "meteroid: 400 BAD_REQUEST: bad\x1b[31m\n  - field\tis\r\n"
	want := "meteroid: 400 BAD_REQUEST: bad\\x1b[31m\n  - field\tis\\r\n"
	if got := Text(in); got != want {
		t.Errorf("Text(%q) = %q, want %q", in, got, want)
	}
}

func TestPlainTextIsNotCopied(t *testing.T) {
	s := strings.Repeat("https://checkout.example.com/che_1 ", 100)
	if n := testing.AllocsPerRun(100, func() { _ = Line(s) }); n != 0 {
		t.Errorf("Line allocates %v times for printable ASCII", n)
	}
	u := strings.Repeat("Zürich ", 100)
	if n := testing.AllocsPerRun(100, func() { _ = Text(u) }); n != 0 {
		t.Errorf("Text allocates %v times for printable UTF-8", n)
	}
}

func TestRedact(t *testing.T) {
	const tok = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
	f := New(tok)
	for _, tc := range []struct{ in, want string }{
		{"401 invalid token: " + tok, "401 invalid token: [REDACTED]"},
		{tok + tok, "[REDACTED][REDACTED]"},
		{"nothing here", "nothing here"},
		// Quoted back inside escaped JSON and a URL.
		{`{"message":"bad key \"` + tok + `\""}`, `{"message":"bad key \"[REDACTED]\""}`},
		{"https://x.example/?key=" + tok, "https://x.example/?key=[REDACTED]"},
	} {
		if got := f.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := f.Line("bad key\x1b[2J "+tok), `bad key\x1b[2J [REDACTED]`; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func TestRedactForms(t *testing.T) {
	// A token with characters that JSON and URLs escape.
	const tok = "ab<c>&d+e/f=g"
	f := New(tok)
	for _, quoted := range []string{tok, `ab\u003cc\u003e\u0026d+e/f=g`, "ab%3Cc%3E%26d%2Be%2Ff%3Dg"} {
		if got := f.Text("key " + quoted); got != "key [REDACTED]" {
			t.Errorf("Text(key %s) = %q", quoted, got)
		}
	}
}

func TestRedactOverlappingMask(t *testing.T) {
	// Secrets that are part of the mask, or that the mask forms again with
	// the text beside it, never survive.
	for _, tc := range []struct{ tok, in string }{
		{"D]", "xD]y"},
		{"D]x", "D]xx"},
		{"ACT", "REDACT"},
		{"*", "a*b"},
	} {
		got := New(tc.tok).Line(tc.in)
		if strings.Contains(got, tc.tok) {
			t.Errorf("New(%q).Line(%q) = %q, which holds the secret", tc.tok, tc.in, got)
		}
	}
}

func TestNilFilter(t *testing.T) {
	var f *Filter
	if got := f.Line("a\x1bb"); got != `a\x1bb` {
		t.Errorf("nil Line = %q", got)
	}
	if New("") != nil {
		t.Error("New(\"\") masks something")
	}
}

// FuzzFilter: whatever a server sends and whatever the token is, what is
// printed holds no control character, no byte that is not UTF-8, and not
// the token.
func FuzzFilter(f *testing.F) {
	f.Add("401 invalid token: sk_test_123", "sk_test_123")
	f.Add("\x1b]0;title\x07\x1b[2J\r\n", "tok")
	f.Add("\u009b\xc2\x9b\xe2\x80\xaeabc", "\x1b")
	f.Add("\\x1b", "\x1b")
	f.Add("xD]xx", "D]x")
	f.Fuzz(func(t *testing.T, in, tok string) {
		flt := New(tok)
		for _, mode := range []struct {
			name      string
			out       string
			keepLines bool
		}{
			{"Line", flt.Line(in), false},
			{"Text", flt.Text(in), true},
			{"bare Line", Line(in), false},
		} {
			out := mode.out
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q: not UTF-8", mode.name, in, out)
			}
			for _, r := range out {
				if (r < 0x20 && !(mode.keepLines && (r == '\n' || r == '\t'))) || r == 0x7f || unsafeRune(r) {
					t.Fatalf("%s(%q) = %q: holds %U", mode.name, in, out, r)
				}
			}
			if mode.name != "bare Line" && tok != "" && strings.Contains(out, tok) {
				t.Fatalf("%s(%q) with token %q = %q: holds the token", mode.name, in, tok, out)
			}
		}
	})
}
