package request

import (
	"strconv"
	"strings"
	"unicode"
)

// IDProblem says why id could not be an ID, or "" when it could be one.
// IDs end up in URL paths (and are looked up there by the server), where
// "/", "?", "#" or ".." would address another resource and a control
// character has no business. Fields tagged `bill:"id"` and IDs given as
// arguments are both checked with it.
func IDProblem(id string) string {
	switch {
	case id == "":
		return "is empty"
	case strings.ContainsAny(id, "/?#"):
		return "is not an ID: it holds " + strconv.Quote(string(id[strings.IndexAny(id, "/?#")]))
	case strings.Contains(id, ".."):
		return `is not an ID: it holds ".."`
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return "is not an ID: it holds a control character"
		}
	}
	return ""
}
