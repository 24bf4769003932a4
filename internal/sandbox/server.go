package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// Unauthorized answers a request whose token the server refuses, as
	// the API's server answers an unknown key; nil: Error with 401.
	Unauthorized func(w http.ResponseWriter, r *http.Request)
}

// Env is what an API's handlers use: the store and the server's settings.
type Env struct {
	Store *Store
	// BaseURL is the server's own root, http://127.0.0.1:12111: checkout
	// pages are under BaseURL + "/checkout/".
	BaseURL string
	Logf    func(format string, args ...any)
	// Token, when set, is the one bearer token the server takes; otherwise
	// any non-empty one is.
	Token string
	// PageSecret, when set, keys the capability each page URL carries
	// (?key=): off loopback the page is reached without the API token, so
	// its URL must be what lets a browser in.
	PageSecret []byte
}

// CheckoutURL is the page of session id on this server, with its key
// when pages need one.
func (e *Env) CheckoutURL(id string) string {
	u := e.BaseURL + "/checkout/" + id
	if k := e.PageKey(id); k != "" {
		u += "?key=" + k
	}
	return u
}

// PageKey is the capability of session id's page; "" when pages need none.
func (e *Env) PageKey(id string) string {
	if len(e.PageSecret) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, e.PageSecret)
	m.Write([]byte("page\x00"))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Authorized reports whether r carries a token the server takes: Token
// when one is set, else any non-empty bearer. The comparison takes the
// same time whatever the token's first wrong byte.
func (e *Env) Authorized(r *http.Request) bool { return Authorized(r, e.Token) }

// Authorized reports whether r carries Authorization: Bearer token, or
// any non-empty bearer when token is "".
func Authorized(r *http.Request, token string) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return false
	}
	if token == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(tok), []byte(token)) == 1
}

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
	// Log receives one line per request (text); nil: none.
	Log io.Writer
	// Logger, when set, receives one record per request instead of Log,
	// in its handler's format (sandbox serve --log-format).
	Logger *slog.Logger
	// Token, when set, is the only bearer token the APIs take (see
	// Env.Token); PageSecret keys the pages' URLs (Env.PageSecret).
	Token      string
	PageSecret []byte
	// Version is what /healthz and /readyz say the server is.
	Version string
	// StopTimeout bounds how long Serve waits, once its context ends, for
	// the requests in flight. Default 10 s.
	StopTimeout time.Duration
}

// Server is the sandbox's HTTP handler; the same handler serves a listener
// (`sandbox serve`) and in-process clients (Transport).
type Server struct {
	opts    Options
	env     *Env
	mux     *http.ServeMux
	limiter *limiter
	logger  *slog.Logger

	// draining is set once Serve's context ends: a request that comes
	// after it is refused unprocessed (503, Connection: close), so its
	// client may safely send it again to the next server.
	draining atomic.Bool
	lastSeen atomic.Int64 // unix nanoseconds of the latest request's start
}

// New builds a server and seeds the catalogue of each API on first use.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = "http://" + endpoint.DefaultAddr
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.logger = opts.Logger
	if s.logger == nil && opts.Log != nil {
		s.logger = slog.New(slog.NewTextHandler(opts.Log, nil))
	}
	s.env = &Env{Store: opts.Store, BaseURL: opts.BaseURL, Logf: s.logf, Token: opts.Token, PageSecret: opts.PageSecret}
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
		s.logger.Error(fmt.Sprintf(format, args...))
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
	s.lastSeen.Store(start.UnixNano())
	rec := &statusWriter{ResponseWriter: w}
	s.serve(rec, r)
	if s.logger != nil {
		// The path alone: the query may hold a page's key, and no header
		// (the token) is ever logged.
		s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.code()), slog.Duration("took", time.Since(start).Round(time.Microsecond)),
			slog.String("remote", r.RemoteAddr))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case HealthPath, ReadyPath:
		s.health(w, r)
		return
	}
	api := s.api(r.URL.Path)
	if s.draining.Load() {
		w.Header().Set("Connection", "close")
		w.Header().Set("Retry-After", "1")
		if api != nil {
			api.Error(w, http.StatusServiceUnavailable, "INTERNAL_SERVER_ERROR", "Service unavailable: the sandbox is stopping")
		} else {
			http.Error(w, "the sandbox is stopping", http.StatusServiceUnavailable)
		}
		return
	}
	if api != nil && s.opts.Token != "" && !s.env.Authorized(r) {
		// Before the faults and the routes: an unknown token learns
		// nothing, as on the real servers whose auth layer runs first.
		if api.Unauthorized != nil {
			api.Unauthorized(w, r)
		} else {
			api.Error(w, http.StatusUnauthorized, "UNAUTHORIZED", "Invalid or missing API token")
		}
		return
	}
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

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
// On loopback the sandbox accepts any token: there is no account to check
// it against (the server refuses a wrong one first when it has a Token).
func Bearer(r *http.Request) (missing, malformed bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return true, false
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	return false, !ok || strings.TrimSpace(tok) == ""
}

// ErrNotLoopback: off loopback the sandbox needs a token.
var ErrNotLoopback = errors.New("the sandbox listens off loopback only with a token")

// IsLoopback reports whether addr's host is loopback (localhost,
// 127.0.0.0/8, ::1).
func IsLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// CheckAddr refuses an address whose host is not loopback unless the
// server has a token: on loopback any token is taken, which must not be
// reachable from other machines.
func CheckAddr(addr string, token bool) error {
	lo, err := IsLoopback(addr)
	if err != nil {
		return err
	}
	if !lo && !token {
		return fmt.Errorf("--addr %q: %w: on loopback (localhost, 127.0.0.0/8 or ::1) it accepts any token, so another host needs --token T or BILLCTL_SANDBOX_TOKEN, which every API request must then send as Bearer T", addr, ErrNotLoopback)
	}
	return nil
}

// Listen opens addr after checking it (CheckAddr).
func Listen(addr string, token bool) (net.Listener, error) {
	if err := CheckAddr(addr, token); err != nil {
		return nil, err
	}
	return net.Listen("tcp", addr)
}

// Serve answers on l until ctx ends, then stops gracefully: it stops
// accepting, refuses unprocessed (503, Connection: close, Retry-After) any
// request that arrives on a connection already open, finishes the
// requests in flight within StopTimeout, and returns.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	timeout := s.opts.StopTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	deadline := time.Now().Add(timeout)
	s.draining.Store(true)
	l.Close() // stop accepting; open connections are still served
	// Clients on open connections learn of the stop from the 503s; wait
	// until nothing arrives for a moment (or the deadline), so Shutdown
	// closes connections no client is writing to.
	const quiet = 300 * time.Millisecond
	for time.Now().Before(deadline) {
		if time.Since(time.Unix(0, s.lastSeen.Load())) >= quiet {
			break
		}
		time.Sleep(quiet / 6)
	}
	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		err = fmt.Errorf("sandbox: requests still in flight after %s were cut off", timeout)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && !errors.Is(serr, net.ErrClosed) {
		return serr
	}
	return err
}
