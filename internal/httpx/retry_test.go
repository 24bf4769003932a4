package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock advances only when something sleeps on it. Sleeps can be held
// until the test releases them, to order concurrent requests.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	hold   chan struct{} // when set, Sleep blocks until it is closed
	asleep chan time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	start := c.now
	c.slept = append(c.slept, d)
	hold, asleep := c.hold, c.asleep
	c.mu.Unlock()
	if asleep != nil {
		asleep <- d
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	if end := start.Add(d); end.After(c.now) {
		c.now = end
	}
	c.mu.Unlock()
	return nil
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// scripted answers the statuses in order (the last one repeats) and
// counts the requests it received.
type scripted struct {
	statuses []int
	header   http.Header
	hits     atomic.Int32
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.hits.Add(1))
	st := s.statuses[min(n, len(s.statuses))-1]
	for k, vs := range s.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st)
	w.Write([]byte(`{"n":` + strconv.Itoa(n) + `}`))
}

func testClient(t *testing.T, url string, o Options) (*Client, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	o.BaseURL = url
	o.Token = "sekrit-token"
	if o.Clock == nil {
		o.Clock = clk
	}
	if o.Jitter == nil {
		o.Jitter = func(max time.Duration) time.Duration { return max / 2 }
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	return New(o), clk
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name     string
		replay   Replay
		retries  int
		statuses []int
		hits     int32
		final    int
	}{
		{"503 then success, idempotent", Idempotent, 3, []int{503, 200}, 2, 200},
		{"503 then success, create without key", UnlessProcessed, 3, []int{503, 200}, 2, 200},
		{"429 then success, create without key", UnlessProcessed, 3, []int{429, 200}, 2, 200},
		{"502 and 504 retried when idempotent", Idempotent, 3, []int{502, 504, 200}, 3, 200},
		{"502 not retried for a create without key", UnlessProcessed, 3, []int{502, 200}, 1, 502},
		{"504 not retried for a create without key", UnlessProcessed, 3, []int{504, 200}, 1, 504},
		{"500 never retried", Idempotent, 3, []int{500, 200}, 1, 500},
		{"400 never retried", Idempotent, 3, []int{400, 200}, 1, 400},
		{"401 never retried", Idempotent, 3, []int{401, 200}, 1, 401},
		{"403 never retried", Idempotent, 3, []int{403, 200}, 1, 403},
		{"404 never retried", Idempotent, 3, []int{404, 200}, 1, 404},
		{"409 never retried", Idempotent, 3, []int{409, 200}, 1, 409},
		{"422 never retried", Idempotent, 3, []int{422, 200}, 1, 422},
		{"retries 0 is one attempt", Idempotent, 0, []int{503, 200}, 1, 503},
		{"retries bound the attempts", Idempotent, 2, []int{503}, 3, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{statuses: tt.statuses}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, _ := testClient(t, srv.URL, Options{Retries: tt.retries})
			res, err := c.Send(context.Background(), Request{Method: "POST", Path: "/x", Body: []byte(`{}`), Replay: tt.replay})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.final {
				t.Errorf("final status %d, want %d", res.Status, tt.final)
			}
			if got := s.hits.Load(); got != tt.hits {
				t.Errorf("server received %d request(s), want %d", got, tt.hits)
			}
			if res.Attempts != int(tt.hits) {
				t.Errorf("Attempts = %d, want %d", res.Attempts, tt.hits)
			}
		})
	}
}

func TestBackoffIsExponentialWithFullJitter(t *testing.T) {
	s := &scripted{statuses: []int{503, 503, 503, 200}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	var maxes []time.Duration
	c, clk := testClient(t, srv.URL, Options{Retries: 3, Jitter: func(max time.Duration) time.Duration {
		maxes = append(maxes, max)
		return max / 4
	}})
	if _, err := c.Send(context.Background(), Request{Method: "GET", Path: "/"}); err != nil {
		t.Fatal(err)
	}
	wantMax := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
	if !equalDurations(maxes, wantMax) {
		t.Errorf("jitter ranges %v, want %v", maxes, wantMax)
	}
	wantSlept := []time.Duration{125 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond}
	if got := clk.sleeps(); !equalDurations(got, wantSlept) {
		t.Errorf("slept %v, want %v (the jittered values)", got, wantSlept)
	}
}

func TestBackoffStepIsCapped(t *testing.T) {
	c := New(Options{Jitter: func(max time.Duration) time.Duration { return max }})
	c.clock = newFakeClock()
	if d, _ := c.delay(40, nil); d != backoffMax {
		t.Errorf("delay after 40 attempts = %s, want the cap %s", d, backoffMax)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		source string
	}{
		{"3", 3 * time.Second, "Retry-After"},
		{"0", 0, "Retry-After"},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, "Retry-After"},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, "Retry-After"},
		{"3600", MaxRetryAfter, "capped"},
		{now.Add(2 * time.Hour).Format(http.TimeFormat), MaxRetryAfter, "capped"},
		{"99999999999999999999", MaxRetryAfter, "capped"},
		{"soon", 250 * time.Millisecond, "backoff"},
		{"-5", 250 * time.Millisecond, "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			s := &scripted{statuses: []int{429, 200}, header: http.Header{"Retry-After": {tt.header}}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, clk := testClient(t, srv.URL, Options{Retries: 1, Timeout: time.Hour})
			clk.now = now
			res, err := c.Send(context.Background(), Request{Method: "GET", Path: "/"})
			if err != nil || res.Status != 200 {
				t.Fatalf("Send = %v, %v; want 200", res, err)
			}
			got := clk.sleeps()
			var total time.Duration
			for _, d := range got {
				total += d
			}
			if total != tt.want {
				t.Errorf("waited %v in all (%v), want %s", total, got, tt.want)
			}
			_, source := c.delay(1, &Response{Header: http.Header{"Retry-After": {tt.header}}})
			if !strings.Contains(source, tt.source) {
				t.Errorf("delay source %q, want it to mention %q", source, tt.source)
			}
		})
	}
}

func TestRetryAfterBeyondTheBudgetStops(t *testing.T) {
	s := &scripted{statuses: []int{429, 200}, header: http.Header{"Retry-After": {"30"}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	// 1s per attempt, 3 retries: 4s for everything, less than the 30s asked.
	c, clk := testClient(t, srv.URL, Options{Retries: 3, Timeout: time.Second})
	res, err := c.Send(context.Background(), Request{Method: "GET", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 429 || s.hits.Load() != 1 {
		t.Fatalf("status %d after %d request(s); want the 429, sent once", res.Status, s.hits.Load())
	}
	if !strings.Contains(res.GaveUp, "time allowed for all attempts") {
		t.Errorf("GaveUp = %q, want it to say the budget ran out", res.GaveUp)
	}
	if len(clk.sleeps()) != 0 {
		t.Errorf("slept %v; a wait past the budget should not start", clk.sleeps())
	}
}

func TestBackoffCountsAgainstTheBudget(t *testing.T) {
	s := &scripted{statuses: []int{503}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	// Budget 6 × 300ms = 1.8s; the pauses are 0.5s, 1s, then 2s, which
	// would end past it.
	c, _ := testClient(t, srv.URL, Options{Retries: 5, Timeout: 300 * time.Millisecond, Jitter: func(max time.Duration) time.Duration { return max }})
	res, err := c.Send(context.Background(), Request{Method: "GET", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.hits.Load(); got != 3 {
		t.Errorf("server received %d request(s), want 3", got)
	}
	if res.GaveUp == "" {
		t.Error("GaveUp is empty; want the reason the retries stopped")
	}
}

// A 429 pauses every request of the Client, including those that had
// not started when it arrived.
func TestRateLimitPausesEveryRequest(t *testing.T) {
	var hits atomic.Int32
	var hitsWhenBWaited atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(429)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	c, clk := testClient(t, srv.URL, Options{Retries: 3, Timeout: time.Minute})
	clk.hold = make(chan struct{})
	clk.asleep = make(chan time.Duration, 2)

	results := make(chan int, 2)
	send := func() {
		res, err := c.Send(context.Background(), Request{Method: "GET", Path: "/"})
		if err != nil {
			t.Error(err)
			results <- 0
			return
		}
		results <- res.Status
	}
	go send() // A: meets the 429
	if d := <-clk.asleep; d != 5*time.Second {
		t.Fatalf("A waits %s, want the 5s of Retry-After", d)
	}
	go send() // B: starts during A's pause
	d := <-clk.asleep
	hitsWhenBWaited.Store(hits.Load())
	if d != 5*time.Second {
		t.Errorf("B waits %s before its first attempt, want the shared 5s", d)
	}
	if got := hitsWhenBWaited.Load(); got != 1 {
		t.Errorf("the server had %d request(s) when B started waiting, want only A's first", got)
	}
	close(clk.hold)
	for range 2 {
		if st := <-results; st != 200 {
			t.Errorf("status %d, want 200", st)
		}
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("server received %d requests, want 3 (A twice, B once)", got)
	}
}

func TestCancelDuringPauseReturnsInterrupted(t *testing.T) {
	s := &scripted{statuses: []int{503}, header: http.Header{"Retry-After": {"30"}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, clk := testClient(t, srv.URL, Options{Retries: 3, Timeout: time.Minute})
	clk.hold = make(chan struct{}) // never released: only the cancel ends the pause
	clk.asleep = make(chan time.Duration, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Send(ctx, Request{Method: "GET", Path: "/"})
		done <- err
	}()
	<-clk.asleep
	cancel()
	err := <-done
	var he *Error
	if !errors.As(err, &he) || !he.Interrupted() {
		t.Fatalf("err = %v, want an interrupted *Error", err)
	}
	if s.hits.Load() != 1 {
		t.Errorf("server received %d requests, want 1", s.hits.Load())
	}
}

func TestRealClockSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (realClock{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
}

func TestDebugLogsAttemptsWithoutTheToken(t *testing.T) {
	s := &scripted{statuses: []int{503, 200}, header: http.Header{"Retry-After": {"1"}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	var log strings.Builder
	c, _ := testClient(t, srv.URL, Options{Retries: 3, Debug: &log})
	if _, err := c.Send(context.Background(), Request{Method: "POST", Path: "/x", Body: []byte(`{"token":"sekrit-token"}`), Replay: Idempotent}); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	for _, want := range []string{
		"* POST /x: attempt 1 of 4",
		"* 503 Service Unavailable: retrying in 1s (Retry-After)",
		"* POST /x: attempt 2 of 4",
		"Authorization: Bearer [REDACTED]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "sekrit-token") {
		t.Errorf("debug log shows the token:\n%s", out)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The debug log shows a hostile answer escaped: a body that would retitle
// and clear the terminal, plant a hyperlink, rewrite the line with a
// carriage return, and quote the token back.
func TestDebugEscapesTheServersText(t *testing.T) {
	body := "{\"message\":\"\x1b]0;owned\x07\x1b[2J\x1b]8;;https://evil.example\x1b\\\\here\x1b]8;;\x1b\\\\ ok\rinvalid token: sekrit-token\"}\n\x9b31m"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", "Bearer sekrit-token")
		w.WriteHeader(401)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	var log, notes strings.Builder
	c, _ := testClient(t, srv.URL, Options{Debug: &log, Notes: &notes})
	if _, err := c.Send(context.Background(), Request{Method: "GET", Path: "/x", Replay: Idempotent}); err != nil {
		t.Fatal(err)
	}
	c.Notef("adopted session %s\n", "che_1\x1b[2J")
	out := log.String()
	want := `{"message":"\x1b]0;owned\x07\x1b[2J\x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\ ok\rinvalid token: [REDACTED]"}` + "\n" + `\x9b31m`
	if !strings.Contains(out, want) {
		t.Errorf("debug log lacks the escaped body %s:\n%s", want, out)
	}
	if !strings.Contains(out, "< X-Echo: Bearer [REDACTED]\n") {
		t.Errorf("debug log lacks the masked header:\n%s", out)
	}
	for name, s := range map[string]string{"debug log": out, "notes": notes.String()} {
		if strings.ContainsAny(s, "\x1b\x07\r") || strings.Contains(s, "\x9b") || strings.Contains(s, "sekrit-token") {
			t.Errorf("%s holds a control character or the token: %q", name, s)
		}
	}
	if got := notes.String(); got != `adopted session che_1\x1b[2J`+"\n" {
		t.Errorf("notes = %q", got)
	}
}
