package config

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/billctl/billctl/internal/exitcode"
)

// bom is the byte order mark Notepad and some editors put at the start of
// a file saved as UTF-8.
const bom = "\ufeff"

// NormalToken takes a token as people paste it: a byte order mark, white
// space around it and a leading "Bearer " (copied from a curl command or
// an API console) are dropped, the last with a note on note (stderr),
// since billctl adds that word itself. A token with white space or a
// control character inside is refused: it would make an invalid or a
// different Authorization header, and the server would only say 401. from
// names the source (BILLCTL_TOKEN, --token-file PATH, profile "prod") for
// the messages, which never show the token. "" stays "" (no token).
func NormalToken(raw, from string, note io.Writer) (string, error) {
	if raw == "" {
		return "", nil
	}
	t := trimToken(raw)
	if len(t) > len("Bearer") && strings.EqualFold(t[:len("Bearer")], "Bearer") && unicode.IsSpace(rune(t[len("Bearer")])) {
		t = trimToken(t[len("Bearer"):])
		if note != nil {
			fmt.Fprintf(note, "note: %s: dropped the leading \"Bearer \" of the token; billctl adds it to the request itself\n", from)
		}
	}
	if t == "" || strings.EqualFold(t, "Bearer") {
		return "", exitcode.Usagef("%s: the token is empty", from)
	}
	for i, r := range []rune(t) {
		switch {
		case r == '\n' || r == '\r':
			return "", exitcode.Usagef("%s: the token spans several lines; give one token on one line", from)
		case unicode.IsSpace(r):
			return "", exitcode.Usagef("%s: the token holds white space (character %d); a token is a single word: check that it was copied whole and alone", from, i+1)
		case unicode.IsControl(r) || r == unicode.ReplacementChar || unicode.Is(unicode.Cf, r):
			return "", exitcode.Usagef("%s: the token holds a control or invisible character (character %d, %U); copy it again from where it was issued", from, i+1, r)
		}
	}
	return t, nil
}

// trimToken drops white space and byte order marks around a token.
func trimToken(s string) string {
	for {
		t := strings.TrimPrefix(strings.TrimSpace(s), bom)
		if t == s {
			return t
		}
		s = t
	}
}
