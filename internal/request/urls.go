package request

import (
	"net/url"
	"unicode"
)

// URLProblem says why s is not an absolute http or https URL with a host,
// or "" when it is one. The pages a provider sends the customer to after
// a checkout (Meteroid's success_url and cancel_url) must be such URLs.
func URLProblem(s string) string {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "is not a URL: it holds a space or a control character"
		}
	}
	u, err := url.Parse(s)
	switch {
	case s == "":
		return "is empty: an absolute http(s) URL is expected"
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "is not an absolute http(s) URL (e.g. https://example.com/done)"
	case u.Host == "" || u.Hostname() == "":
		return "has no host: an absolute http(s) URL is expected"
	case u.User != nil:
		return "must not hold a user name or password"
	}
	return ""
}
