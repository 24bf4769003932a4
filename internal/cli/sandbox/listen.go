package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/safetext"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/webhook"
)

// listenPoll is how often a listener reads the database for new events:
// they are written by whichever process paid (a server, a --sandbox
// command), so the database is the one place they all meet.
var listenPoll = 100 * time.Millisecond

type listenOptions struct {
	data      dataFlags
	forwardTo string
	events    []string
	headers   []string
	// Ready, when set, is called once the listener reads the database (tests).
	ready func()
}

func newCmdListen(f *cmdutil.Factory) *cobra.Command {
	o := &listenOptions{}
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Print each event as it happens; with --forward-to, deliver it signed to your app",
		Long: strings.TrimSpace(`
Print one line per event the sandbox emits (time, type, event ID, session,
subscription), whether the session was paid on a sandbox serve's page, with
sandbox pay, or by a --sandbox command: events are kept in the sandbox's
database, and listen reads them there. -o json prints each event's whole
envelope on one line.

With --forward-to URL each event is POSTed to URL, signed as Standard
Webhooks sign (webhook-id, webhook-timestamp, webhook-signature), and the
answer is printed ("→ 204 in 12 ms"). A loopback URL may leave out its
scheme: localhost:3000/hooks is http://localhost:3000/hooks. A failed delivery is retried with
the outbox's backoff while listen runs. The signing secret is printed on
stderr when listen is ready; it is kept in the database and stays the same
until sandbox reset --secret changes it. Several listeners may run at once.`),
		Example: cmdutil.Example(`
  # Forward every event to your app
  billctl sandbox listen --forward-to localhost:3000/hooks

  # Only subscriptions, as JSON lines for jq
  billctl sandbox listen --events subscription.created -o json | jq .subscription_id`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.forwardTo != "" {
				u, err := webhook.ForwardURL(o.forwardTo)
				if err != nil {
					return cmdutil.FlagErrorf("--forward-to: %v", err)
				}
				o.forwardTo = u
			}
			hdr, err := parseHeaders(o.headers)
			if err != nil {
				return err
			}
			if len(o.headers) > 0 && o.forwardTo == "" {
				return cmdutil.FlagErrorf("-H needs --forward-to")
			}
			asJSON, err := jsonOutput(f)
			if err != nil {
				return err
			}
			return listenRun(f, o, hdr, asJSON)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.forwardTo, "forward-to", "", "POST each event to this URL, signed (http:// only to loopback)")
	fs.StringSliceVar(&o.events, "events", nil, "only these event types (comma-separated), e.g. subscription.created,invoice.paid")
	fs.StringArrayVarP(&o.headers, "header", "H", nil, "add this header to each forwarded request ('K: V'; repeatable)")
	o.data.add(fs, false)
	return cmd
}

// parseHeaders reads -H 'K: V' values.
func parseHeaders(raw []string) (http.Header, error) {
	h := http.Header{}
	for _, r := range raw {
		k, v, ok := strings.Cut(r, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, cmdutil.FlagErrorf("-H %q: a header is 'Name: value'", r)
		}
		if strings.HasPrefix(strings.ToLower(k), "webhook-") {
			return nil, cmdutil.FlagErrorf("-H %q: the webhook-* headers are the signature's", r)
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

// jsonOutput reads -o for the sandbox's own listings: table (the default)
// or json.
func jsonOutput(f *cmdutil.Factory) (bool, error) {
	if f.Flags == nil {
		return false, nil
	}
	fl := f.Flags.Lookup("output")
	if fl == nil || !fl.Changed {
		return false, nil
	}
	switch fl.Value.String() {
	case "table":
		return false, nil
	case "json":
		return true, nil
	}
	return false, cmdutil.FlagErrorf("-o %s: use table or json", fl.Value.String())
}

func listenRun(f *cmdutil.Factory, o *listenOptions, hdr http.Header, asJSON bool) error {
	ctx := f.Context
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := o.data.open(ctx, f.Getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, err := st.SigningSecret(ctx)
	if err != nil {
		return err
	}
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		return fmt.Errorf("sandbox: the database's signing secret: %w (sandbox reset --secret makes a new one)", err)
	}
	last, err := st.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	since := time.Now()
	l := &listener{st: st, out: f.IO.Out, errw: f.IO.Err, json: asJSON, types: o.events, url: o.forwardTo, header: hdr, key: key,
		client: webhook.NewClient(), backoff: webhook.DefaultBackoff, seenSilent: map[string]bool{}}
	fmt.Fprintf(f.IO.Err, "Ready. Signing secret: %s\n", secret)
	to := ""
	if o.forwardTo != "" {
		to = ", forwarding to " + o.forwardTo
	}
	fmt.Fprintf(f.IO.Err, "Listening for events in %s%s. Ctrl-C stops.\n", where(st), to)
	if o.ready != nil {
		o.ready()
	}
	t := time.NewTicker(listenPoll)
	defer t.Stop()
	for {
		evs, err := st.Events(ctx, sandbox.EventFilter{After: last, Limit: 256})
		if err != nil && ctx.Err() == nil {
			return err
		}
		for _, e := range evs {
			last = e.Seq
			l.handle(ctx, e)
		}
		l.noteSilent(ctx, since)
		select {
		case <-ctx.Done():
			// An attempt under way is finished and recorded; retries
			// waiting for their time are dropped (they stay listed by
			// sandbox events, and events resend sends one again).
			l.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

type listener struct {
	st      *sandbox.Store
	out     io.Writer
	errw    io.Writer
	json    bool
	types   []string
	url     string
	header  http.Header
	key     webhook.Secret
	client  *httpx.Client
	backoff []time.Duration

	mu         sync.Mutex // one line at a time
	wg         sync.WaitGroup
	once       sync.Once
	queue      chan sandbox.Event
	seenSilent map[string]bool
}

func (l *listener) printf(w io.Writer, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(w, format, args...)
}

// handle prints one event and forwards it.
func (l *listener) handle(ctx context.Context, e sandbox.Event) {
	if len(l.types) > 0 && !slices.Contains(l.types, e.Type) {
		return
	}
	if l.json {
		l.printf(l.out, "%s\n", compactJSON(e.Payload))
	} else {
		l.printf(l.out, "%s\n", eventLine(e))
	}
	if l.url == "" {
		return
	}
	l.start(ctx)
	l.wg.Add(1)
	l.queue <- e
}

// start runs the worker that makes first attempts one at a time, in the
// order the events were emitted, as an app expects them; a failed event is
// retried on its own schedule beside it.
func (l *listener) start(ctx context.Context) {
	l.once.Do(func() {
		l.queue = make(chan sandbox.Event, 1024)
		go func() {
			for e := range l.queue {
				if ctx.Err() != nil {
					// Ctrl-C: what was not sent yet stays listed by sandbox
					// events, for events resend.
					l.wg.Done()
					continue
				}
				if l.attempt(ctx, e, 0) {
					l.wg.Done()
					continue
				}
				go func() {
					defer l.wg.Done()
					l.retry(ctx, e)
				}()
			}
		}()
	})
}

// eventLine is an event as listen and events print it.
func eventLine(e sandbox.Event) string {
	sub := e.SubscriptionID
	if sub == "" {
		sub = "-"
	}
	return strings.Join([]string{
		e.CreatedAt.Local().Format("2006-01-02 15:04:05"),
		fmt.Sprintf("%-20s", safetext.Line(e.Type)), safetext.Line(e.ID), safetext.Line(e.SessionID), safetext.Line(sub),
	}, "  ")
}

// compactJSON is an envelope on one line.
func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}

// attempt makes attempt number n (from 0) at delivering e, prints the
// answer, and reports whether nothing more is to be done.
func (l *listener) attempt(ctx context.Context, e sandbox.Event, n int) bool {
	a := forward(ctx, l.st, l.client, l.url, l.key, e, l.header)
	// Answers go to stderr with -o json, so stdout stays one envelope a line.
	w := l.out
	if l.json {
		w = l.errw
	}
	line := "  → " + answerText(a)
	if a.Error != "" && n < len(l.backoff) {
		line += fmt.Sprintf("; retry in %s", l.backoff[n])
	} else if a.Error != "" {
		line += "; giving up"
	}
	l.printf(w, "%s  [%s]\n", line, safetext.Line(e.ID))
	return a.Error == "" || n >= len(l.backoff)
}

// retry tries e again on the outbox's schedule while listen runs.
func (l *listener) retry(ctx context.Context, e sandbox.Event) {
	for n := 0; n < len(l.backoff); n++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.backoff[n]):
		}
		if l.attempt(ctx, e, n+1) {
			return
		}
	}
}

// forward makes one attempt at delivering e to url and records it.
func forward(ctx context.Context, st *sandbox.Store, client *httpx.Client, url string, key webhook.Secret, e sandbox.Event, hdr http.Header) sandbox.Attempt {
	at := time.Now()
	m := webhook.Message{ID: e.ID, SessionID: e.SessionID, EventType: e.Type, Payload: e.Payload, CreatedAt: e.CreatedAt}
	// The attempt finishes even when Ctrl-C comes during it: cut off, the
	// app may act on a request whose answer nobody records.
	status, errText := webhook.Post(context.WithoutCancel(ctx), client, url, key, m, hdr, at)
	a := sandbox.Attempt{EventID: e.ID, URL: url, At: at, Status: status, Error: errText, Took: time.Since(at)}
	_ = st.RecordAttempt(context.WithoutCancel(ctx), a)
	return a
}

// answerText says how an attempt went: "204 in 12 ms", or why it failed.
func answerText(a sandbox.Attempt) string {
	ms := a.Took.Milliseconds()
	switch {
	case a.Error == "":
		return fmt.Sprintf("%d in %d ms", a.Status, ms)
	case a.Status != 0:
		return fmt.Sprintf("%s in %d ms", safetext.Line(a.Error), ms)
	}
	return "failed: " + safetext.Line(a.Error)
}

// noteSilent says once for each session paid since the listener started
// that emitted nothing because its API defines no webhooks (Maple).
func (l *listener) noteSilent(ctx context.Context, since time.Time) {
	paid, err := l.st.PaidSilently(ctx, since)
	if err != nil {
		return
	}
	for _, ss := range paid {
		if l.seenSilent[ss.ID] {
			continue
		}
		l.seenSilent[ss.ID] = true
		l.printf(l.errw, "note: %s session %s was paid: %s's API defines no webhooks, so it emits no events\n",
			titleCase(ss.Provider), safetext.Line(ss.ID), titleCase(ss.Provider))
	}
}
