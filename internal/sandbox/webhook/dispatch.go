package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	neturl "net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/loopback"
)

// DefaultBackoff is the wait before each retry after a failed attempt;
// after the last one the message is given up. Meteroid's deliveries
// (through Svix) wait 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; a sandbox
// user is fixing a receiver on the same machine, so the first retries come
// sooner, and the whole schedule still spans hours.
var DefaultBackoff = []time.Duration{
	1 * time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute,
	10 * time.Minute, 30 * time.Minute, 1 * time.Hour, 2 * time.Hour,
}

// Options configure a Dispatcher.
type Options struct {
	Outbox Outbox
	// URL receives every message (see CheckURL).
	URL    string
	Secret Secret
	// SecretOf, when set, is read before each attempt instead of Secret:
	// the database's secret, which `sandbox reset --secret` may change.
	SecretOf func(context.Context) (Secret, error)
	// Client sends the requests. Default: a 15 s timeout (as Svix's) and no
	// redirects followed: a 3xx is a failed attempt.
	Client *httpx.Client
	// Backoff is the wait before each retry. Default DefaultBackoff.
	Backoff []time.Duration
	// Poll is how often the outbox is read when nothing calls Notify,
	// for messages queued by another process. Default 1 s.
	Poll time.Duration
	// Lease is how long a claimed message is left alone before it is tried
	// again (when the process died mid-delivery). Default 1 min; longer than
	// the client's timeout.
	Lease time.Duration
	// Log receives one line per attempt: the message, the URL, the answer.
	// Default slog.Default().
	Log *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// StopGrace is how long, once Run's context ends, the attempt under
	// way may still take; past it, it is cut off and left for the next
	// start. Default 5 s.
	StopGrace time.Duration
}

// Dispatcher delivers the outbox's messages to one URL.
type Dispatcher struct {
	o    Options
	wake chan struct{}
}

// NewDispatcher returns a dispatcher; Run starts it.
func NewDispatcher(o Options) *Dispatcher {
	if o.Client == nil {
		o.Client = NewClient()
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 5 * time.Second
	}
	return &Dispatcher{o: o, wake: make(chan struct{}, 1)}
}

// CheckURL accepts an absolute http(s) URL; plain http only to loopback,
// as for every other URL billctl talks to.
func CheckURL(raw string) error {
	u, err := neturl.Parse(raw)
	if err != nil {
		return err
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return fmt.Errorf("%q: plain http:// is only for loopback hosts; use https://", raw)
	}
	return nil
}

// ForwardURL reads the URL an integrator forwards events to, as `stripe
// listen --forward-to` reads one: written without a scheme, as in
// "localhost:3000/hooks" or ":3000/hooks", it is plain http:// to a
// loopback host (localhost when none is named). It returns the URL in
// full, checked as CheckURL checks one.
func ForwardURL(raw string) (string, error) {
	s := raw
	if !strings.Contains(s, "://") && s != "" && !strings.HasPrefix(s, "/") {
		if strings.HasPrefix(s, ":") {
			s = "localhost" + s
		}
		s = "http://" + s
		if u, err := neturl.Parse(s); err == nil && u.Host != "" && !loopback.Host(u.Hostname()) {
			return "", fmt.Errorf("%q names no scheme: write https://%s (plain http:// is only for loopback hosts)", raw, raw)
		}
	}
	if err := CheckURL(s); err != nil {
		if s != raw {
			return "", fmt.Errorf("%q: %w", raw, err)
		}
		return "", err
	}
	return s, nil
}

// Notify wakes the dispatcher: a message was just queued. It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers messages as they fall due, until ctx is done. A failing
// outbox is logged and tried again at the next poll. An attempt under way
// when ctx ends is finished and recorded before Run returns, if it ends
// within StopGrace (cut off, the receiver may have acted on a request
// whose answer nobody records); the messages claimed but not yet tried,
// and an attempt cut off, are handed back to the outbox, due at once, so
// the next start sends them without waiting for their lease.
func (d *Dispatcher) Run(ctx context.Context) {
	work, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(d.o.StopGrace, cut) })
	defer stop()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
		for {
			n, err := d.deliverDue(work, ctx)
			if err != nil && ctx.Err() == nil {
				d.o.Log.Error("webhook outbox", "error", err)
			}
			if n == 0 || err != nil || ctx.Err() != nil {
				break
			}
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(d.o.Poll)
	}
}

// claimBatch bounds one pass, so a long queue is taken in turns.
const claimBatch = 16

// DeliverDue makes one attempt at each message due now (at most one batch)
// and records the outcomes. It returns how many it attempted.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	return d.deliverDue(ctx, context.Background())
}

// deliverDue is DeliverDue that stops starting attempts once stop ends,
// and hands back what it claimed and did not finish (see Run).
func (d *Dispatcher) deliverDue(ctx, stop context.Context) (int, error) {
	due, err := d.o.Outbox.Claim(ctx, d.o.Now(), d.o.Lease, claimBatch)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	for i, m := range due {
		if stop.Err() != nil {
			return i, d.release(due[i:])
		}
		r := d.attempt(ctx, m)
		if r.State != Delivered && ctx.Err() != nil {
			// Cut off by the stop, not refused by the receiver.
			return i, d.release(due[i:])
		}
		if err := d.o.Outbox.Attempted(ctx, m.ID, r); err != nil {
			return len(due), fmt.Errorf("record %s: %w", m.ID, err)
		}
	}
	return len(due), nil
}

// Releaser is an Outbox that can hand back claimed messages before their
// lease ends.
type Releaser interface {
	// Release makes the undelivered messages ids due at now again.
	Release(ctx context.Context, ids []string, now time.Time) error
}

// release hands ms back to the outbox, due now, when it can take them;
// otherwise their lease brings them back.
func (d *Dispatcher) release(ms []Delivery) error {
	r, ok := d.o.Outbox.(Releaser)
	if !ok || len(ms) == 0 {
		return nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Release(ctx, ids, d.o.Now()); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	d.o.Log.Info("webhooks kept for the next start", "count", len(ids))
	return nil
}

// attempt sends m once, logs it and says what follows.
func (d *Dispatcher) attempt(ctx context.Context, m Delivery) Result {
	at := d.o.Now()
	r := Result{Attempts: m.Attempts + 1, At: at}
	start := time.Now()
	r.Status, r.Error = d.send(ctx, m.Message, at)
	took := time.Since(start).Round(time.Millisecond)

	log := d.o.Log.With("id", m.ID, "type", m.EventType)
	if m.SessionID != "" {
		log = log.With("session", m.SessionID)
	}
	log = log.With("url", d.o.URL, "attempt", r.Attempts)
	if r.Error == "" {
		r.State = Delivered
		log.Info("webhook delivered", "status", r.Status, "took", took)
		return r
	}
	if retry := r.Attempts - 1; retry < len(d.o.Backoff) {
		r.State = Pending
		r.Next = at.Add(d.o.Backoff[retry])
		log.Warn("webhook failed", "status", r.Status, "error", r.Error, "took", took, "retry_at", r.Next.UTC().Format(time.RFC3339))
		return r
	}
	r.State = Failed
	log.Error("webhook failed; giving up", "status", r.Status, "error", r.Error, "took", took)
	return r
}

// send posts m once; it returns the status (0 if none) and, unless the
// answer is 2xx, why the attempt failed.
func (d *Dispatcher) send(ctx context.Context, m Message, at time.Time) (int, string) {
	key := d.o.Secret
	if d.o.SecretOf != nil {
		k, err := d.o.SecretOf(ctx)
		if err != nil {
			return 0, "reading the signing secret: " + err.Error()
		}
		key = k
	}
	return Post(ctx, d.o.Client, d.o.URL, key, m, nil, at)
}

// NewClient is the client deliveries are sent with, on the one HTTP
// stack (httpx): a 15 s timeout (as Svix's), no retries of its own (the
// outbox retries on its schedule) and no redirects followed, so a 3xx is
// a failed attempt.
func NewClient() *httpx.Client {
	return httpx.New(httpx.Options{
		UserAgent:   "billctl-sandbox-webhooks",
		Timeout:     15 * time.Second,
		NoRedirects: true,
	})
}

// Post makes one attempt at delivering m to url, signed with key at time
// at, with the extra headers (a listener's -H) beside the signature's. It
// returns the status (0 if none) and, unless the answer is 2xx, why the
// attempt failed: the network error, or the status and the start of the
// answer, on one line.
func Post(ctx context.Context, client *httpx.Client, url string, key Secret, m Message, extra http.Header, at time.Time) (int, string) {
	hdr := extra.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	key.Header(hdr, m.ID, at, m.Payload)
	// A 2xx answer's body is not wanted: read a little of it, so that
	// the connection can be reused, and let the rest go.
	drain := func(body io.Reader) error {
		_, err := io.Copy(io.Discard, io.LimitReader(body, 64<<10))
		return err
	}
	res, err := client.Send(ctx, httpx.Request{Method: http.MethodPost, Path: url, Body: m.Payload, Headers: hdr, Replay: httpx.UnlessProcessed, Stream: drain})
	if err != nil {
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			return 0, uerr.Err.Error() // the URL is logged beside it already
		}
		var he *httpx.Error
		if errors.As(err, &he) && he.Err != nil {
			return 0, he.Err.Error()
		}
		return 0, err.Error()
	}
	if res.Status >= 200 && res.Status < 300 {
		return res.Status, ""
	}
	msg := fmt.Sprintf("%d %s", res.Status, http.StatusText(res.Status))
	if s := excerpt(res.Body[:min(len(res.Body), 512)], 200); s != "" {
		msg += ": " + s
	}
	return res.Status, msg
}

// excerpt is the start of a receiver's answer, for the log: valid UTF-8,
// on one line, at most about n bytes. The log handler quotes what it must.
func excerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
