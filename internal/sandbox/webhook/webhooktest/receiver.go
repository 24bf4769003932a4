// Package webhooktest helps test the sandbox's webhooks: a receiver that
// checks each delivery as a user's endpoint would (the signature, by its
// own implementation of the Standard Webhooks scheme, and the payload,
// against the Meteroid spec's webhook schema), an in-memory outbox, and a
// suite that any outbox implementation must pass. It is for tests only.
package webhooktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Verify checks a delivery's signature headers against secret (written
// "whsec_" + base64) the way a receiver following the Standard Webhooks
// specification does: the three headers present, the timestamp within
// five minutes of now, and one of the space-separated "v1,<base64>"
// signatures equal to HMAC-SHA256 over "id.timestamp.body". It shares no
// code with package webhook on purpose.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	if !strings.HasPrefix(secret, "whsec_") {
		return errors.New("secret lacks the whsec_ prefix")
	}
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	id, ts, sigs := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing header: webhook-id %q, webhook-timestamp %q, webhook-signature %q", id, ts, sigs)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q: %w", ts, err)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("webhook-timestamp %s is %s away from now", ts, d)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	want := mac.Sum(nil)
	for _, s := range strings.Split(sigs, " ") {
		version, b64, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no signature in %q matches", sigs)
}

// Received is one request the receiver got.
type Received struct {
	Header http.Header
	Body   []byte
	// Answered is the status the receiver answered.
	Answered int
	// Problem is what was wrong with the request (nil when it was a
	// well-signed, well-formed event).
	Problem error
}

// Receiver is a webhook endpoint for tests.
type Receiver struct {
	*httptest.Server
	secret   string
	specPath string

	mu       sync.Mutex
	failNext int
	got      []Received
	arrived  chan struct{}
}

// NewReceiver starts a receiver that verifies with secret and checks
// payloads against the webhooks of the OpenAPI document at specPath. It is
// closed when the test ends.
func NewReceiver(t testing.TB, secret, specPath string) *Receiver {
	r := &Receiver{secret: secret, specPath: specPath, arrived: make(chan struct{}, 1024)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// FailNext makes the next n deliveries get a 500, as an endpoint that is
// down would answer.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	r.failNext = n
	r.mu.Unlock()
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	d := Received{Header: req.Header.Clone(), Body: body}
	switch {
	case err != nil:
		d.Problem = err
	case req.Method != http.MethodPost:
		d.Problem = fmt.Errorf("method %s, want POST", req.Method)
	case req.Header.Get("Content-Type") != "application/json":
		d.Problem = fmt.Errorf("Content-Type %q, want application/json", req.Header.Get("Content-Type"))
	default:
		if d.Problem = Verify(r.secret, req.Header, body, time.Now()); d.Problem == nil {
			d.Problem = CheckPayload(r.specPath, body)
		}
	}
	r.mu.Lock()
	switch {
	case d.Problem != nil:
		d.Answered = http.StatusBadRequest
	case r.failNext > 0:
		r.failNext--
		d.Answered = http.StatusInternalServerError
	default:
		d.Answered = http.StatusOK
	}
	r.got = append(r.got, d)
	r.mu.Unlock()
	r.arrived <- struct{}{}
	if d.Answered == http.StatusInternalServerError {
		http.Error(w, "receiver is down (test)", d.Answered)
		return
	}
	if d.Problem != nil {
		http.Error(w, d.Problem.Error(), d.Answered)
		return
	}
	w.WriteHeader(d.Answered)
}

// Deliveries returns what arrived so far.
func (r *Receiver) Deliveries() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.got...)
}

// WaitFor waits until n deliveries have arrived in all, failing the test
// after timeout.
func (r *Receiver) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if got := r.Deliveries(); len(got) >= n {
			return got
		}
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("%d webhook deliveries after %s, want %d", len(r.Deliveries()), timeout, n)
		}
	}
}
