package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/httpx/httpxtest"
)

// refusingFirst refuses the first n connections, then connects.
func refusingFirst(t *testing.T, n int32) (*http.Transport, *atomic.Int32) {
	t.Helper()
	tr, dials, err := httpxtest.RefusingTransport(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr, dials
}

func TestConnectionRefusedIsRetriedEvenForCreates(t *testing.T) {
	for _, replay := range []Replay{Idempotent, UnlessProcessed} {
		t.Run(replay.String(), func(t *testing.T) {
			s := &scripted{statuses: []int{200}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			tr, dials := refusingFirst(t, 2)
			c, _ := testClient(t, srv.URL, Options{Retries: 3, Transport: tr})
			res, err := c.Send(context.Background(), Request{Method: "POST", Path: "/", Body: []byte(`{}`), Replay: replay})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != 200 || res.Attempts != 3 || dials.Load() != 3 || s.hits.Load() != 1 {
				t.Errorf("status %d after %d attempts, %d dials, %d request(s) served; want 200, 3, 3, 1", res.Status, res.Attempts, dials.Load(), s.hits.Load())
			}
		})
	}
}

func TestConnectionRefusedMessage(t *testing.T) {
	tr, _ := refusingFirst(t, 100)
	c, _ := testClient(t, "http://127.0.0.1:1", Options{Retries: 1, Transport: tr})
	_, err := c.Send(context.Background(), Request{Method: "GET", Path: "/x"})
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if he.Sent {
		t.Error("Sent = true for a refused connection")
	}
	for _, want := range []string{"GET http://127.0.0.1:1/x", "cannot connect", "connection refused", "after 2 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

// hangUp reads the request in full, then drops the connection without an
// answer: the server may have acted on it.
func hangUp(w http.ResponseWriter, r *http.Request) {
	io.ReadAll(r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.(*net.TCPConn).SetLinger(0) // a reset, not a clean close
		conn.Close()
	}
}

func TestResetAfterWriteIsRetriedOnlyWhenIdempotent(t *testing.T) {
	tests := []struct {
		replay Replay
		hits   int32
		ok     bool
	}{
		{Idempotent, 2, true},
		{UnlessProcessed, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.replay.String(), func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 {
					hangUp(w, r)
					return
				}
				w.WriteHeader(200)
			}))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, Options{Retries: 3})
			res, err := c.Send(context.Background(), Request{Method: "POST", Path: "/", Body: []byte(`{"a":1}`), Replay: tt.replay})
			if got := hits.Load(); got != tt.hits {
				t.Errorf("server received %d request(s), want %d", got, tt.hits)
			}
			if tt.ok {
				if err != nil || res.Status != 200 {
					t.Fatalf("Send = %v, %v; want 200", res, err)
				}
				return
			}
			var he *Error
			if !errors.As(err, &he) || !he.Sent {
				t.Fatalf("err = %v, want an *Error with Sent", err)
			}
			if !strings.Contains(he.Cause(), "after the request was sent") {
				t.Errorf("Cause() = %q", he.Cause())
			}
		})
	}
}

// hang reads the request and waits until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) {
	io.ReadAll(r.Body)
	<-r.Context().Done()
}

func TestTimeoutAfterWrite(t *testing.T) {
	tests := []struct {
		replay Replay
		hits   int32
	}{
		{Idempotent, 2},
		{UnlessProcessed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.replay.String(), func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 {
					hang(w, r)
					return
				}
				w.WriteHeader(200)
			}))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, Options{Retries: 1, Timeout: 200 * time.Millisecond})
			res, err := c.Send(context.Background(), Request{Method: "POST", Path: "/", Body: []byte(`{}`), Replay: tt.replay})
			if got := hits.Load(); got != tt.hits {
				t.Errorf("server received %d request(s), want %d", got, tt.hits)
			}
			if tt.replay == Idempotent {
				if err != nil || res.Status != 200 {
					t.Fatalf("Send = %v, %v; want 200", res, err)
				}
				return
			}
			var he *Error
			if !errors.As(err, &he) || !he.Sent || he.Cause() != "timeout after the request was sent" {
				t.Fatalf("err = %v; want a timeout after sending", err)
			}
			if !strings.Contains(err.Error(), "no answer within 200ms (--timeout)") {
				t.Errorf("message %q does not give the time limit", err)
			}
		})
	}
}

// net/http itself resends a request with an Idempotency-Key header when a
// kept-alive connection fails; for a request that may create something
// each time that must not happen.
func TestTransportDoesNotReplayCreates(t *testing.T) {
	for _, tt := range []struct {
		replay Replay
		hits   int32
	}{
		{UnlessProcessed, 2},
		{Idempotent, 3}, // the transport's own replay is harmless here
	} {
		t.Run(tt.replay.String(), func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 2 {
					// The second request arrives on the kept-alive
					// connection of the first.
					hangUp(w, r)
					return
				}
				w.WriteHeader(200)
			}))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, Options{Retries: 0})
			req := Request{Method: "POST", Path: "/", Body: []byte(`{}`), Header: map[string]string{"Idempotency-Key": "k1"}, Replay: tt.replay}
			if _, err := c.Send(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			c.Send(context.Background(), req)
			if got := hits.Load(); got != tt.hits {
				t.Errorf("server received %d requests, want %d", got, tt.hits)
			}
		})
	}
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization") + " " + r.Method)
		w.WriteHeader(200)
	}))
	defer other.Close()
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/steal", code)
			}))
			defer api.Close()
			c, _ := testClient(t, api.URL, Options{Retries: 3})
			_, err := c.Send(context.Background(), Request{Method: "POST", Path: "/create", Body: []byte(`{}`), Replay: Idempotent})
			if v := leaked.Load(); v != nil {
				t.Fatalf("the other host received a request: %q", v)
			}
			if err == nil || !strings.Contains(err.Error(), "another host") || !strings.Contains(err.Error(), other.URL+"/steal") {
				t.Fatalf("err = %v; want a refused redirect naming the target", err)
			}
		})
	}
}

func TestRedirectOnTheSameHostKeepsAuth(t *testing.T) {
	var auth string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, srv.URL+"/new", http.StatusMovedPermanently)
			return
		}
		auth = r.Header.Get("Authorization")
		w.WriteHeader(200)
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, Options{})
	res, err := c.Send(context.Background(), Request{Method: "GET", Path: "/old"})
	if err != nil || res.Status != 200 {
		t.Fatalf("Send = %v, %v", res, err)
	}
	if auth != "Bearer sekrit-token" {
		t.Errorf("Authorization after a same-host redirect = %q", auth)
	}
}

func TestBodyLargerThanTheCap(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(200)
		w.Write(bytes.Repeat([]byte("x"), 10<<20))
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, Options{Retries: 3})
	_, err := c.Send(context.Background(), Request{Method: "GET", Path: "/"})
	var he *Error
	if !errors.As(err, &he) || he.Status != 200 {
		t.Fatalf("err = %v; want an *Error with the status", err)
	}
	if !strings.Contains(err.Error(), "200 OK: the response body is larger than 1 MiB") {
		t.Errorf("message: %q", err)
	}
	if hits.Load() != 1 {
		t.Errorf("server received %d requests; a body too large is not retried", hits.Load())
	}
}

func TestTricklingBodyIsBoundedByTheTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.Write([]byte(`{"session":`))
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, Options{Retries: 0, Timeout: 150 * time.Millisecond})
	_, err := c.Send(context.Background(), Request{Method: "GET", Path: "/"})
	var he *Error
	if !errors.As(err, &he) || he.Status != 200 {
		t.Fatalf("err = %v; want an *Error with the status", err)
	}
	if !strings.Contains(err.Error(), "200 OK: the response body did not arrive in full within 150ms") {
		t.Errorf("message: %q", err)
	}
}

func TestDoPicksReplayByMethod(t *testing.T) {
	s := &scripted{statuses: []int{502, 200}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := testClient(t, srv.URL, Options{Retries: 1})
	if res, _ := c.Do(context.Background(), "GET", "/", nil, nil); res.Status != 200 {
		t.Errorf("GET after a 502: %d, want it retried to 200", res.Status)
	}
	s.hits.Store(0)
	if res, _ := c.Do(context.Background(), "POST", "/", []byte(`{}`), nil); res.Status != 502 {
		t.Errorf("POST after a 502: %d, want the 502 (not retried)", res.Status)
	}
}
