package page

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

//go:embed page.html
var pageHTML string

//go:embed page.css
var pageCSS string

// Both are made on first use: billctl links this package into every
// command, and only `sandbox serve` ever shows a page.
var (
	tmpl = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageHTML)) })
	// The stylesheet is inline (one request, nothing to serve beside the
	// page); the policy allows exactly it and no script at all.
	cssHash = sync.OnceValue(func() string {
		sum := sha256.Sum256([]byte(pageCSS))
		return base64.StdEncoding.EncodeToString(sum[:])
	})
)

// StatusHeader carries the session's status on every answer about one, so
// a program that pays or cancels through the page (billctl sandbox pay)
// reads the outcome without parsing HTML.
const StatusHeader = "Sandbox-Session-Status"

// DefaultPrefix is where the pages live unless Options.Prefix says
// otherwise: a session's page is DefaultPrefix + its ID.
const DefaultPrefix = "/checkout/"

// Options configure the handler New returns.
type Options struct {
	// Sessions is the store the page reads and moves sessions through.
	Sessions Sessions
	// Prefix is the path under which sessions' pages live, ending in "/";
	// the page of session ID is Prefix+ID, its forms post to Prefix+ID+"/pay"
	// and Prefix+ID+"/cancel". Default DefaultPrefix.
	Prefix string
	// Secret keys the forms' CSRF tokens. Keep it across restarts so a page
	// opened before one still works after it; when empty, a random secret is
	// made and such a page asks for a reload.
	Secret []byte
	// Log receives the errors the page hides from the browser (a failing
	// store). Default: slog.Default().
	Log *slog.Logger
	// Key, when set, is the capability session id's page URL carries as
	// ?key=: a request without it is refused as if the session did not
	// exist, unless Program vouches for it. A server reachable from other
	// machines sets it, since its pages are opened without the API token.
	Key func(id string) string
	// Program reports whether r comes from a program holding the API's
	// token (billctl sandbox pay), which needs neither form token nor key.
	// Default: any Authorization: Bearer with a token.
	Program func(r *http.Request) bool
}

// Handler serves the checkout pages. Mount it at its Prefix:
// mux.Handle(page.DefaultPrefix, h).
type Handler struct {
	sessions Sessions
	prefix   string
	tokens   tokens
	origin   *http.CrossOriginProtection
	log      *slog.Logger
	key      func(id string) string
	program  func(r *http.Request) bool
}

// New returns the pages' handler.
func New(o Options) *Handler {
	h := &Handler{sessions: o.Sessions, prefix: o.Prefix, tokens: tokens{secret: o.Secret}, origin: http.NewCrossOriginProtection(), log: o.Log, key: o.Key, program: o.Program}
	if h.program == nil {
		h.program = bearer
	}
	if h.prefix == "" {
		h.prefix = DefaultPrefix
	}
	if !strings.HasSuffix(h.prefix, "/") {
		h.prefix += "/"
	}
	if len(h.tokens.secret) == 0 {
		h.tokens.secret = make([]byte, 32)
		rand.Read(h.tokens.secret) // never fails (crypto/rand's contract)
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h
}

// Path is the page of session id under prefix ("" = DefaultPrefix).
func Path(prefix, id string) string {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + url.PathEscape(id)
}

// ServeHTTP routes GET Prefix+ID, POST Prefix+ID/pay and POST
// Prefix+ID/cancel.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setHeaders(w)
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok || rest == "" {
		h.problem(w, http.StatusNotFound, "Not found", "There is no checkout page here.")
		return
	}
	id, action, _ := strings.Cut(rest, "/")
	if h.key != nil && r.Header.Get("Authorization") != "" && !h.program(r) {
		h.problem(w, http.StatusUnauthorized, "Token refused", "This sandbox takes another API token.")
		return
	}
	if !h.keyed(r, id) {
		// The same answer as for no such session: the key is what proves
		// the caller was given this page.
		h.problem(w, http.StatusNotFound, "Checkout not found", "There is no checkout session "+id+" in this sandbox, or its link is incomplete: open the checkout URL the API returned, whole.")
		return
	}
	switch action {
	case "":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			h.problem(w, http.StatusMethodNotAllowed, "Method not allowed", "This page is read with GET.")
			return
		}
		h.show(w, r, id)
	case "pay", "cancel":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			h.problem(w, http.StatusMethodNotAllowed, "Method not allowed", "This form is sent with POST, from the checkout page.")
			return
		}
		// Browsers say where a form came from (Sec-Fetch-Site, Origin): a
		// cross-site post is refused before its token is even read.
		if err := h.origin.Check(r); err != nil {
			h.problem(w, http.StatusForbidden, "Form refused", "This form was sent from another site.")
			return
		}
		h.act(w, r, id, action)
	default:
		h.problem(w, http.StatusNotFound, "Not found", "There is no checkout page here.")
	}
}

// show renders a session's page; opening it (GET, not HEAD) moves CREATED
// to AWAITING_PAYMENT as the real checkout does.
func (h *Handler) show(w http.ResponseWriter, r *http.Request, id string) {
	var (
		c   Checkout
		err error
	)
	if r.Method == http.MethodHead {
		c, err = h.sessions.Checkout(r.Context(), id)
	} else {
		c, err = h.sessions.Opened(r.Context(), id)
	}
	if err != nil {
		h.storeError(w, r.Context(), id, err)
		return
	}
	w.Header().Set(StatusHeader, string(c.Status))
	h.render(w, http.StatusOK, h.view(c, ""))
}

func (h *Handler) act(w http.ResponseWriter, r *http.Request, id, action string) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		h.problem(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	// A program (billctl sandbox pay) says who it is with a bearer token,
	// as the sandbox's APIs take one; a browser never adds that header to a
	// form or to another site's request, so it needs no form token.
	if !h.program(r) && !h.tokens.valid(action, id, r.PostForm.Get("csrf_token")) {
		h.problem(w, http.StatusForbidden, "Form refused",
			"This form did not come from this checkout page (or the sandbox server restarted since it was opened). Open the page again and retry.")
		return
	}
	var (
		c   Checkout
		err error
	)
	if action == "pay" {
		c, err = h.sessions.Pay(r.Context(), id)
	} else {
		c, err = h.sessions.Cancel(r.Context(), id)
	}
	if errors.Is(err, ErrState) {
		cur, gerr := h.sessions.Checkout(r.Context(), id)
		if gerr != nil {
			h.storeError(w, r.Context(), id, gerr)
			return
		}
		verb := "paid"
		if action == "cancel" {
			verb = "cancelled"
		}
		w.Header().Set(StatusHeader, string(cur.Status))
		h.render(w, http.StatusConflict, h.view(cur, "This checkout is "+stateWord(cur.Status)+": it can no longer be "+verb+"."))
		return
	}
	if err != nil {
		h.storeError(w, r.Context(), id, err)
		return
	}
	w.Header().Set(StatusHeader, string(c.Status))
	if to, ok := redirectTarget(c, action); ok {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	// Post/Redirect/Get: a reload shows the outcome instead of posting again.
	http.Redirect(w, r, h.withKey(Path(h.prefix, id), id), http.StatusSeeOther)
}

// keyed reports whether r may reach session id's page: always without
// Key, else with the session's key in the query or from a program.
func (h *Handler) keyed(r *http.Request, id string) bool {
	if h.key == nil || h.program(r) {
		return true
	}
	got := r.URL.Query().Get("key")
	return got != "" && hmac.Equal([]byte(got), []byte(h.key(id)))
}

// withKey is path with session id's key, when pages need one.
func (h *Handler) withKey(path, id string) string {
	if h.key == nil {
		return path
	}
	return path + "?key=" + url.QueryEscape(h.key(id))
}

// bearer reports whether r carries an Authorization: Bearer header with a
// token, as the sandbox's APIs accept any.
func bearer(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != ""
}

// redirectTarget is where the customer goes after action: after paying,
// Meteroid's success_url (with checkout_session_id added to its query, as
// Meteroid's SDK documents) or Maple's options.redirect_url when the
// session asks to be redirected there; after Cancel, Meteroid's
// cancel_url. Only an absolute http(s) URL is followed: the value is the
// API user's text, and a javascript: or data: URL must not run.
func redirectTarget(c Checkout, action string) (string, bool) {
	if action != "pay" {
		return absoluteHTTP(c.CancelURL)
	}
	if c.SuccessURL != "" {
		u, ok := absoluteHTTP(c.SuccessURL)
		if !ok {
			return "", false
		}
		// Appended, so the URL's own query stays as its owner wrote it.
		p, _ := url.Parse(u)
		if p.RawQuery != "" {
			p.RawQuery += "&"
		}
		p.RawQuery += "checkout_session_id=" + url.QueryEscape(c.ID)
		return p.String(), true
	}
	if c.CompletionAction != "" && !strings.EqualFold(c.CompletionAction, "REDIRECT") {
		return "", false
	}
	return absoluteHTTP(c.RedirectURL)
}

func absoluteHTTP(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}

func (h *Handler) storeError(w http.ResponseWriter, ctx context.Context, id string, err error) {
	if errors.Is(err, ErrNotFound) {
		h.problem(w, http.StatusNotFound, "Checkout not found", "There is no checkout session "+id+" in this sandbox.")
		return
	}
	h.log.ErrorContext(ctx, "checkout page", "session", id, "error", err)
	h.problem(w, http.StatusInternalServerError, "Something went wrong",
		"The sandbox could not read or change this session; its log says why.")
}

type view struct {
	Title   string
	CSS     template.CSS
	Problem string // set on error pages, which show nothing else
	C       Checkout
	Notice  string
	Payable bool
	State   string // the outcome, when not payable
	Message string // the session's confirmation message, after paying

	PayAction, PayToken       string
	CancelAction, CancelToken string
}

func (h *Handler) view(c Checkout, notice string) view {
	if c.CustomerName == "" {
		c.CustomerName = c.CustomerID
	}
	if c.StatusText == "" {
		c.StatusText = string(c.Status)
	}
	v := view{
		Title:   "Checkout for " + c.CustomerName,
		CSS:     template.CSS(pageCSS),
		C:       c,
		Notice:  notice,
		Payable: c.Status.Payable(),
	}
	if v.Payable {
		v.PayAction = h.withKey(Path(h.prefix, c.ID)+"/pay", c.ID)
		v.PayToken = h.tokens.make("pay", c.ID)
		v.CancelAction = h.withKey(Path(h.prefix, c.ID)+"/cancel", c.ID)
		v.CancelToken = h.tokens.make("cancel", c.ID)
		return v
	}
	switch c.Status {
	case Completed:
		v.State = "Paid: this checkout is complete."
		v.Message = c.ConfirmationMessage
	case Cancelled:
		v.State = "This checkout was cancelled."
	case Expired:
		v.State = "This checkout has expired."
	default:
		v.State = "This checkout is " + c.StatusText + "."
	}
	return v
}

func stateWord(s Status) string {
	switch s {
	case Completed:
		return "already paid"
	case Cancelled:
		return "cancelled"
	case Expired:
		return "expired"
	}
	return string(s)
}

func (h *Handler) problem(w http.ResponseWriter, status int, title, text string) {
	h.render(w, status, view{Title: title, CSS: template.CSS(pageCSS), Problem: text})
}

func (h *Handler) render(w http.ResponseWriter, status int, v view) {
	var b bytes.Buffer
	if err := tmpl().Execute(&b, v); err != nil {
		h.log.Error("checkout page: template", "error", err)
		http.Error(w, "checkout page: internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func setHeaders(w http.ResponseWriter) {
	hd := w.Header()
	// No script may run, whatever a session's text holds; the page may not
	// be framed (a Pay button under someone else's overlay).
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'sha256-"+cssHash()+"'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
}
