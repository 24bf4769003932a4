package safetext

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriterMasksAcrossWrites(t *testing.T) {
	const tok = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Write([]byte("before the token is known: sk_\n"))
	w.Mask(New(tok))
	text := `{"message":"invalid token: ` + tok + `"}` + "\n"
	for i := 0; i < len(text); i += 5 {
		w.Write([]byte(text[i:min(i+5, len(text))]))
	}
	// An end that looks like the start of the token is held back ...
	w.Write([]byte("ends with sk_li"))
	if strings.HasSuffix(out.String(), "sk_li") {
		t.Errorf("a possible start of the token was written before the rest: %q", out.String())
	}
	// ... and written by Flush.
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "before the token is known: sk_\n" + `{"message":"invalid token: [REDACTED]"}` + "\nends with sk_li"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

func TestWriterPassesControlsAndPlainText(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Mask(New("secret-token"))
	// Colours and a progress bar's carriage return are billctl's own.
	w.Write([]byte("\r\x1b[32mCOMPLETED\x1b[0m 3/10"))
	if got := out.String(); got != "\r\x1b[32mCOMPLETED\x1b[0m 3/10" {
		t.Errorf("got %q: text that cannot start the token was held or changed", got)
	}
}

// FuzzWriter: however the output is cut into writes, the token never
// comes out whole, and everything else comes out unchanged.
func FuzzWriter(f *testing.F) {
	f.Add("401 invalid token: tok_123456 and tok_1", "tok_123456", uint8(3))
	f.Add("aaaaaaaaaaaa", "aaaaaaaa", uint8(1))
	f.Fuzz(func(t *testing.T, text, tok string, step uint8) {
		if step == 0 {
			step = 1
		}
		flt := New(tok)
		var out bytes.Buffer
		w := NewWriter(&out)
		w.Mask(flt)
		for i := 0; i < len(text); i += int(step) {
			w.Write([]byte(text[i:min(i+int(step), len(text))]))
		}
		w.Flush()
		if len(tok) >= MinSecret && strings.Contains(out.String(), tok) {
			t.Fatalf("%q in writes of %d with token %q gave %q", text, step, tok, out.String())
		}
		if flt == nil || !flt.holds(text) {
			// Nothing to mask: the text passes unchanged.
			if out.String() != text {
				t.Fatalf("%q with token %q came out as %q", text, tok, out.String())
			}
		}
	})
}

// BenchmarkWriter: a large output (a batch's table) through a masking
// Writer, in the 32 KiB writes of a bufio.Writer.
func BenchmarkWriter(b *testing.B) {
	row := "42  che_7n42DGM5Tflk9n8mt7Fhc7  CREATED  cus_7n42DGM5Tflk9n8mt7Fhc7  plv_1  in 1 hour  https://checkout.example.com/che_7n42DGM5Tflk9n8mt7Fhc7\n"
	text := []byte(strings.Repeat(row, (1<<20)/len(row)))
	w := NewWriter(discard{})
	w.Mask(New("sk_live_4eC39HqLyjWDarjtT1zdp7dc"))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		for i := 0; i < len(text); i += 32 << 10 {
			w.Write(text[i:min(i+32<<10, len(text))])
		}
		w.Flush()
	}
}

// BenchmarkLine: one table cell of printable text, and one to escape.
func BenchmarkLine(b *testing.B) {
	f := New("sk_live_4eC39HqLyjWDarjtT1zdp7dc")
	for _, c := range []struct{ name, s string }{
		{"plain", "https://checkout.example.com/che_7n42DGM5Tflk9n8mt7Fhc7"},
		{"hostile", "che_hostile\x1b]0;owned\x07\x1b[2J\u009b"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				f.Line(c.s)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
