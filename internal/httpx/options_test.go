package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// With NoRedirects a 3xx is the answer: nothing follows it, and it is not
// an error; Headers go out with every value.
func TestNoRedirectsAnswersWithTheRedirect(t *testing.T) {
	var hits int
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		got = r.Header.Clone()
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c := New(Options{UserAgent: "ua-test", NoRedirects: true})
	res, err := c.Send(context.Background(), Request{Method: http.MethodPost, Path: srv.URL + "/hook", Body: []byte(`{}`), Headers: http.Header{"X-Two": {"a", "b"}}, Replay: UnlessProcessed})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Status != http.StatusFound || hits != 1 {
		t.Fatalf("status %d after %d requests, want 302 after 1", res.Status, hits)
	}
	if v := got.Values("X-Two"); strings.Join(v, ",") != "a,b" {
		t.Errorf("X-Two %v, want both values", v)
	}
	if ua := got.Get("User-Agent"); ua != "ua-test" {
		t.Errorf("User-Agent %q", ua)
	}
}

// Pool keeps one idle connection per request in flight, above net/http's
// two; at or below two the default transport serves.
func TestPoolSizesTheTransport(t *testing.T) {
	if tr := pooled(2); tr != http.DefaultTransport {
		t.Errorf("pooled(2) is not the default transport")
	}
	tr, ok := pooled(16).(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost != 16 || tr == http.DefaultTransport {
		t.Fatalf("pooled(16): %#v", tr)
	}
}
