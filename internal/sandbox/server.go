package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/billctl/billctl/internal/sandbox/endpoint"
)

// API is one API shape served by the sandbox: the provider package that
// speaks it supplies its routes, its catalogue and its error body.
type API struct {
	// Name is the provider's name, as its descriptor gives it.
	Name string
	// Owns reports whether a request path is this API's (faults and 401s
	// answer in the shape of the API that owns the path).
	Owns func(path string) bool
	// Catalog is the demo catalogue, seeded on first use.
	Catalog func() []Item
	// Register adds the API's routes to mux.
	Register func(mux *http.ServeMux, env *Env)
	// Error writes an error answer in the API's shape; code is the API's
	// error code where it has one.
	Error func(w http.ResponseWriter, status int, code, message string)
	// SubscriptionID names the subscription a paid session starts, in the
	// API's ID scheme; nil: the store's time-ordered default.
	SubscriptionID func(now time.Time) string
	// Events builds the webhook events a paid session emits, as the API's
	// server emits them; nil: the API has no webhooks.
	Events EventsFunc
	// IDPrefix starts the IDs of the API's sessions ("che_"): it tells
	// whose a session is when only its ID is known.
	IDPrefix string
	// StatusName is a status as the API writes it; nil: the sandbox's
	// own names are the API's.
	StatusName func(Status) string
}

// Env is what an API's handlers use: the store and the server's settings.
type Env struct {
	Store *Store
	// BaseURL is the server's own root, http://127.0.0.1:12111: checkout
	// pages are under BaseURL + "/checkout/".
	BaseURL string
	Logf    func(format string, args ...any)
}

// CheckoutURL is the page of session id on this server.
func (e *Env) CheckoutURL(id string) string { return e.BaseURL + "/checkout/" + id }

// Options build a Server.
type Options struct {
	Store *Store
	// BaseURL is what the checkout URLs start with; default http://endpoint.DefaultAddr.
	BaseURL string
	APIs    []API
	// Pages, when set, serves everything outside the APIs (the checkout pages).
	Pages http.Handler
	// Latency is waited before each API answer.
	Latency time.Duration
	// FailRate is the fraction of API requests answered 503 without being acted on.
	FailRate float64
	// RateLimit is the API requests allowed per second; beyond it, 429. 0: no limit.
	RateLimit int
	// Log receives one line per request; nil: none.
	Log io.Writer
}

// Server is the sandbox's HTTP handler; the same handler serves a listener
// (`sandbox serve`) and in-process clients (Transport).
type Server struct {
	opts    Options
	env     *Env
	mux     *http.ServeMux
	limiter *limiter
	logger  *log.Logger
}

// New builds a server and seeds the catalogue of each API on first use.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = "http://" + endpoint.DefaultAddr
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	s := &Server{opts: opts, mux: http.NewServeMux()}
	if opts.Log != nil {
		s.logger = log.New(opts.Log, "", log.LstdFlags)
	}
	s.env = &Env{Store: opts.Store, BaseURL: opts.BaseURL, Logf: s.logf}
	if opts.RateLimit > 0 {
		s.limiter = &limiter{perSecond: opts.RateLimit}
	}
	if err := opts.Store.Prepare(ctx, opts.APIs); err != nil {
		return nil, err
	}
	for _, api := range opts.APIs {
		api.Register(s.mux, s.env)
	}
	return s, nil
}

// Env is the environment the APIs' handlers see.
func (s *Server) Env() *Env { return s.env }

// Store is the server's store.
func (s *Server) Store() *Store { return s.opts.Store }

func (s *Server) logf(format string, args ...any) {
	if s.logger != nil {
		s.logger.Printf(format, args...)
	}
}

func (s *Server) api(path string) *API {
	for i := range s.opts.APIs {
		if s.opts.APIs[i].Owns(path) {
			return &s.opts.APIs[i]
		}
	}
	return nil
}

// ServeHTTP answers one request: faults first, then the API that owns the
// path, else the pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusWriter{ResponseWriter: w}
	s.serve(rec, r)
	if s.logger != nil {
		s.logf("%s %s %d %s", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	api := s.api(r.URL.Path)
	if api == nil {
		if s.opts.Pages != nil {
			s.opts.Pages.ServeHTTP(w, r)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if s.limiter != nil {
		if wait, ok := s.limiter.allow(time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			api.Error(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too many requests")
			return
		}
	}
	if s.opts.FailRate > 0 && rand.Float64() < s.opts.FailRate {
		api.Error(w, http.StatusServiceUnavailable, "INTERNAL_SERVER_ERROR", "Service unavailable")
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// axum's fallback: 404 with an empty body. A known path with
		// another method is 405, also empty.
		if _, p := s.mux.Handler(withMethod(r)); p != "" {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		return
	}
	s.mux.ServeHTTP(w, r) // sets the path values the handlers read
}

// withMethod is r with the other common method, to tell a 405 from a 404.
func withMethod(r *http.Request) *http.Request {
	c := r.Clone(r.Context())
	if r.Method == http.MethodGet {
		c.Method = http.MethodPost
	} else {
		c.Method = http.MethodGet
	}
	return c
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.ResponseWriter.Write(b)
}

// limiter allows perSecond requests in each one-second window.
type limiter struct {
	perSecond int
	mu        sync.Mutex
	window    time.Time
	count     int
}

func (l *limiter) allow(now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.window) >= time.Second {
		l.window, l.count = now, 0
	}
	if l.count < l.perSecond {
		l.count++
		return 0, true
	}
	return time.Second - now.Sub(l.window), false
}

// Bearer reports whether r carries "Authorization: Bearer <non-empty>".
// The sandbox accepts any token: there is no account to check it against.
func Bearer(r *http.Request) (missing, malformed bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return true, false
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	return false, !ok || strings.TrimSpace(tok) == ""
}

// ErrNotLoopback: the sandbox listens on loopback only.
var ErrNotLoopback = errors.New("the sandbox listens on loopback only")

// CheckAddr refuses an address whose host is not loopback (localhost,
// 127.0.0.0/8, ::1).
func CheckAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: %w (localhost, 127.0.0.0/8 or ::1): it accepts any token and must not be reachable from other machines", addr, ErrNotLoopback)
	}
	return nil
}

// Listen opens addr after checking it is loopback.
func Listen(addr string) (net.Listener, error) {
	if err := CheckAddr(addr); err != nil {
		return nil, err
	}
	return net.Listen("tcp", addr)
}

// Serve answers on l until ctx ends.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(sctx)
		case <-done:
		}
	}()
	err := hs.Serve(l)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
