package request

import (
	"strconv"
	"strings"
	"sync"
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

// ID forms are the shapes an API gives the IDs of one kind, registered by
// the provider's package (Meteroid's plv_… in base62, or a UUID): a field
// tagged `bill:"id=FORM"` is checked against its form after IDProblem,
// so that an ID the server could not even parse is refused with its file
// and line rather than sent.
var (
	formsMu sync.RWMutex
	forms   = map[string]func(string) string{}
)

// RegisterIDForm registers the check of the ID form named form: it says
// why id is not of that form ("is not a plan version ID: …"), or "".
func RegisterIDForm(form string, check func(id string) string) {
	formsMu.Lock()
	defer formsMu.Unlock()
	forms[form] = check
}

func idForm(form string) func(string) string {
	formsMu.RLock()
	defer formsMu.RUnlock()
	return forms[form]
}
