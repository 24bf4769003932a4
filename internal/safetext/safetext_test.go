package safetext

import (
	"bytes"
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
		{"D]xxxxxx", "xD]xxxxxxy"},
		{"D]xxxxxx", "D]xxxxxxxxxxxxxxxxxxxxxx"},
		{"REDACTED", "[REDACTED]"},
		{"[REDACTED]", "a[REDACTED]b"},
		{"********", "a**********b"},
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
	if New("sk_1234") != nil {
		t.Errorf("New masks a secret of %d bytes, shorter than MinSecret", len("sk_1234"))
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
	f.Add("xD]xxxxxxxx", "D]xxxxxx")
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
			if mode.name != "bare Line" && len(tok) >= MinSecret && strings.Contains(out, tok) {
				t.Fatalf("%s(%q) with token %q = %q: holds the token", mode.name, in, tok, out)
			}
		}
	})
}

// TestShortTokenLeavesOutputAlone: a token too short to be told apart
// from ordinary text (BILLCTL_TOKEN=x on the sandbox) no longer mangles
// IDs, JSON keys or flag names.
func TestShortTokenLeavesOutputAlone(t *testing.T) {
	for _, tc := range []struct{ tok, in string }{
		{"x", "che_4OGL2ZmyDpL8gd3xehCvie"},
		{"x", `{"expires_at":"2026-12-07T10:00:00Z"}`},
		{"tok", "--token-file"},
		{"1234567", "cus_1234567"},
	} {
		if got := New(tc.tok).Line(tc.in); got != tc.in {
			t.Errorf("token %q: Line(%q) = %q", tc.tok, tc.in, got)
		}
	}
}

// FuzzRedactAtTokenOnly: for a token of any length from 1 to 64 bytes,
// put into any text at any place, what is printed is the text unchanged
// except where the token (in one of its forms) is: a token shorter than
// MinSecret changes nothing; a longer one is replaced by the mask and
// nothing else changes; a Writer fed the text in two writes prints the
// same.
func FuzzRedactAtTokenOnly(f *testing.F) {
	f.Add("che_4OGL2ZmyDpL8gd3ehCvie", "x", uint8(0), uint16(19))
	f.Add(`{"expires_at": "2026-12-07"}`, "x", uint8(0), uint16(3))
	f.Add("--token-file", "tok", uint8(2), uint16(0))
	f.Add("401 invalid key: ", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", uint8(31), uint16(17))
	f.Add("a\x1bb", "\"quoted\"token/+", uint8(15), uint16(1))
	f.Fuzz(func(t *testing.T, text, seed string, n uint8, at uint16) {
		if seed == "" {
			seed = "k"
		}
		// A token as CleanToken accepts one: printable, no space.
		tb := make([]byte, 1+int(n)%64)
		for i := range tb {
			tb[i] = '!' + seed[i%len(seed)]%('~'-'!'+1)
		}
		tok := string(tb)
		pos := int(at) % (len(text) + 1)
		in := text[:pos] + tok + text[pos:]
		flt := New(tok)
		out := flt.Redact(in)
		var w bytes.Buffer
		mw := NewWriter(&w)
		mw.Mask(flt)
		cut := int(at) % (len(in) + 1)
		mw.Write([]byte(in[:cut]))
		mw.Write([]byte(in[cut:]))
		mw.Flush()
		if len(tok) < MinSecret {
			if flt != nil || out != in || w.String() != in {
				t.Fatalf("token %q (%d bytes) changed %q: Redact %q, Writer %q", tok, len(tok), in, out, w.String())
			}
			return
		}
		if strings.Contains(out, tok) || strings.Contains(w.String(), tok) {
			t.Fatalf("token %q survives in %q: Redact %q, Writer %q", tok, in, out, w.String())
		}
		// Where the token shows only as itself, and the mask cannot form
		// it again with the text beside it, the output is exactly the
		// text with each occurrence replaced.
		want := strings.ReplaceAll(in, tok, flt.mask)
		for _, form := range flt.forms {
			if form != tok && strings.Contains(in, form) || strings.Contains(want, form) {
				return
			}
		}
		if out != want {
			t.Fatalf("token %q in %q: Redact = %q, want %q", tok, in, out, want)
		}
		if w.String() != want {
			t.Fatalf("token %q in %q cut at %d: Writer printed %q, want %q", tok, in, cut, w.String(), want)
		}
	})
}
