package provider

import (
	"strings"
	"testing"
)

// A CR in a plain-text error body stays in the message (printed as \r by
// safetext), where folding it into a space would hide what it did.
func TestErrorFromBodyKeepsCR(t *testing.T) {
	for body, want := range map[string]string{
		"check\rOK: all paid":    "check\rOK: all paid",
		"  bad\r\n  request\r\n": "bad\r request\r",
		"one\ttwo\n\nthree":      "one two three",
		"\rOK: all paid\n":       "\rOK: all paid",
		strings.Repeat("é", 200): strings.Repeat("é", 150) + "…",
	} {
		e := ErrorFromBody("meteroid", 422, []byte(body), func([]byte, *APIError) bool { return false })
		if e.Message != want {
			t.Errorf("body %q: message %q, want %q", body, e.Message, want)
		}
	}
}
