package provider

import (
	"net/url"

	"github.com/billctl/billctl/internal/request"
)

// CheckID refuses an ID that could not be one (see request.IDProblem).
// what names the ID in the message.
func CheckID(what, id string) error {
	switch p := request.IDProblem(id); {
	case p == "":
		return nil
	case id == "":
		return UsageErrorf("%s %s", what, p)
	default:
		return UsageErrorf("%s %q %s", what, id, p)
	}
}

// IDPath is id as one segment of a URL path, after CheckID: escaped, so
// that whatever it holds stays inside its segment.
func IDPath(what, id string) (string, error) {
	if err := CheckID(what, id); err != nil {
		return "", err
	}
	return url.PathEscape(id), nil
}
