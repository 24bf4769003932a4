// Package httpx is the HTTP layer both providers share: authentication,
// identification, time limits, size limits, retries that never repeat a
// request the server may have acted on unless it is safe to, and a debug
// log that never shows a secret.
package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/billctl/billctl/internal/safetext"
)

// MaxBody caps how much of a response is read: a checkout session is a few
// kilobytes, and a misbehaving server must not exhaust memory.
const MaxBody = 1 << 20

// maxRedirects bounds same-host redirects; an API has no reason for more.
const maxRedirects = 5

// Options configure a Client.
type Options struct {
	BaseURL   string
	Token     string
	UserAgent string
	// Timeout limits each attempt, reading the body included, so a body
	// that trickles in fails like a server that does not answer. All
	// attempts of one request, and the pauses between them, share a
	// budget of Timeout × (Retries+1). Zero means no limit.
	Timeout time.Duration
	// Retries counts the attempts after the first; see Replay for which
	// failures are retried.
	Retries int
	// Debug receives the request/response log; nil turns it off.
	Debug io.Writer
	// Notes receives what the user should know even without --debug
	// (a session adopted after an unclear failure); nil discards it.
	Notes io.Writer
	// Transport replaces the network (tests).
	Transport http.RoundTripper
	// Pool is how many connections to the host are kept open between
	// requests: the requests in flight at once (a batch's --parallel).
	// Zero keeps net/http's default, enough for one request at a time.
	Pool int
	// NoRedirects: a 3xx is the answer, never followed (a webhook
	// delivery, whose receiver has no reason to send one elsewhere).
	NoRedirects bool
	// Clock replaces the wall clock of the retry policy (tests).
	Clock Clock
	// Jitter picks a pause in [0, max) for the backoff; nil is uniform
	// random (tests replace it).
	Jitter func(max time.Duration) time.Duration
}

// Client sends requests to one API. It is safe for concurrent use; the
// requests of one Client share a connection pool and a rate-limit pause.
type Client struct {
	r     *resty.Client
	opts  Options
	clock Clock
	// safe masks the token and escapes control characters in the debug
	// log, much of which is the server's text (notes are escaped too).
	safe *safetext.Filter

	logMu sync.Mutex

	// pauseUntil is when the API allows requests again after a 429: one
	// pause for every request of this Client, not one per goroutine,
	// since they all count against the same limit.
	pauseMu    sync.Mutex
	pauseUntil time.Time
}

// Response is an API answer, body read (up to MaxBody).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Attempts is how many times the request was sent.
	Attempts int
	// GaveUp says why a retryable answer was not retried again ("" when
	// it was not retryable or the retries ran out).
	GaveUp string
}

// Replay says whether a request may be sent again after a failure that
// leaves unknown whether the server acted on it.
type Replay int

const (
	// Idempotent requests have the effect of one however often they are
	// sent: every GET, and a create carrying an idempotency key that the
	// server honours. They are retried after 429, 502, 503, 504 and any
	// network failure.
	Idempotent Replay = iota
	// UnlessProcessed requests may create something each time they are
	// sent. They are retried only when the server provably did not act on
	// them: the connection could not be made, nothing was written, or it
	// answered 429 or 503. After anything else (a timeout or a reset once
	// the request was written, 500, 502, 504) the caller must find out
	// what happened itself.
	UnlessProcessed
)

func (r Replay) String() string {
	if r == Idempotent {
		return "idempotent"
	}
	return "retried only if not processed"
}

// Request is one call to the API.
type Request struct {
	Method string
	// Path is relative to the base URL, query included.
	Path   string
	Body   []byte
	Header map[string]string
	// Headers are added beside Header, every value of each (a header
	// given more than once).
	Headers http.Header
	Replay  Replay
	// Stream, when set, reads the body of a 2xx answer as it arrives,
	// instead of its being held whole (and capped at MaxBody); the
	// Response then has no Body. It runs within the attempt's time limit.
	// A failure while it reads is not retried: part of the body may
	// already have been passed on.
	Stream func(body io.Reader) error
}

// New builds a Client.
func New(o Options) *Client {
	r := resty.New().
		SetBaseURL(o.BaseURL).
		SetHeader("User-Agent", o.UserAgent).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(MaxBody).
		SetRetryCount(0).   // retries are ours: resty's do not know which requests are safe to repeat
		SetLogger(quiet{}). // stderr belongs to the command; what matters is in the errors
		SetRedirectPolicy(resty.RedirectPolicyFunc(sameOrigin))
	if o.NoRedirects {
		r.SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }))
	}
	switch {
	case o.Transport != nil:
		r.SetTransport(o.Transport)
	case o.Pool > 0:
		r.SetTransport(pooled(o.Pool))
	}
	if o.Token != "" {
		r.SetAuthToken(o.Token)
	}
	c := &Client{r: r, opts: o, clock: o.Clock, safe: safetext.New(o.Token)}
	if c.clock == nil {
		c.clock = realClock{}
	}
	r.SetPreRequestHook(c.beforeSend)
	if o.Debug != nil {
		r.OnAfterResponse(c.logResponse)
	}
	return c
}

// Do sends one request. body may be nil; headers are added to it. GET and
// HEAD are Idempotent, every other method UnlessProcessed: a caller that
// knows better uses Send.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, headers map[string]string) (*Response, error) {
	replay := UnlessProcessed
	if method == http.MethodGet || method == http.MethodHead {
		replay = Idempotent
	}
	return c.Send(ctx, Request{Method: method, Path: path, Body: body, Header: headers, Replay: replay})
}

// Send sends r, retrying as its Replay allows, at most Retries times and
// within the budget of Timeout × (Retries+1). A final answer of any
// status is a Response; an error is an *Error (no usable answer).
func (c *Client) Send(ctx context.Context, r Request) (*Response, error) {
	start := c.clock.Now()
	var deadline time.Time
	if n := time.Duration(c.opts.Retries + 1); c.opts.Timeout > 0 && n > 0 && c.opts.Timeout*n/n == c.opts.Timeout {
		deadline = start.Add(c.opts.Timeout * n)
	}
	attempts := c.opts.Retries + 1
	var notBefore time.Time
	// maybeSent survives the attempts: a later one that cannot connect
	// does not undo an earlier one that reached the server.
	maybeSent := false
	for attempt := 1; ; attempt++ {
		if err := c.wait(ctx, r, notBefore, deadline); err != nil {
			err.Attempts = attempt - 1
			err.MaybeSent = maybeSent
			return nil, err
		}
		c.debugf("* %s %s: attempt %d of %d (%s)\n", r.Method, r.Path, attempt, attempts, r.Replay)
		res, aerr := c.attempt(ctx, r, deadline)
		if res != nil {
			res.Attempts = attempt
		}
		if res != nil && res.Status >= 500 && res.Status != http.StatusServiceUnavailable {
			maybeSent = true
		}
		if aerr != nil {
			aerr.Attempts = attempt
			maybeSent = maybeSent || aerr.Sent
			aerr.MaybeSent = maybeSent
			if ctx.Err() != nil {
				// Ctrl-C: never retry, whatever the failure looked like.
				aerr.Err = ctx.Err()
				aerr.describe()
				return nil, aerr
			}
		}
		why, retry := retryable(r.Replay, res, aerr)
		if !retry {
			if why != "" {
				c.debugf("* %s: not retried: %s\n", failure(res, aerr), why)
			}
			return finish(res, aerr)
		}
		if attempt == attempts {
			c.debugf("* %s: giving up after %d attempt(s) (--retries %d)\n", failure(res, aerr), attempt, c.opts.Retries)
			return finish(res, aerr)
		}
		delay, source := c.delay(attempt, res)
		now := c.clock.Now()
		until := now.Add(delay)
		if !deadline.IsZero() && until.After(deadline) {
			note := fmt.Sprintf("the next attempt would start after the time allowed for all attempts (%s = --timeout × (--retries+1))", deadline.Sub(start).Round(time.Millisecond))
			c.debugf("* %s: giving up: %s\n", failure(res, aerr), note)
			if res != nil {
				res.GaveUp = note
			} else {
				aerr.msg += "; " + note
			}
			return finish(res, aerr)
		}
		if res != nil && res.Status == http.StatusTooManyRequests {
			c.pause(until)
			c.debugf("* %s: retrying in %s (%s); every request of this run waits\n", failure(res, aerr), delay.Round(time.Millisecond), source)
		} else {
			notBefore = until
			c.debugf("* %s: retrying in %s (%s): %s\n", failure(res, aerr), delay.Round(time.Millisecond), source, why)
		}
	}
}

func finish(res *Response, err *Error) (*Response, error) {
	if err != nil {
		return nil, err
	}
	return res, nil
}

// failure names what went wrong with an attempt, for the debug log.
func failure(res *Response, err *Error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d %s", res.Status, http.StatusText(res.Status))
}

// quiet is resty's logger, silenced.
type quiet struct{}

func (quiet) Errorf(string, ...any) {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Debugf(string, ...any) {}

// sending is what an attempt's hooks need to know about its request.
type sending struct {
	replay Replay
	body   []byte
}

type sendingKey struct{}

// beforeSend sees the request as it goes out, every header set.
//
// It also stops net/http from resending a request on its own: the
// transport replays a POST that carries an Idempotency-Key when a reused
// connection fails, which is right for an API that replays keys and
// creates a second session on one whose server ignores the key. Without
// GetBody the transport cannot rewind the body, so it never resends it.
func (c *Client) beforeSend(_ *resty.Client, req *http.Request) error {
	s, _ := req.Context().Value(sendingKey{}).(*sending)
	if s == nil {
		return nil
	}
	if s.replay == UnlessProcessed {
		req.GetBody = nil
	}
	if c.opts.Debug != nil {
		c.logRequest(req, s.body)
	}
	return nil
}

// sameOrigin follows a redirect only to the scheme, host and port the
// request went to. net/http keeps the Authorization header for the same
// host name even on another port, and for its subdomains; and a 307
// resends the body, so a create could land on a server nobody configured.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &redirectError{to: req.URL, msg: fmt.Sprintf("stopped after %d redirects", maxRedirects)}
	}
	if !sameHost(req.URL, via[0].URL) {
		return &redirectError{to: req.URL, msg: crossHost(req.URL)}
	}
	return nil
}

func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

func crossHost(to *url.URL) string {
	return "the server redirected to " + redactURL(to) + ", another host; billctl does not follow it, so that the token and the request stay with the API's host: check --base-url"
}

type redirectError struct {
	to  *url.URL
	msg string
}

func (e *redirectError) Error() string { return e.msg }

func redactURL(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment = "", ""
	return v.Redacted()
}

// attempt sends r once, within the per-attempt time limit.
func (c *Client) attempt(ctx context.Context, r Request, deadline time.Time) (*Response, *Error) {
	limit := c.opts.Timeout
	if !deadline.IsZero() {
		if left := deadline.Sub(c.clock.Now()); left < limit {
			limit = left
		}
	}
	actx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	actx = context.WithValue(actx, sendingKey{}, &sending{replay: r.Replay, body: r.Body})
	req := c.r.R().SetContext(actx).SetHeaders(r.Header)
	for k, vs := range r.Headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.Body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(r.Body)
	}
	if r.Stream != nil {
		req.SetDoNotParseResponse(true)
	}
	res, err := req.Execute(r.Method, r.Path)
	if r.Stream != nil && res != nil && res.RawBody() != nil {
		defer res.RawBody().Close()
	}
	if err == nil && !c.opts.NoRedirects && isRedirect(res.StatusCode()) && res.Header().Get("Location") != "" {
		// A redirect that was not followed: a request whose body cannot
		// be sent twice stops at the first one.
		err = &redirectError{msg: "the server redirected to " + location(res) + "; billctl does not follow redirects of a create: check --base-url"}
		if to, perr := res.RawResponse.Request.URL.Parse(res.Header().Get("Location")); perr == nil && !sameHost(to, res.RawResponse.Request.URL) {
			err = &redirectError{to: to, msg: crossHost(to)}
		}
	}
	if err == nil && r.Stream != nil {
		return c.stream(actx, r, res, limit)
	}
	if err == nil {
		return &Response{Status: res.StatusCode(), Header: res.Header(), Body: res.Body()}, nil
	}
	e := &Error{Method: r.Method, URL: c.opts.BaseURL + r.Path, Sent: wrote.Load(), Err: err, limit: limit, left: limit < c.opts.Timeout}
	if res != nil && res.RawResponse != nil {
		// The headers arrived; the body could not be read.
		e.Status = res.StatusCode()
		e.Sent = true
	}
	var re *redirectError
	if errors.As(err, &re) {
		// A redirect says "not here": the server did not act on it.
		e.Sent = false
	}
	e.describe()
	return nil, e
}

// stream hands the body of a 2xx answer to r.Stream; any other answer is
// read whole, capped at MaxBody, as usual.
func (c *Client) stream(ctx context.Context, r Request, res *resty.Response, limit time.Duration) (*Response, *Error) {
	out := &Response{Status: res.StatusCode(), Header: res.Header()}
	raw := res.RawBody()
	if raw == nil {
		raw = http.NoBody
	}
	if out.Status < 200 || out.Status > 299 {
		b, err := io.ReadAll(io.LimitReader(raw, MaxBody))
		if err != nil {
			e := &Error{Method: r.Method, URL: c.opts.BaseURL + r.Path, Sent: true, Status: out.Status, Err: err, limit: limit, left: limit < c.opts.Timeout}
			e.describe()
			return nil, e
		}
		out.Body = b
		return out, nil
	}
	c.debugf("* %d %s: body read as a stream\n", out.Status, http.StatusText(out.Status))
	if err := r.Stream(raw); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		e := &Error{Method: r.Method, URL: c.opts.BaseURL + r.Path, Sent: true, Status: out.Status, Err: err, limit: limit, left: limit < c.opts.Timeout, streamed: true}
		e.describe()
		return nil, e
	}
	return out, nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

func location(res *resty.Response) string {
	to, err := res.RawResponse.Request.URL.Parse(res.Header().Get("Location"))
	if err != nil {
		return fmt.Sprintf("%q", res.Header().Get("Location"))
	}
	return redactURL(to)
}

// Notef tells the user something worth knowing without --debug.
func (c *Client) Notef(format string, args ...any) {
	if c.opts.Notes == nil {
		return
	}
	c.write(c.opts.Notes, safetext.Text(fmt.Sprintf(format, args...)))
}

// Now is the time as the Client sees it.
func (c *Client) Now() time.Time { return c.clock.Now() }

func (c *Client) debugf(format string, args ...any) {
	if c.opts.Debug == nil {
		return
	}
	c.write(c.opts.Debug, c.safe.Text(fmt.Sprintf(format, args...)))
}

// write keeps each block whole when several requests log at once.
func (c *Client) write(w io.Writer, s string) {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	io.WriteString(w, s)
}

// maxLoggedBody keeps a huge or binary answer from flooding the log.
const maxLoggedBody = 8 << 10

func (c *Client) logRequest(r *http.Request, body []byte) {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", r.Method, r.URL.Redacted())
	for _, k := range sortedKeys(r.Header) {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "> %s: %s\n", k, RedactHeader(k, v))
		}
	}
	if body != nil {
		fmt.Fprintf(&b, ">\n%s\n", logBody(body))
	}
	c.write(c.opts.Debug, c.safe.Text(b.String()))
}

func (c *Client) logResponse(_ *resty.Client, r *resty.Response) error {
	var b strings.Builder
	fmt.Fprintf(&b, "< %s (%s)\n", r.Status(), r.Time().Round(time.Millisecond))
	for _, k := range sortedKeys(r.Header()) {
		for _, v := range r.Header()[k] {
			fmt.Fprintf(&b, "< %s: %s\n", k, RedactHeader(k, v))
		}
	}
	fmt.Fprintf(&b, "<\n%s\n", logBody(r.Body()))
	c.write(c.opts.Debug, c.safe.Text(b.String()))
	return nil
}

func logBody(b []byte) string {
	if len(b) <= maxLoggedBody {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d more bytes)", b[:maxLoggedBody], len(b)-maxLoggedBody)
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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

// pooled is the network with n idle connections kept per host, so that n
// requests in flight reuse theirs instead of each dialling anew. net/http
// keeps two by default; below that the default transport serves.
func pooled(n int) http.RoundTripper {
	if n <= http.DefaultMaxIdleConnsPerHost {
		return http.DefaultTransport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = n
	t.MaxIdleConns = max(t.MaxIdleConns, n)
	return t
}
