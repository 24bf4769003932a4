package shared

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider"
)

// answers is a provider.Getter that gives its answers in turn, the last
// one again once they run out.
type answers struct {
	list []any // *provider.Session or error
	gets int
}

func (a *answers) Get(ctx context.Context, id string) (*provider.Session, error) {
	v := a.list[min(a.gets, len(a.list)-1)]
	a.gets++
	if err, ok := v.(error); ok {
		return nil, err
	}
	return v.(*provider.Session), nil
}

func status(s string) *provider.Session {
	return &provider.Session{ID: "che_4Qh5L7lvEqL7VRB7pZf7p6", Status: s}
}

// fakeClock is time that passes only when the waiter sleeps.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

func (c *fakeClock) now() time.Time { return c.t }

func testWaiter(g provider.Getter, sandbox bool, timeout time.Duration) (*Waiter, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	return &Waiter{p: g, sandbox: sandbox, timeout: timeout, sleep: c.sleep, now: c.now}, c
}

func durations(ds []time.Duration) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.String())
	}
	return strings.Join(s, " ")
}

// On a real API the looks back off from 1 s, doubling, to at most 30 s.
func TestWaitBacksOffToThirtySeconds(t *testing.T) {
	g := &answers{list: []any{status("CREATED"), status("AWAITING_PAYMENT"), status("AWAITING_PAYMENT"), status("AWAITING_PAYMENT"),
		status("AWAITING_PAYMENT"), status("AWAITING_PAYMENT"), status("AWAITING_PAYMENT"), status("COMPLETED")}}
	w, c := testWaiter(g, false, time.Hour)
	got, err := w.Wait(context.Background(), status("CREATED"))
	if err != nil || got.Status != "COMPLETED" {
		t.Fatalf("wait = %+v, %v", got, err)
	}
	if want := "1s 2s 4s 8s 16s 30s 30s 30s"; durations(c.sleeps) != want {
		t.Errorf("slept %s, want %s", durations(c.sleeps), want)
	}
}

// A 429 or 503 that says when to come back is waited for, even past the
// backoff's cap, but no longer than httpx's cap on Retry-After; then the
// backoff goes on where it was.
func TestWaitHonoursRetryAfter(t *testing.T) {
	busy := func(status int, after time.Duration) error {
		return &provider.APIError{Provider: "meteroid", Status: status, Message: "slow down", RetryAfter: after}
	}
	g := &answers{list: []any{busy(429, 7*time.Second), status("CREATED"), busy(503, 45*time.Second), busy(429, time.Hour), busy(429, 0), status("COMPLETED")}}
	w, c := testWaiter(g, false, time.Hour)
	got, err := w.Wait(context.Background(), status("CREATED"))
	if err != nil || got.Status != "COMPLETED" {
		t.Fatalf("wait = %+v, %v", got, err)
	}
	// 1s, then the 429's 7s (more than the 2s due), 4s, the 503's 45s,
	// the hour capped at 60s, and the 429 without Retry-After: 30s.
	if want := "1s 7s 4s 45s 1m0s 30s"; durations(c.sleeps) != want {
		t.Errorf("slept %s, want %s", durations(c.sleeps), want)
	}
}

// The sandbox is looked at without a backoff; a Retry-After shorter than
// the interval due changes nothing.
func TestWaitOnTheSandboxDoesNotBackOff(t *testing.T) {
	g := &answers{list: []any{status("CREATED"), status("CREATED"), status("CREATED"), status("EXPIRED")}}
	w, c := testWaiter(g, true, time.Hour)
	got, err := w.Wait(context.Background(), status("CREATED"))
	if err != nil || got.Status != "EXPIRED" {
		t.Fatalf("wait = %+v, %v", got, err)
	}
	if want := "50ms 50ms 50ms 50ms"; durations(c.sleeps) != want {
		t.Errorf("slept %s, want %s", durations(c.sleeps), want)
	}
	if err := Outcome(provider.Vocabulary{}, got, err); err == nil || !strings.Contains(err.Error(), "is EXPIRED") {
		t.Errorf("outcome of an expired session: %v", err)
	}
}

// The timeout bounds the last sleep, and the wait ends with the session
// last read.
func TestWaitTimesOut(t *testing.T) {
	g := &answers{list: []any{status("AWAITING_PAYMENT")}}
	w, c := testWaiter(g, false, 10*time.Second)
	got, err := w.Wait(context.Background(), status("CREATED"))
	if !errors.Is(err, ErrWaitTimeout) || got.Status != "AWAITING_PAYMENT" {
		t.Fatalf("wait = %+v, %v; want the last session read and ErrWaitTimeout", got, err)
	}
	if want := "1s 2s 4s 3s"; durations(c.sleeps) != want {
		t.Errorf("slept %s, want %s", durations(c.sleeps), want)
	}
}

// An answer that is not busy ends the wait with that error.
func TestWaitStopsOnOtherErrors(t *testing.T) {
	g := &answers{list: []any{&provider.APIError{Provider: "meteroid", Status: 401, Message: "unauthorized"}}}
	w, _ := testWaiter(g, false, time.Hour)
	got, err := w.Wait(context.Background(), status("CREATED"))
	var ae *provider.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || got.Status != "CREATED" || g.gets != 1 {
		t.Fatalf("wait = %+v, %v after %d gets", got, err, g.gets)
	}
}

// Ctrl-C during get --wait: the session is printed as it was last read,
// and the error is the interruption (exit 130).
// The spinner is drawn on a terminal's stderr only, never in CI; elsewhere
// one plain line names the session and its page.
func TestSpinnerOnlyOnATerminalOutsideCI(t *testing.T) {
	sess := &provider.Session{ID: "che_4Qh5L7lvEqL7VRB7pZf7p6", Status: "CREATED", URL: "http://127.0.0.1:12111/checkout/che_4Qh5L7lvEqL7VRB7pZf7p6"}
	plain := "Waiting for checkout session che_4Qh5L7lvEqL7VRB7pZf7p6 to be paid: http://127.0.0.1:12111/checkout/che_4Qh5L7lvEqL7VRB7pZf7p6\n"
	cases := []struct {
		name    string
		tty     bool
		ci      string
		spinner bool
	}{
		{"terminal", true, "", true},
		{"terminal in CI", true, "true", false},
		{"pipe", false, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv()
			e.streams.StderrTTY = c.tty
			stop := StartSpinner(e.streams, func(k string) string { return map[string]string{"CI": c.ci}[k] }, sess)
			time.Sleep(150 * time.Millisecond)
			stop()
			got := e.err.String()
			if !c.spinner {
				if got != plain {
					t.Errorf("stderr = %q, want %q", got, plain)
				}
				return
			}
			if !strings.Contains(got, "\r\033[K⠋ Waiting for payment 0s: "+sess.URL) || !strings.HasSuffix(got, "\r\033[K") {
				t.Errorf("stderr = %q, want a spinner with the elapsed time and the URL, cleared at the end", got)
			}
		})
	}
}

// A provider's own words end the wait: Maple's COMPLETE is a completed
// session (exit 0) and VOID a cancelled one, where the common words would
// have kept waiting on both.
func TestWaitReadsTheProvidersWords(t *testing.T) {
	maple := provider.Vocabulary{States: map[string]provider.State{
		"DRAFT": provider.Open, "PENDING_PAYMENT": provider.Open,
		"COMPLETE": provider.Completed, "VOID": provider.Cancelled, "EXPIRED": provider.Expired,
	}}
	for final, ok := range map[string]bool{"COMPLETE": true, "VOID": false} {
		g := &answers{list: []any{status("PENDING_PAYMENT"), status(final)}}
		w, c := testWaiter(g, true, time.Hour)
		w.vocab = maple
		got, err := w.Wait(context.Background(), status("DRAFT"))
		if err != nil || got.Status != final || len(c.sleeps) != 2 {
			t.Fatalf("%s: wait = %+v, %v after %d looks", final, got, err, len(c.sleeps))
		}
		if err := Outcome(maple, got, err); (err == nil) != ok {
			t.Errorf("%s: outcome %v", final, err)
		}
	}
	// The same status with the common words is still open: the wait
	// times out rather than stopping on a word it does not know.
	g := &answers{list: []any{status("COMPLETE")}}
	w, _ := testWaiter(g, true, time.Second)
	if _, err := w.Wait(context.Background(), status("DRAFT")); !errors.Is(err, ErrWaitTimeout) {
		t.Errorf("common words on COMPLETE: %v, want a timeout", err)
	}
}
