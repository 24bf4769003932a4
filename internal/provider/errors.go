package provider

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrorFromBody turns a failed answer into an APIError. decode reads the
// provider's own JSON error shape and reports whether it matched; anything
// else (plain text from a framework, an HTML page from a proxy, nothing at
// all) is described rather than shown raw.
func ErrorFromBody(provider string, status int, body []byte, decode func([]byte, *APIError) bool) *APIError {
	e := &APIError{Provider: provider, Status: status}
	// A CR is kept, not trimmed or folded like other blanks: in a message
	// it is shown as \r (safetext), where it would have hidden the text
	// before it on a terminal.
	trimmed := bytes.TrimFunc(body, blank)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{' && decode(trimmed, e):
	case len(trimmed) == 0:
		e.Message = http.StatusText(status) + " (empty response body)"
	case looksHTML(trimmed):
		e.Message = http.StatusText(status) + " (the server answered with an HTML page, not the API's JSON: is the base URL right?)"
	case len(trimmed) > 0 && trimmed[0] == '{':
		e.Message = http.StatusText(status) + " (unrecognised error body: " + excerpt(trimmed) + ")"
	default:
		e.Message = excerpt(trimmed)
	}
	switch status {
	case 401:
		e.Hint = "The token was refused: check it, or add it again with `billctl profile add`."
	case 403:
		e.Hint = "The token lacks permission for this request."
	case 429:
		e.Hint = "Rate limited: retry later, or raise --retries."
	}
	return e
}

func looksHTML(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 100)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<head") || strings.Contains(head, "<body")
}

// excerpt is a short, printable piece of a body, for messages.
func excerpt(b []byte) string {
	const max = 300
	s := string(b)
	if !utf8.ValidString(s) {
		return fmt.Sprintf("%d bytes that are not text", len(b))
	}
	s = strings.Join(strings.FieldsFunc(s, blank), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// blank is white space that a message may fold into one space: all of it
// but the carriage return.
func blank(r rune) bool { return r != '\r' && unicode.IsSpace(r) }

// ResponseError is an answer that was not an error but could not be read.
func ResponseError(provider string, status int, body []byte, err error) error {
	return fmt.Errorf("%s: %d: the response could not be read as a checkout session (%v): %s", provider, status, err, excerpt(bytes.TrimFunc(body, blank)))
}

// NoteRetries adds to e's hint how often the request was sent and, when
// the retries stopped early, why: a user deciding whether to run the
// command again needs both.
func NoteRetries(e *APIError, attempts int, gaveUp string) {
	var note string
	switch {
	case gaveUp != "":
		note = fmt.Sprintf("Stopped after %d attempt(s): %s.", attempts, gaveUp)
	case attempts > 1:
		note = fmt.Sprintf("Gave up after %d attempts (raise --retries to try longer).", attempts)
	default:
		return
	}
	if e.Hint != "" {
		e.Hint += "\n"
	}
	e.Hint += note
}
