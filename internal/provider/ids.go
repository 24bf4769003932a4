package provider

import (
	"net/url"
	"strings"
	"unicode"
)

// CheckID refuses an ID that could not be one: it goes into a URL path,
// where "/", "?", "#" or ".." would address another resource and a control
// character has no business. what names the ID in the message.
func CheckID(what, id string) error {
	switch {
	case id == "":
		return UsageErrorf("%s is empty", what)
	case strings.ContainsAny(id, "/?#"):
		return UsageErrorf("%s %q is not an ID: it holds %q", what, id, string(id[strings.IndexAny(id, "/?#")]))
	case strings.Contains(id, ".."):
		return UsageErrorf("%s %q is not an ID: it holds \"..\"", what, id)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return UsageErrorf("%s %q is not an ID: it holds a control character", what, id)
		}
	}
	return nil
}

// IDPath is id as one segment of a URL path, after CheckID: escaped, so
// that whatever it holds stays inside its segment.
func IDPath(what, id string) (string, error) {
	if err := CheckID(what, id); err != nil {
		return "", err
	}
	return url.PathEscape(id), nil
}
