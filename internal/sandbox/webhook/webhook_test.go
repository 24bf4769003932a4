package webhook_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox/webhook"
	"github.com/billctl/billctl/internal/sandbox/webhook/webhooktest"
)

const spec = "../../../testdata/specs/meteroid-openapi.sdk.json"

// The example of the Standard Webhooks specification, computed by its
// authors: a known answer that no code of this project produced.
func TestSignKnownAnswer(t *testing.T) {
	k, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := k.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestParseSecret(t *testing.T) {
	bare, err := webhook.ParseSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	prefixed, _ := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if !bytes.Equal(bare, prefixed) || len(bare) != 24 {
		t.Errorf("the prefix changed the key, or the key is not the decoded bytes (%d bytes)", len(bare))
	}
	for _, bad := range []string{"", "whsec_", "whsec_not base64!", "s3cr3t-passw0rd"} {
		if _, err := webhook.ParseSecret(bad); err == nil {
			t.Errorf("ParseSecret(%q) accepted it", bad)
		} else if !strings.Contains(err.Error(), "whsec_") {
			t.Errorf("ParseSecret(%q): %v; the error should show the expected form", bad, err)
		}
	}
	s := webhook.NewSecret()
	k, err := webhook.ParseSecret(s)
	if err != nil || !strings.HasPrefix(s, "whsec_") || len(k) != 24 {
		t.Errorf("NewSecret() = %q, parsed: %d bytes, %v", s, len(k), err)
	}
	if webhook.NewSecret() == s {
		t.Error("NewSecret made the same secret twice")
	}
}

func TestSignedHeadersVerifyIndependently(t *testing.T) {
	secret := webhook.NewSecret()
	k, _ := webhook.ParseSecret(secret)
	body := []byte(`{"id":"evt_1","type":"subscription.created"}`)
	now := time.Now()
	h := http.Header{}
	k.Header(h, "evt_1", now, body)
	if err := webhooktest.Verify(secret, h, body, now); err != nil {
		t.Fatalf("independent verification: %v", err)
	}
	// The verifier is not a rubber stamp.
	for name, change := range map[string]func(h http.Header) []byte{
		"body":      func(http.Header) []byte { return append(bytes.Clone(body), ' ') },
		"id":        func(h http.Header) []byte { h.Set("webhook-id", "evt_2"); return body },
		"timestamp": func(h http.Header) []byte { h.Set("webhook-timestamp", "1614265330"); return body },
		"other key": func(h http.Header) []byte {
			webhook.Secret("another key").Header(h, "evt_1", now, body)
			return body
		},
	} {
		h2 := h.Clone()
		if err := webhooktest.Verify(secret, h2, change(h2), now); err == nil {
			t.Errorf("changed %s: still verified", name)
		}
	}
}

// samplePayload is a subscription.created body as Meteroid's spec
// defines it (the receiver checks every delivery against the spec).
func samplePayload(id string) []byte {
	return []byte(`{"id":"` + id + `","type":"subscription.created","subscription_id":"sub_7n42DGM5Tflk9n8mt7Fhc7",` +
		`"customer_id":"cus_7n42DGM5Tflk9n8mt7Fhc7","customer_name":"Acme Corp","billing_day_anchor":25,"currency":"EUR",` +
		`"start_date":"2026-11-25","plan_name":"Pro","version":2,"created_at":"2026-11-25T16:02:03.120Z","net_terms":30,` +
		`"mrr_cents":4900,"period":"MONTHLY","status":"ACTIVE","timestamp":"2026-11-25T16:02:04.000Z"}`)
}

func TestMemOutbox(t *testing.T) {
	webhooktest.TestOutbox(t, func(t *testing.T) webhooktest.Queue {
		o := &webhooktest.MemOutbox{}
		return webhooktest.Queue{Outbox: o, Enqueue: o.Enqueue, State: o.State}
	})
}

// clock is a test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	out  *webhooktest.MemOutbox
	recv *webhooktest.Receiver
	d    *webhook.Dispatcher
	clk  *clock
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newFixture(t *testing.T, backoff []time.Duration) *fixture {
	secret := webhook.NewSecret()
	k, err := webhook.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		out:  &webhooktest.MemOutbox{},
		recv: webhooktest.NewReceiver(t, secret, spec),
		clk:  &clock{now: time.Now()},
		logs: &syncBuffer{},
	}
	f.d = webhook.NewDispatcher(webhook.Options{
		Outbox:  f.out,
		URL:     f.recv.URL + "/hooks",
		Secret:  k,
		Backoff: backoff,
		Log:     slog.New(slog.NewTextHandler(f.logs, nil)),
		Now:     f.clk.Now,
	})
	return f
}

func (f *fixture) enqueue(t *testing.T, id string) {
	t.Helper()
	m := webhook.Message{ID: id, SessionID: "che_" + id, EventType: "subscription.created", Payload: samplePayload(id), CreatedAt: f.clk.Now()}
	if err := f.out.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) deliver(t *testing.T) int {
	t.Helper()
	n, err := f.d.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFirstDeliveryFailsAndTheRetryArrives(t *testing.T) {
	f := newFixture(t, []time.Duration{5 * time.Second, time.Minute})
	f.recv.FailNext(1)
	f.enqueue(t, "evt_retry")

	if n := f.deliver(t); n != 1 {
		t.Fatalf("first pass attempted %d, want 1", n)
	}
	row := f.out.Rows()[0]
	if row.Last.State != webhook.Pending || row.Attempts != 1 || row.Last.Status != 500 ||
		!strings.Contains(row.Last.Error, "receiver is down") || !row.NextAt.Equal(f.clk.Now().Add(5*time.Second)) {
		t.Fatalf("after a 500: %+v", row)
	}
	f.clk.Add(4 * time.Second)
	if n := f.deliver(t); n != 0 {
		t.Fatalf("retried %d before its time", n)
	}
	f.clk.Add(time.Second)
	if n := f.deliver(t); n != 1 {
		t.Fatalf("retry pass attempted %d, want 1", n)
	}
	if row := f.out.Rows()[0]; row.Last.State != webhook.Delivered || row.Attempts != 2 || row.Last.Status != 200 {
		t.Fatalf("after the retry: %+v", row)
	}

	got := f.recv.Deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries, want 2", len(got))
	}
	for i, d := range got {
		if d.Problem != nil {
			t.Errorf("delivery %d: %v", i+1, d.Problem)
		}
		if d.Header.Get("webhook-id") != "evt_retry" {
			t.Errorf("delivery %d: webhook-id %q, want the event ID on every attempt", i+1, d.Header.Get("webhook-id"))
		}
	}
	if !bytes.Equal(got[0].Body, got[1].Body) {
		t.Error("the retry's body differs from the first attempt's")
	}
	if got[0].Header.Get("webhook-timestamp") == got[1].Header.Get("webhook-timestamp") {
		t.Error("the retry reused the first attempt's timestamp; each attempt is signed when it is sent")
	}
	if f.d.Notify(); f.deliver(t) != 0 {
		t.Error("a delivered message was sent again")
	}

	logs := f.logs.String()
	for _, want := range []string{
		`msg="webhook failed" id=evt_retry type=subscription.created session=che_evt_retry url=` + f.recv.URL + `/hooks attempt=1 status=500 error="500 Internal Server Error: receiver is down (test)"`,
		`msg="webhook delivered" id=evt_retry type=subscription.created session=che_evt_retry url=` + f.recv.URL + `/hooks attempt=2 status=200`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestGivesUpAfterTheSchedule(t *testing.T) {
	f := newFixture(t, []time.Duration{time.Second})
	f.recv.FailNext(100)
	f.enqueue(t, "evt_gone")
	f.deliver(t)
	f.clk.Add(time.Second)
	f.deliver(t)
	row := f.out.Rows()[0]
	if row.Last.State != webhook.Failed || row.Attempts != 2 {
		t.Fatalf("after the last retry: %+v", row)
	}
	f.clk.Add(time.Hour)
	if f.deliver(t) != 0 {
		t.Error("a failed message was sent again")
	}
	if !strings.Contains(f.logs.String(), `msg="webhook failed; giving up" id=evt_gone`) {
		t.Errorf("giving up was not logged:\n%s", f.logs)
	}
}

func TestUnreachableReceiverIsRetried(t *testing.T) {
	f := newFixture(t, []time.Duration{time.Second})
	f.recv.Close() // nothing listens there any more
	f.enqueue(t, "evt_x")
	f.deliver(t)
	row := f.out.Rows()[0]
	if row.Last.State != webhook.Pending || row.Last.Status != 0 || !strings.Contains(row.Last.Error, "connect") {
		t.Errorf("after a refused connection: %+v", row.Last)
	}
	if strings.Count(f.logs.String(), f.recv.URL) != 1 {
		t.Errorf("the log line should name the URL once:\n%s", f.logs)
	}
}

// A receiver's redirect is not followed: the signed request goes where the
// user said, or nowhere.
func TestRedirectIsAFailedAttempt(t *testing.T) {
	f := newFixture(t, []time.Duration{time.Second})
	moved := httptest.NewServer(http.RedirectHandler(f.recv.URL, http.StatusFound))
	t.Cleanup(moved.Close)
	d := webhook.NewDispatcher(webhook.Options{
		Outbox: f.out, URL: moved.URL, Secret: webhook.Secret("k"),
		Backoff: []time.Duration{time.Second}, Log: slog.New(slog.NewTextHandler(f.logs, nil)), Now: f.clk.Now,
	})
	f.enqueue(t, "evt_r")
	if _, err := d.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if row := f.out.Rows()[0]; row.Last.State != webhook.Pending || row.Last.Status != http.StatusFound {
		t.Errorf("after a redirect: %+v", row.Last)
	}
	if n := len(f.recv.Deliveries()); n != 0 {
		t.Errorf("the redirect was followed: %d deliveries", n)
	}
}

func TestRunDeliversWhenNotified(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	f.enqueue(t, "evt_a")
	f.d.Notify()
	got := f.recv.WaitFor(t, 1, 10*time.Second)
	if got[0].Problem != nil || got[0].Header.Get("webhook-id") != "evt_a" {
		t.Fatalf("delivery: %+v", got[0])
	}
	f.enqueue(t, "evt_b")
	f.d.Notify()
	f.d.Notify() // a second wake-up while one is pending is not an error
	got = f.recv.WaitFor(t, 2, 10*time.Second)
	if got[1].Header.Get("webhook-id") != "evt_b" {
		t.Fatalf("second delivery: %s", got[1].Header.Get("webhook-id"))
	}
}

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"https://hooks.example.com/x", "http://127.0.0.1:8080/hook", "http://localhost/h", "http://[::1]:9/h"} {
		if err := webhook.CheckURL(ok); err != nil {
			t.Errorf("CheckURL(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "hooks.example.com", "ftp://x/y", "http://hooks.example.com/x", "/relative"} {
		if err := webhook.CheckURL(bad); err == nil {
			t.Errorf("CheckURL(%q) accepted it", bad)
		}
	}
}

// --forward-to takes what `stripe listen --forward-to` takes: a loopback
// address without its scheme is plain http.
func TestForwardURL(t *testing.T) {
	for raw, want := range map[string]string{
		"localhost:3000/hooks":        "http://localhost:3000/hooks",
		":3000/hooks":                 "http://localhost:3000/hooks",
		"127.0.0.1:8080":              "http://127.0.0.1:8080",
		"[::1]:9/h":                   "http://[::1]:9/h",
		"http://localhost:3000/hooks": "http://localhost:3000/hooks",
		"https://hooks.example.com/x": "https://hooks.example.com/x",
	} {
		if got, err := webhook.ForwardURL(raw); err != nil || got != want {
			t.Errorf("ForwardURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for raw, says := range map[string]string{
		"hooks.example.com/x":        "write https://hooks.example.com/x",
		"http://hooks.example.com/x": "only for loopback",
		"":                           "not an http",
		"/hooks":                     "not an http",
		"ftp://localhost/x":          "not an http",
		"localhost:notaport/x":       "localhost:notaport/x",
	} {
		if _, err := webhook.ForwardURL(raw); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ForwardURL(%q): %v, want an error saying %q", raw, err, says)
		}
	}
}
