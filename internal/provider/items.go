package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/safetext"
)

// LookupBody sends one completion lookup through h and returns the body of
// a 2xx answer; anything else is a *StatusError.
func LookupBody(ctx context.Context, h *httpx.Client, method, path string, body []byte) ([]byte, error) {
	var headers map[string]string
	if body != nil {
		headers = map[string]string{"Content-Type": "application/json"}
	}
	// A lookup changes nothing: it may be sent again whatever the method.
	res, err := h.Send(ctx, httpx.Request{Method: method, Path: path, Body: body, Header: headers, Replay: httpx.Idempotent})
	if err != nil {
		return nil, err
	}
	if res.Status < 200 || res.Status > 299 {
		return nil, &StatusError{Status: res.Status}
	}
	return res.Body, nil
}

// StatusError is a lookup answered with a status other than 2xx.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d", e.Status) }

// AddItem appends an item whose ID can stand as one shell word;
// descriptions are made single-line, since a tab or a newline would break
// the list the shell reads. The shell shows them in its menu, so the API's
// control characters are escaped there, and an ID holding one (which no one
// could type, and which the terminal would obey) is left out.
func AddItem(out []Item, id, desc, status string) []Item {
	if id == "" || strings.ContainsAny(id, " \t\r\n") || safetext.Line(id) != id {
		return out
	}
	return append(out, Item{ID: id, Description: safetext.Line(strings.Join(strings.Fields(desc), " ")), Status: safetext.Line(status)})
}

// Describe joins the parts that are there: "Acme Corp, alias acme".
func Describe(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// Deref is *p, or "" for nil.
func Deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
