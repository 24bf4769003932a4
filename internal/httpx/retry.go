package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

const (
	// MaxRetryAfter caps how long a Retry-After makes billctl wait: a
	// command line tool that sleeps for an hour looks hung.
	MaxRetryAfter = 60 * time.Second
	// backoffBase is the first backoff step; each retry doubles it.
	backoffBase = 500 * time.Millisecond
	// backoffMax caps one backoff step.
	backoffMax = 30 * time.Second
)

// Clock is time as the retry policy sees it.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryable decides whether an attempt's outcome may be retried, and says
// why (or why not) for the debug log.
func retryable(replay Replay, res *Response, err *Error) (string, bool) {
	if err != nil {
		switch {
		case err.final():
			return "", false
		case !err.Sent:
			return "the request did not reach the server", true
		case replay == Idempotent:
			return "the request is idempotent", true
		}
		return "the server may have acted on the request, and sending it again could act twice", false
	}
	switch res.Status {
	case http.StatusTooManyRequests:
		return "rate limited; the server did not process the request", true
	case http.StatusServiceUnavailable:
		return "the server refused the request without processing it", true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		if replay == Idempotent {
			return "the request is idempotent", true
		}
		return "the server may have acted on the request, and sending it again could act twice", false
	}
	return "", false
}

// delay is the pause before the attempt after attempt n: the server's
// Retry-After when it gave one (capped), else exponential backoff with
// full jitter, so that many clients failing together do not come back
// together.
func (c *Client) delay(n int, res *Response) (time.Duration, string) {
	if res != nil {
		if d, ok := ParseRetryAfter(res.Header.Get("Retry-After"), c.clock.Now()); ok {
			if d > MaxRetryAfter {
				return MaxRetryAfter, fmt.Sprintf("Retry-After %s, capped", d.Round(time.Second))
			}
			return d, "Retry-After"
		}
	}
	step := backoffBase << min(n-1, 16)
	if step > backoffMax || step <= 0 {
		step = backoffMax
	}
	jitter := c.opts.Jitter
	if jitter == nil {
		jitter = func(max time.Duration) time.Duration { return rand.N(max) }
	}
	return jitter(step), "backoff"
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. A date in the past is no wait at all.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > 1<<32 {
			// Far beyond any cap; the bound keeps the product from overflowing.
			secs = 1 << 32
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// pause makes every request of c wait until t.
func (c *Client) pause(t time.Time) {
	c.pauseMu.Lock()
	defer c.pauseMu.Unlock()
	if t.After(c.pauseUntil) {
		c.pauseUntil = t
	}
}

// wait blocks until both the shared rate-limit pause and this request's
// own backoff are over; it fails when that is past the deadline or ctx
// ends first.
func (c *Client) wait(ctx context.Context, r Request, notBefore, deadline time.Time) *Error {
	for {
		c.pauseMu.Lock()
		until := c.pauseUntil
		c.pauseMu.Unlock()
		shared := until.After(notBefore)
		if !shared {
			until = notBefore
		}
		now := c.clock.Now()
		if !now.Before(until) {
			return nil
		}
		if !deadline.IsZero() && until.After(deadline) {
			return &Error{Method: r.Method, URL: c.opts.BaseURL + r.Path, Err: errRateLimited,
				msg: fmt.Sprintf("rate limited: the API asked to wait until %s, after the time allowed for this request", until.Format(time.TimeOnly))}
		}
		if shared {
			c.debugf("* %s %s: waiting %s: the API rate-limited this run (429)\n", r.Method, r.Path, until.Sub(now).Round(time.Millisecond))
		}
		if err := c.clock.Sleep(ctx, until.Sub(now)); err != nil {
			return &Error{Method: r.Method, URL: c.opts.BaseURL + r.Path, Err: err, msg: "interrupted"}
		}
		// Loop: another request may have met a 429 meanwhile.
	}
}

var errRateLimited = errors.New("rate limited")

// Error is a request that got no usable answer.
type Error struct {
	Method string
	URL    string
	// Status is the answer's status when its headers arrived but its body
	// could not be read (too large, too slow, cut off); 0 otherwise.
	Status int
	// Sent reports that the request reached the server in full and no
	// answer said it was turned away (429, 503, a redirect): the server
	// may have acted on it.
	Sent bool
	// MaybeSent: some attempt, this one or an earlier, may have been
	// acted on (it reached the server, or a gateway answered 502 or 504
	// for it), even when the last one could not connect. A caller that
	// tells the user what may exist looks at this, not at Sent alone.
	MaybeSent bool
	// Attempts is how many times the request was sent.
	Attempts int
	Err      error

	limit time.Duration
	left  bool // limit is what was left of the budget, less than Timeout
	msg   string
	cause string
	// streamed: the body was being handed to Request.Stream, which may
	// already have passed part of it on; sending again would repeat it.
	streamed bool
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d %s: ", e.Status, http.StatusText(e.Status))
	}
	b.WriteString(e.msg)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Unreachable reports that no attempt reached the server: the last could
// not connect and none before may have been acted on.
func (e *Error) Unreachable() bool {
	var op *net.OpError
	return !e.Sent && !e.MaybeSent && errors.As(e.Err, &op) && op.Op == "dial"
}

// Interrupted reports whether the request was cancelled (Ctrl-C).
func (e *Error) Interrupted() bool { return errors.Is(e.Err, context.Canceled) }

// Cause is a short account of the failure for messages about what it
// leaves unknown: "timeout after the request was sent".
func (e *Error) Cause() string {
	if e.cause != "" {
		return e.cause
	}
	return e.msg
}

// refused is an error of a transport that decided not to send (a
// --sandbox command that found no sandbox at its address): the same on
// every attempt, and worded by the transport.
type refused interface {
	error
	Refused() bool
}

func refusedBy(err error) (refused, bool) {
	var r refused
	return r, errors.As(err, &r) && r.Refused()
}

// final reports failures that no retry can fix.
func (e *Error) final() bool {
	var re *redirectError
	var ce *tls.CertificateVerificationError
	var dns *net.DNSError
	_, isRefused := refusedBy(e.Err)
	return e.streamed || isRefused || errors.Is(e.Err, resty.ErrResponseBodyTooLarge) ||
		errors.As(e.Err, &re) ||
		errors.As(e.Err, &ce) ||
		(errors.As(e.Err, &dns) && dns.IsNotFound) ||
		errors.Is(e.Err, context.Canceled) ||
		errors.Is(e.Err, errRateLimited)
}

// describe turns a transport error into words a user can act on.
func (e *Error) describe() {
	var re *redirectError
	var dns *net.DNSError
	var op *net.OpError
	var ce *tls.CertificateVerificationError
	sent := "before the request was sent"
	if e.Sent {
		sent = "after the request was sent"
	}
	r, isRefused := refusedBy(e.Err)
	switch {
	case isRefused:
		e.msg = r.Error()
		e.cause = "nothing was sent"
	case errors.Is(e.Err, resty.ErrResponseBodyTooLarge):
		e.msg = fmt.Sprintf("the response body is larger than %d MiB, the most billctl reads: is the base URL right?", MaxBody>>20)
		e.cause = fmt.Sprintf("the %d answer's body was larger than %d MiB", e.Status, MaxBody>>20)
	case errors.As(e.Err, &re):
		e.msg = re.Error()
	case errors.Is(e.Err, context.Canceled):
		e.msg = "interrupted " + sent
	case IsTimeout(e.Err) && e.Status != 0:
		e.msg = fmt.Sprintf("the response body did not arrive in full within %s (--timeout)", e.limit.Round(time.Millisecond))
		e.cause = fmt.Sprintf("the %d answer's body did not arrive in time", e.Status)
	case IsTimeout(e.Err):
		e.msg = fmt.Sprintf("no answer within %s (--timeout)", e.limit.Round(time.Millisecond))
		if e.left {
			e.msg = fmt.Sprintf("no answer within %s (what was left of the time allowed for all attempts, --timeout × (--retries+1))", e.limit.Round(time.Millisecond))
		}
		e.cause = "timeout " + sent
	case errors.As(e.Err, &ce):
		e.msg = "the server's TLS certificate was refused: " + ce.Err.Error()
	case errors.As(e.Err, &dns):
		e.msg = "cannot resolve " + dns.Name + ": " + dns.Err
	case errors.As(e.Err, &op) && op.Op == "dial":
		e.msg = "cannot connect: " + innermost(op.Err)
		e.cause = "could not connect"
	case e.Status != 0:
		e.msg = "the response body was cut off: " + innermost(e.Err)
		if errors.Is(e.Err, io.ErrUnexpectedEOF) || errors.Is(e.Err, io.EOF) {
			e.msg = "the response body was cut off: the server closed the connection before its end"
		}
		e.cause = fmt.Sprintf("the %d answer's body was cut off", e.Status)
	case errors.Is(e.Err, io.EOF) || errors.Is(e.Err, io.ErrUnexpectedEOF):
		e.msg = "the server closed the connection " + sent + ", without an answer"
		e.cause = "connection closed " + sent
	default:
		e.msg = "the connection failed " + sent + ": " + innermost(e.Err)
		e.cause = "connection failed " + sent
	}
}

// innermost strips the layers (*url.Error, *net.OpError) that repeat the
// method, URL and addresses already in the message.
func innermost(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}
