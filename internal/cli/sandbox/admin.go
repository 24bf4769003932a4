package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/endpoint"
	"github.com/billctl/billctl/internal/sandbox/page"
)

// adminPrefix is where `sandbox serve` takes `sandbox expire` and
// `sandbox reset` from another terminal: outside every API's paths, since
// no real API has them.
const adminPrefix = "/_sandbox/"

// errNoServer: no `sandbox serve` answers; the command acts on the
// database itself.
var errNoServer = errors.New("no sandbox server answers")

// adminHandler serves POST /_sandbox/sessions/ID/expire and POST
// /_sandbox/reset on st, the server's own store, so that the commands act
// on what the server serves (its --memory or --data store). Only a
// program is answered: it must send a bearer token, which a browser never
// adds to another site's request, and without a server token (loopback)
// the peer must be loopback too; with one (token), that token.
func adminHandler(st *sandbox.Store, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (token == "" && !loopbackPeer(r)) || !sandbox.Authorized(r, token) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest := strings.TrimPrefix(r.URL.Path, adminPrefix)
		if rest == "reset" {
			if err := st.Reset(r.Context()); err != nil {
				http.Error(w, "reset failed", http.StatusInternalServerError)
				return
			}
			if r.URL.Query().Get("secret") == "1" {
				if _, err := st.SetSigningSecret(r.Context(), ""); err != nil {
					http.Error(w, "reset failed", http.StatusInternalServerError)
					return
				}
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		id, ok := strings.CutPrefix(rest, "sessions/")
		id, ok2 := strings.CutSuffix(id, "/expire")
		if !ok || !ok2 || id == "" || strings.Contains(id, "/") {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		ss, err := st.Expire(r.Context(), id)
		if ss != nil {
			w.Header().Set(page.StatusHeader, string(ss.Status))
		}
		switch {
		case errors.Is(err, sandbox.ErrNotFound):
			http.Error(w, "no such session", http.StatusNotFound)
		case errors.Is(err, sandbox.ErrState):
			http.Error(w, "not expirable", http.StatusConflict)
		case err != nil:
			http.Error(w, "expire failed", http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
}

func loopbackPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withAdmin serves the admin endpoints beside the pages.
func withAdmin(st *sandbox.Store, token string, pages http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(adminPrefix, adminHandler(st, token))
	mux.Handle("/", pages)
	return mux
}

// throughServer posts to path on the `sandbox serve` listening at
// BILLCTL_SANDBOX_ADDR, with BILLCTL_SANDBOX_TOKEN when set. It returns
// the answer's status code and session status, or errNoServer when
// nothing listens.
func throughServer(ctx context.Context, f *cmdutil.Factory, path string) (code int, status, addr string, err error) {
	addr = endpoint.Addr(f.Getenv)
	if _, err := sandbox.IsLoopback(addr); err != nil {
		return 0, "", addr, exitcode.New(exitcode.Usage, fmt.Errorf("BILLCTL_SANDBOX_ADDR: %w", err))
	}
	// The one HTTP stack, so --debug shows the call like any other; one
	// attempt within 30 s, and a redirect is an answer: the admin routes
	// never send one.
	var debug io.Writer
	if f.Flags != nil {
		if on, _ := f.Flags.GetBool("debug"); on {
			debug = f.IO.Err
		}
	}
	client := httpx.New(httpx.Options{
		BaseURL:     "http://" + addr,
		Token:       endpoint.ClientToken(f.Getenv),
		UserAgent:   f.UserAgent(),
		Timeout:     30 * time.Second,
		NoRedirects: true,
		Debug:       debug,
	})
	res, err := client.Do(ctx, http.MethodPost, path, nil, nil)
	if err != nil {
		return 0, "", addr, errNoServer
	}
	return res.Status, res.Header.Get(page.StatusHeader), addr, nil
}
