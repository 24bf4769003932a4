// Package httpx is the HTTP layer both providers share: authentication,
// identification, time limits, size limits and a debug log that never
// shows a secret.
package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

// MaxBody caps how much of a response is read: a checkout session is a few
// kilobytes, and a misbehaving server must not exhaust memory.
const MaxBody = 1 << 20

// Options configure a Client.
type Options struct {
	BaseURL   string
	Token     string
	UserAgent string
	Timeout   time.Duration
	Retries   int
	// Debug receives the request/response log; nil turns it off.
	Debug io.Writer
	// Transport replaces the network (tests).
	Transport http.RoundTripper
}

// Client sends requests to one API.
type Client struct {
	r    *resty.Client
	opts Options
}

// Response is an API answer, body read (up to MaxBody).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// New builds a Client.
func New(o Options) *Client {
	r := resty.New().
		SetBaseURL(o.BaseURL).
		SetTimeout(o.Timeout).
		SetHeader("User-Agent", o.UserAgent).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(MaxBody)
	if o.Transport != nil {
		r.SetTransport(o.Transport)
	}
	if o.Token != "" {
		r.SetAuthToken(o.Token)
	}
	c := &Client{r: r, opts: o}
	if o.Debug != nil {
		r.OnBeforeRequest(c.logRequest)
		r.OnAfterResponse(c.logResponse)
	}
	return c
}

// Do sends one request. body may be nil; headers are added to it.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, headers map[string]string) (*Response, error) {
	req := c.r.R().SetContext(ctx).SetHeaders(headers)
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	res, err := req.Execute(method, path)
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode(), Header: res.Header(), Body: res.Body()}, nil
}

// Redact replaces the token wherever it appears in s.
func (c *Client) Redact(s string) string {
	if c.opts.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.opts.Token, "[REDACTED]")
}

func (c *Client) logRequest(_ *resty.Client, r *resty.Request) error {
	w := c.opts.Debug
	fmt.Fprintf(w, "> %s %s%s\n", r.Method, c.opts.BaseURL, r.URL)
	for k, vs := range r.Header {
		for _, v := range vs {
			fmt.Fprintf(w, "> %s: %s\n", k, c.Redact(RedactHeader(k, v)))
		}
	}
	if b, ok := r.Body.([]byte); ok {
		fmt.Fprintf(w, ">\n%s\n", c.Redact(string(b)))
	}
	return nil
}

func (c *Client) logResponse(_ *resty.Client, r *resty.Response) error {
	w := c.opts.Debug
	fmt.Fprintf(w, "< %s (%s)\n", r.Status(), r.Time().Round(time.Millisecond))
	for k, vs := range r.Header() {
		for _, v := range vs {
			fmt.Fprintf(w, "< %s: %s\n", k, c.Redact(RedactHeader(k, v)))
		}
	}
	fmt.Fprintf(w, "<\n%s\n", c.Redact(string(r.Body())))
	return nil
}

// RedactHeader hides credentials carried in headers.
func RedactHeader(name, value string) string {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " [REDACTED]"
		}
		return "[REDACTED]"
	}
	return value
}

// IsTimeout reports whether err is a time limit running out.
func IsTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
