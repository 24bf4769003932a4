package maple

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
)

func newTestClient(t *testing.T, h http.Handler, notes *strings.Builder) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o := httpx.Options{BaseURL: srv.URL, Token: "t", Timeout: 10 * time.Second, Retries: 3}
	if notes != nil {
		o.Notes = notes
	}
	return New(httpx.New(o), "cmp_1")
}

// Every attempt of a create carries the same key, so Maple's replay makes
// retrying after a lost answer safe.
func TestCreateRetriesWithTheSameKey(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	var posts atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		if posts.Add(1) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusGatewayTimeout)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"che_1","url":"https://x/che_1"}`))
	}), nil)
	s, err := c.Create(context.Background(), provider.Request{Body: []byte(`{}`)}, "key-9")
	if err != nil || s.ID != "che_1" {
		t.Fatalf("Create = %v, %v", s, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(keys, ",") != "key-9,key-9,key-9" {
		t.Errorf("keys sent: %v", keys)
	}
}

func TestIdempotencyConflictIsExplainedNotRetried(t *testing.T) {
	var posts atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`{"error_message":"Idempotency key reused","error_type":"idempotency_error","error_code":null,"error_status":409,"validation_errors":null}`))
	}), nil)
	_, err := c.Create(context.Background(), provider.Request{Body: []byte(`{}`)}, "job-1")
	var api *provider.APIError
	if !errors.As(err, &api) || api.Status != 409 {
		t.Fatalf("err = %v, want the 409", err)
	}
	if !strings.Contains(err.Error(), `Idempotency-Key "job-1" was already used with a different request body`) {
		t.Errorf("message: %q", err)
	}
	if posts.Load() != 1 {
		t.Errorf("%d posts, want 1", posts.Load())
	}
}

func TestReplayOfAnEarlierRunIsPointedOut(t *testing.T) {
	var notes strings.Builder
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Idempotency-Used", "true")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"che_1","url":"https://x/che_1"}`))
	}), &notes)
	s, err := c.Create(context.Background(), provider.Request{Body: []byte(`{}`)}, "job-1")
	if err != nil {
		t.Fatal(err)
	}
	// The caller says so, once for a whole batch: the client only marks it.
	if !s.Replayed {
		t.Error("the session is not marked as replayed")
	}
	if notes.Len() != 0 {
		t.Errorf("notes: %q", notes.String())
	}
}

// A 503 whose Retry-After is beyond the request's budget is not waited for
// here: the error keeps it, for a caller that asks again later
// (checkout --wait).
func TestGetKeepsRetryAfter(t *testing.T) {
	var gets atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusServiceUnavailable)
	}), nil)
	_, err := c.Get(context.Background(), "chk_4Qh5L7lvEqL7VRB7pZf7p6")
	var api *provider.APIError
	if !errors.As(err, &api) || api.Status != 503 || api.RetryAfter != 120*time.Second || gets.Load() != 1 {
		t.Fatalf("err = %#v after %d gets; want a 503 with RetryAfter 2m after 1", err, gets.Load())
	}
}
