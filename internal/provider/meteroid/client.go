package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// Name is the provider's name in settings and messages.
const Name = "meteroid"

const sessionsPath = "/api/v1/checkout-sessions"

// Client is Meteroid's checkout-session API. It is safe for concurrent use
// (the creates of a batch share it).
type Client struct {
	http *httpx.Client

	mu sync.Mutex
	// claimed are the sessions this client has already handed out, so
	// that a reconcile never adopts a session another create of the same
	// run received.
	claimed map[string]bool
	// creating counts the creates under way per customer and plan: while
	// two are, a session found for that pair cannot be told apart.
	creating map[target]int
}

// target is what a create makes a session for.
type target provider.Subject

// New wraps an HTTP client configured for Meteroid.
func New(c *httpx.Client) *Client { return &Client{http: c} }

// Name implements provider.Provider.
func (c *Client) Name() string { return Name }

// NewRequest implements provider.Provider.
func (c *Client) NewRequest() any { return &CreateCheckoutSessionRequest{} }

// Prepare implements provider.Provider: Meteroid needs nothing added.
func (c *Client) Prepare(*request.Doc) {}

// CreatePath implements provider.Provider.
func (c *Client) CreatePath() string { return sessionsPath }

// Subject implements provider.Provider: the customer (ID or alias) and
// the plan version.
func (c *Client) Subject(req any) provider.Subject {
	r, ok := req.(*CreateCheckoutSessionRequest)
	if !ok {
		return provider.Subject{}
	}
	return provider.Subject{Customer: r.CustomerID, Plan: r.PlanVersionID}
}

// Create implements provider.Provider.
//
// Meteroid ignores Idempotency-Key (it is sent anyway, for a proxy or a
// future server), so sending a create twice can make two sessions. The
// request is therefore sent again only when the server provably did not
// act on it (no connection, 429, 503). After any other failure the
// outcome is unknown, and the customer's sessions are listed to find out
// (reconcile): a session for the same customer and plan version created
// since the attempt began is the one it made. When that cannot be told,
// the error says what may exist; billctl never guesses.
func (c *Client) Create(ctx context.Context, req provider.Request, key string) (*provider.Session, error) {
	t := target(req.Subject)
	body := req.Body
	c.begin(t)
	defer c.end(t)
	since := c.http.Now()
	res, err := c.http.Send(ctx, httpx.Request{
		Method: http.MethodPost,
		Path:   sessionsPath,
		Body:   body,
		Header: map[string]string{"Idempotency-Key": key},
		Replay: httpx.UnlessProcessed,
	})
	var he *httpx.Error
	switch {
	case errors.As(err, &he) && he.Interrupted():
		if he.Sent {
			return nil, interruptedAfterSend(t)
		}
		return nil, wrap(err)
	case errors.As(err, &he) && he.Sent:
		return c.reconcile(ctx, t, since, he.Cause(), wrap(err))
	case err != nil:
		return nil, wrap(err)
	}
	if res.Status >= 200 && res.Status <= 299 {
		s, err := readSession(res)
		if err != nil {
			return c.reconcile(ctx, t, since, fmt.Sprintf("the %d answer could not be read", res.Status), err)
		}
		c.claim(s.ID)
		return s, nil
	}
	apiErr := apiError(res)
	if res.Status >= 500 && res.Status != http.StatusServiceUnavailable {
		// A gateway or the server failed after the request reached it:
		// the session may have been made before the failure.
		return c.reconcile(ctx, t, since, firstLine(strings.TrimPrefix(apiErr.Error(), Name+": ")), apiErr)
	}
	return nil, apiErr
}

// Get implements provider.Provider.
func (c *Client) Get(ctx context.Context, id string) (*provider.Session, error) {
	seg, err := provider.IDPath("checkout session ID", id)
	if err != nil {
		return nil, err
	}
	return c.session(ctx, http.MethodGet, sessionsPath+"/"+seg, nil, nil)
}

// Cancel implements provider.Provider.
func (c *Client) Cancel(ctx context.Context, id string) (*provider.Session, error) {
	seg, err := provider.IDPath("checkout session ID", id)
	if err != nil {
		return nil, err
	}
	s, err := c.session(ctx, http.MethodPost, sessionsPath+"/"+seg+"/cancel", nil, nil)
	if e, ok := err.(*provider.APIError); ok && e.Status == 400 {
		e.Hint = "Only a session that exists and is still open (CREATED or AWAITING_PAYMENT) can be cancelled: check the ID with `billctl checkout get " + id + "`."
	}
	return s, err
}

// List implements provider.Provider.
func (c *Client) List(ctx context.Context, f provider.ListFilter) ([]*provider.Session, error) {
	q := url.Values{}
	if f.Customer != "" {
		q.Set("customer_id", f.Customer)
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	path := sessionsPath
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	res, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	var env struct {
		Sessions []json.RawMessage `json:"sessions"`
	}
	if err := json.Unmarshal(res.Body, &env); err != nil {
		return nil, provider.ResponseError(Name, res.Status, res.Body, err)
	}
	out := make([]*provider.Session, 0, len(env.Sessions))
	for _, raw := range env.Sessions {
		s, err := toSession(raw)
		if err != nil {
			return nil, provider.ResponseError(Name, res.Status, res.Body, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (c *Client) session(ctx context.Context, method, path string, body []byte, hdr map[string]string) (*provider.Session, error) {
	res, err := c.do(ctx, method, path, body, hdr)
	if err != nil {
		return nil, err
	}
	return readSession(res)
}

func readSession(res *httpx.Response) (*provider.Session, error) {
	var env struct {
		Session json.RawMessage `json:"session"`
	}
	if err := json.Unmarshal(res.Body, &env); err != nil || len(env.Session) == 0 || string(env.Session) == "null" {
		if err == nil {
			err = errNoSession
		}
		return nil, provider.ResponseError(Name, res.Status, res.Body, err)
	}
	s, err := toSession(env.Session)
	if err != nil {
		return nil, provider.ResponseError(Name, res.Status, res.Body, err)
	}
	return s, nil
}

type sessionError string

func (e sessionError) Error() string { return string(e) }

const errNoSession = sessionError(`no "session" object in the answer`)

func (c *Client) do(ctx context.Context, method, path string, body []byte, hdr map[string]string) (*httpx.Response, error) {
	res, err := c.http.Do(ctx, method, path, body, hdr)
	if err != nil {
		return nil, wrap(err)
	}
	if res.Status < 200 || res.Status > 299 {
		return nil, apiError(res)
	}
	return res, nil
}

// wrap names the provider in a transport error.
func wrap(err error) error { return fmt.Errorf("%s: %w", Name, err) }

func apiError(res *httpx.Response) *provider.APIError {
	e := provider.ErrorFromBody(Name, res.Status, res.Body, decodeError)
	provider.NoteRetries(e, res.Attempts, res.GaveUp)
	return e
}

// decodeError reads Meteroid's {"code","message"}.
func decodeError(b []byte, e *provider.APIError) bool {
	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &body) != nil || (body.Code == "" && body.Message == "") {
		return false
	}
	e.Code, e.Message = body.Code, body.Message
	return true
}

func toSession(raw json.RawMessage) (*provider.Session, error) {
	var s CheckoutSession
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if s.ID == "" {
		return nil, sessionError("the session has no id")
	}
	out := &provider.Session{Raw: raw, ID: s.ID, Status: string(s.Status), Customer: s.CustomerID, Plan: s.PlanVersionID}
	if s.CheckoutURL != nil {
		out.URL = *s.CheckoutURL
	}
	if s.ExpiresAt != nil {
		out.ExpiresAt = *s.ExpiresAt
	}
	out.CreatedAt = s.CreatedAt
	return out, nil
}

func (c *Client) begin(t target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.creating == nil {
		c.creating = map[target]int{}
	}
	c.creating[t]++
}

func (c *Client) end(t target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.creating[t]--; c.creating[t] <= 0 {
		delete(c.creating, t)
	}
}

func (c *Client) claim(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claimed == nil {
		c.claimed = map[string]bool{}
	}
	c.claimed[id] = true
}

// reconcile finds out whether a create whose outcome is unknown made a
// session, and adopts it when exactly one fits. cause says what happened
// ("timeout after the request was sent"); failure is the error to report
// along with it.
func (c *Client) reconcile(ctx context.Context, t target, since time.Time, cause string, failure error) (*provider.Session, error) {
	if ctx.Err() != nil {
		return nil, interruptedAfterSend(t)
	}
	u := &uncertain{cause: cause, t: t, err: failure}
	if t.Customer == "" || t.Plan == "" {
		u.why = "the request names no customer or plan version to look for"
		return nil, u
	}
	if !isCustomerID(t.Customer) {
		u.why = fmt.Sprintf("%q looks like a customer alias, which the session list cannot be filtered by (it takes a cus_… ID), so billctl cannot look for it", t.Customer)
		return nil, u
	}
	// Sessions carry created_at to the second: compare whole seconds, so
	// the session the attempt made is not missed for a fraction.
	since = since.UTC().Truncate(time.Second)
	list, err := c.List(ctx, provider.ListFilter{Customer: t.Customer})
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruptedAfterSend(t)
		}
		u.why = "looking for it failed too (" + firstLine(err.Error()) + "), so billctl cannot tell"
		return nil, u
	}
	u.since = since
	var found []string
	c.mu.Lock()
	for _, s := range list {
		if s.Customer != t.Customer || s.Plan != t.Plan || c.claimed[s.ID] {
			continue
		}
		created, err := time.Parse(time.RFC3339, s.CreatedAt)
		if err != nil || created.Before(since) {
			continue
		}
		found = append(found, s.ID)
	}
	others := c.creating[t] - 1
	var adopted *provider.Session
	if len(found) == 1 && others == 0 {
		for _, s := range list {
			if s.ID == found[0] {
				adopted = s
			}
		}
		if c.claimed == nil {
			c.claimed = map[string]bool{}
		}
		c.claimed[adopted.ID] = true
	}
	c.mu.Unlock()
	if adopted != nil {
		c.http.Notef("%s: adopted session %s, created by the attempt that got no clear answer (%s)\n", Name, adopted.ID, cause)
		return adopted, nil
	}
	sort.Strings(found)
	u.found = found
	switch {
	case len(found) == 0:
		u.why = "none was found, but it may still appear"
	case others > 0:
		u.why = fmt.Sprintf("%d other create(s) for the same customer and plan version are under way in this run, so billctl cannot tell which session is whose", others)
	default:
		u.why = "billctl cannot tell which one, if any, this attempt made"
	}
	return nil, u
}

// isCustomerID tells a Meteroid customer ID (cus_ and base62) from an
// alias, which the list filter does not take.
func isCustomerID(s string) bool {
	rest, ok := strings.CutPrefix(s, "cus_")
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// uncertain is a create whose outcome is unknown: it names what may
// exist and how to check, and is never retried.
type uncertain struct {
	cause string
	t     target
	since time.Time
	found []string
	why   string
	err   error
}

func (e *uncertain) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the create may have succeeded (%s); ", Name, e.cause)
	what := fmt.Sprintf("a session for customer %s and plan version %s", e.t.Customer, e.t.Plan)
	switch {
	case len(e.found) > 0:
		fmt.Fprintf(&b, "session(s) %s for customer %s and plan version %s were created since %s, and %s.",
			strings.Join(e.found, ", "), e.t.Customer, e.t.Plan, e.since.Format(time.RFC3339), e.why)
	case !e.since.IsZero():
		fmt.Fprintf(&b, "no session for customer %s and plan version %s created since %s was found; %s.",
			e.t.Customer, e.t.Plan, e.since.Format(time.RFC3339), strings.TrimPrefix(e.why, "none was found, but "))
	default:
		fmt.Fprintf(&b, "%s may exist; %s.", what, e.why)
	}
	b.WriteString("\nIt was not sent again, so at most one was created. ")
	if isCustomerID(e.t.Customer) {
		fmt.Fprintf(&b, "Check with: billctl checkout list --customer %s", e.t.Customer)
	} else {
		b.WriteString("Check with: billctl checkout list --customer <the customer's cus_… ID>")
	}
	return b.String()
}

func (e *uncertain) Unwrap() error { return e.err }

// ExitCode: an API failure, whatever the underlying error says.
func (e *uncertain) ExitCode() int { return exitcode.Failure }

// interruptedAfterSend is Ctrl-C once the create had reached the server.
func interruptedAfterSend(t target) error {
	check := "billctl checkout list --customer " + t.Customer
	if !isCustomerID(t.Customer) {
		check = "billctl checkout list --customer <the customer's cus_… ID>"
	}
	return exitcode.New(exitcode.Interrupted, fmt.Errorf(
		"%s: interrupted after the create request was sent: a session for customer %s and plan version %s may exist; check with: %s",
		Name, t.Customer, t.Plan, check))
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
