package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
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
	// settling are the creates of each pair whose outcome is being found
	// out (reconcile). They wait until no create of their pair is in
	// flight, and no new one starts meanwhile: then the sessions that
	// exist for the pair are all there will be, and they can be counted
	// against the documents still unsettled.
	settling map[target][]*settler
	// changed is closed, and replaced, whenever creating, settling or
	// claimed change: waiters look again.
	changed chan struct{}
}

// settler is one create whose outcome is being found out.
type settler struct {
	// look is what of its request a session shows (the scalar fields the
	// API echoes): settlers with the same look cannot be told apart by
	// their sessions, and need not be (any of the sessions fits any).
	look map[string]any
	// stuck: its count does not decide; it waits for the others.
	stuck bool
}

// target is what a create makes a session for.
type target provider.Subject

// New wraps an HTTP client configured for Meteroid.
func New(c *httpx.Client) *Client { return &Client{http: c} }

// Name implements provider.Provider.
func (c *Client) Name() string { return Name }

// NewRequest implements provider.Provider.
func (c *Client) NewRequest() any { return &CreateCheckoutSessionRequest{} }

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
	if err := c.begin(ctx, t); err != nil {
		return nil, err
	}
	ended := false
	end := func() {
		if !ended {
			ended = true
			c.end(t)
		}
	}
	defer end()
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
	case errors.As(err, &he) && (he.Sent || he.MaybeSent):
		end()
		return c.reconcile(ctx, req, since, he.Cause(), wrap(err))
	case err != nil:
		return nil, wrap(err)
	}
	if res.Status >= 200 && res.Status <= 299 {
		s, err := readSession(res)
		if err != nil {
			end()
			return c.reconcile(ctx, req, since, fmt.Sprintf("the %d answer could not be read", res.Status), err)
		}
		c.claim(s.ID)
		return s, nil
	}
	apiErr := apiError(res)
	if res.Status == http.StatusInternalServerError && t.Customer != "" {
		// The server answers 500 for a customer that does not exist (the
		// insert fails on a foreign key). When the customer is not found,
		// no session can have been made: say so, rather than that the
		// create may have succeeded.
		end()
		switch missing, known := c.lookUpCustomer(ctx, t.Customer); {
		case missing:
			return nil, &unknownCustomer{customer: t.Customer, answer: apiErr}
		case known:
			s, err := c.reconcile(ctx, req, since, firstLine(strings.TrimPrefix(apiErr.Error(), Name+": ")), apiErr)
			var u *uncertain
			if errors.As(err, &u) {
				u.customerKnown = true
			}
			return s, err
		}
	}
	if res.Status >= 500 && res.Status != http.StatusServiceUnavailable {
		// A gateway or the server failed after the request reached it:
		// the session may have been made before the failure.
		end()
		return c.reconcile(ctx, req, since, firstLine(strings.TrimPrefix(apiErr.Error(), Name+": ")), apiErr)
	}
	if res.Status == http.StatusNotFound && isAlias(t.Customer) && apiErr.Hint == "" {
		// The one thing this endpoint looks up by its own name is an alias.
		apiErr.Hint = fmt.Sprintf("No customer has the alias %q on this account: check it (a typo, or another environment) and the profile or --base-url; "+
			"`billctl checkout create --customer <TAB>` lists the customers.", t.Customer)
	}
	return nil, apiErr
}

// lookUpCustomer asks the server for the customer idOrAlias: missing
// when it answers that it knows none (404), known when it shows it. Any
// other answer, or none, tells neither.
func (c *Client) lookUpCustomer(ctx context.Context, idOrAlias string) (missing, known bool) {
	_, err := c.customerID(ctx, idOrAlias)
	var ae *provider.APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound, err == nil
}

// unknownCustomer is a create refused because its customer does not
// exist: nothing was made, for certain.
type unknownCustomer struct {
	customer string
	answer   *provider.APIError // the create's own answer
}

func (e *unknownCustomer) Error() string {
	return fmt.Sprintf("%s: no customer %s on this account, so no session was created (the create was answered %d %s: %s; GET /api/v1/customers/%s: 404).\n"+
		"Check the ID (a typo, or another environment) and the profile or --base-url; `billctl checkout create --customer <TAB>` lists the customers.",
		Name, e.customer, e.answer.Status, e.answer.Code, e.answer.Message, e.customer)
}

func (e *unknownCustomer) Unwrap() error { return e.answer }

// ExitCode: the API refused the request.
func (e *unknownCustomer) ExitCode() int { return exitcode.Failure }

// Get implements provider.Getter.
func (c *Client) Get(ctx context.Context, id string) (*provider.Session, error) {
	if err := CheckSessionID(id); err != nil {
		return nil, err
	}
	seg, err := provider.IDPath("checkout session ID", id)
	if err != nil {
		return nil, err
	}
	return c.session(ctx, http.MethodGet, sessionsPath+"/"+seg, nil, nil)
}

// Cancellable implements provider.Canceller: what can still be
// cancelled is a session nobody has paid, that has not expired.
func (c *Client) Cancellable(status string) bool {
	return status == string(CheckoutSessionCreated) || status == string(CheckoutSessionAwaitingPayment)
}

// ListStatuses implements provider.Lister.
func (c *Client) ListStatuses() []string { return CheckoutSessionStatus("").Values() }

// Cancel implements provider.Canceller.
func (c *Client) Cancel(ctx context.Context, id string) (*provider.Session, error) {
	if err := CheckSessionID(id); err != nil {
		return nil, err
	}
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

// List implements provider.Lister. The list endpoint has no pagination
// and answers with every session the tenant ever had: the answer is read
// as a stream, one session at a time, so that 100,000 sessions take no
// more memory than one.
func (c *Client) List(ctx context.Context, f provider.ListFilter, fn func(*provider.Session) error) error {
	// The list filter takes a customer ID, never an alias (the server
	// answers an alias with a 400 about its query string): an alias is
	// looked up first, as reconcile does.
	if isAlias(f.Customer) {
		id, err := c.customerID(ctx, f.Customer)
		if err != nil {
			var nf *provider.APIError
			if errors.As(err, &nf) && nf.Status == http.StatusNotFound {
				nf.Hint = fmt.Sprintf("No customer has the ID or alias %q on this account.", f.Customer)
			}
			return err
		}
		f.Customer = id
	}
	return c.eachSession(ctx, f, func(s *provider.Session, _ *CheckoutSession) error { return fn(s) })
}

// MaxListBody caps the answer of the list endpoint: sized for a list of
// some 1,000,000 sessions, against a server that never stops sending.
const MaxListBody = 1 << 30

// maxListElement caps one session in the list (or any other member of
// the answer): a session is a few kilobytes.
const maxListElement = 1 << 20

// eachSession lists sessions, handing each to fn decoded twice over: as
// the session the printer shows, and as Meteroid's own type.
func (c *Client) eachSession(ctx context.Context, f provider.ListFilter, fn func(*provider.Session, *CheckoutSession) error) error {
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
	var decodeErr, fnErr error
	res, err := c.http.Send(ctx, httpx.Request{
		Method: http.MethodGet,
		Path:   path,
		Replay: httpx.Idempotent,
		Stream: func(body io.Reader) error {
			lr := &elementLimit{r: io.LimitReader(body, MaxListBody+1)}
			decodeErr, fnErr = decodeList(lr, fn)
			if decodeErr == nil && lr.total > MaxListBody {
				decodeErr = fmt.Errorf("the list is larger than %d MiB", MaxListBody>>20)
			}
			if fnErr != nil {
				return fnErr
			}
			return decodeErr
		},
	})
	switch {
	case fnErr != nil:
		return fnErr
	case decodeErr != nil && (err == nil || !httpx.IsTimeout(err)):
		return fmt.Errorf("%s: the list of sessions could not be read: %w", Name, decodeErr)
	case err != nil:
		return wrap(err)
	case res.Status < 200 || res.Status > 299:
		return apiError(res)
	}
	return nil
}

// decodeList reads {"sessions": [...]} one session at a time. decodeErr
// is a body that is not such a list; fnErr is fn's own failure.
func decodeList(lr *elementLimit, fn func(*provider.Session, *CheckoutSession) error) (decodeErr, fnErr error) {
	dec := json.NewDecoder(lr)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return orErr(err, errors.New("the answer is not a JSON object")), nil
	}
	seen := false
	for dec.More() {
		lr.next()
		k, err := dec.Token()
		if err != nil {
			return err, nil
		}
		if k != "sessions" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err, nil
			}
			continue
		}
		seen = true
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			if t == nil && err == nil {
				continue // "sessions": null
			}
			return orErr(err, errors.New(`"sessions" is not a list`)), nil
		}
		for dec.More() {
			lr.next()
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err, nil
			}
			var cs CheckoutSession
			s, err := toSessionAs(raw, &cs)
			if err != nil {
				return err, nil
			}
			if err := fn(s, &cs); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err, nil
		}
	}
	if !seen {
		return errors.New(`the answer has no "sessions" list`), nil
	}
	return nil, nil
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// elementLimit fails a read once more than maxListElement bytes have come
// since the last element began: a decoder holds one element at a time,
// and one element must not grow without bound.
type elementLimit struct {
	r     io.Reader
	since int64
	total int64
}

func (l *elementLimit) next() { l.since = 0 }

func (l *elementLimit) Read(p []byte) (int, error) {
	if l.since > maxListElement {
		return 0, fmt.Errorf("one session of the list is larger than %d MiB", maxListElement>>20)
	}
	n, err := l.r.Read(p)
	l.since += int64(n)
	l.total += int64(n)
	return n, err
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
	provider.NoteRetryAfter(e, res.Header)
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
	return toSessionAs(raw, &CheckoutSession{})
}

// toSessionAs decodes raw into s and the session the printer shows.
func toSessionAs(raw json.RawMessage, s *CheckoutSession) (*provider.Session, error) {
	if err := json.Unmarshal(raw, s); err != nil {
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

// begin counts a create of pair t as under way. It waits while creates
// of that pair are being settled, so that they see every session the
// pair will have.
func (c *Client) begin(ctx context.Context, t target) error {
	for {
		c.mu.Lock()
		if len(c.settling[t]) == 0 {
			if c.creating == nil {
				c.creating = map[target]int{}
			}
			c.creating[t]++
			c.mu.Unlock()
			return nil
		}
		ch := c.changedLocked()
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return exitcode.New(exitcode.Interrupted, fmt.Errorf("%s: interrupted before the create request was sent", Name))
		}
	}
}

func (c *Client) end(t target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.creating[t]--; c.creating[t] <= 0 {
		delete(c.creating, t)
	}
	c.notifyLocked()
}

func (c *Client) changedLocked() chan struct{} {
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	return c.changed
}

func (c *Client) notifyLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

func (c *Client) claim(id string) { c.Claim(id) }

// Claim implements provider.Settler.
func (c *Client) Claim(ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claimed == nil {
		c.claimed = map[string]bool{}
	}
	for _, id := range ids {
		c.claimed[id] = true
	}
	c.notifyLocked()
}

// Settle implements provider.Settler: a create sent at since by an
// earlier run, whose answer was lost. It is reconciled as a create of
// this run would be; when no session of the pair was made since, none
// was made, and the request can be sent again.
func (c *Client) Settle(ctx context.Context, req provider.Request, since time.Time) (*provider.Session, error) {
	s, err := c.reconcile(ctx, req, since, "an earlier run was stopped before the answer arrived", nil)
	var u *uncertain
	if errors.As(err, &u) && u.none {
		return nil, nil
	}
	return s, err
}

// echoed are the scalar request fields that a session shows as sent:
// with the customer and plan version, what tells one document's session
// from another's.
var echoed = []string{"net_terms", "coupon_code", "billing_start_date", "billing_day_anchor", "trial_duration_days"}

// look is what of body a session would show.
func look(body []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	out := map[string]any{}
	for _, k := range echoed {
		if v, ok := m[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}

// shows reports whether a session (its raw JSON) shows every field of l.
func shows(raw json.RawMessage, l map[string]any) bool {
	if len(l) == 0 {
		return true
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for k, v := range l {
		if !reflect.DeepEqual(m[k], v) {
			return false
		}
	}
	return true
}

// reconcile finds out whether a create whose outcome is unknown made a
// session. It waits until no other create of the same customer and plan
// version is in flight (and holds new ones back), lists the sessions the
// create could have made (SELF_SERVE, still CREATED, for the pair, made
// since the attempt began, not taken by another document of this run or
// of the batch's journal), and counts them against the unsettled creates
// that look the same. As many sessions as such creates: one is this
// one's. None: nothing was made. Otherwise it waits for the other
// settling creates of the pair to take theirs, and when the count still
// does not decide, reports the outcome as unknown, naming the sessions.
// cause says what happened ("timeout after the request was sent");
// failure is the error to report along with it.
func (c *Client) reconcile(ctx context.Context, req provider.Request, since time.Time, cause string, failure error) (*provider.Session, error) {
	t := target(req.Subject)
	if ctx.Err() != nil {
		return nil, interruptedAfterSend(t)
	}
	u := &uncertain{cause: cause, t: t, err: failure}
	var ae *provider.APIError
	u.status500 = errors.As(failure, &ae) && ae.Status == http.StatusInternalServerError
	if t.Customer == "" || t.Plan == "" {
		u.why = "the request names no customer or plan version to look for"
		return nil, u
	}
	me := &settler{look: look(req.Body)}
	c.mu.Lock()
	if c.settling == nil {
		c.settling = map[target][]*settler{}
	}
	c.settling[t] = append(c.settling[t], me)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		list := c.settling[t]
		for i, s := range list {
			if s == me {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(c.settling, t)
		} else {
			c.settling[t] = list
		}
		c.notifyLocked()
		c.mu.Unlock()
	}()
	// Until the pair is quiet, a session found could be another create's.
	if err := c.waitFor(ctx, func() bool { return c.creating[t] == 0 }); err != nil {
		return nil, interruptedAfterSend(t)
	}
	// The list filter takes no alias: an alias is looked up first.
	customer := t.Customer
	if isAlias(customer) {
		id, err := c.customerID(ctx, customer)
		if err != nil {
			if ctx.Err() != nil {
				return nil, interruptedAfterSend(t)
			}
			var nf *provider.APIError
			if errors.As(err, &nf) && nf.Status == http.StatusNotFound {
				u.noCustomer = true
				u.why = fmt.Sprintf("no customer has the ID or alias %q on this account", customer)
			} else {
				u.why = "looking up the customer " + strconv.Quote(customer) + " failed too (" + firstLine(err.Error()) + "), so billctl cannot tell"
			}
			return nil, u
		}
		customer = id
	}
	u.customerID = customer
	// Sessions carry created_at to the second: compare whole seconds, so
	// the session the attempt made is not missed for a fraction.
	since = since.UTC().Truncate(time.Second)
	wantCustomer, wantPlan := canonicalID("cus_", customer), canonicalID("plv_", t.Plan)
	var fits []*provider.Session
	err := c.eachSession(ctx, provider.ListFilter{Customer: customer}, func(s *provider.Session, cs *CheckoutSession) error {
		if canonicalID("cus_", cs.CustomerID) != wantCustomer || canonicalID("plv_", cs.PlanVersionID) != wantPlan ||
			cs.CheckoutType != selfServe || cs.Status != CheckoutSessionCreated {
			return nil
		}
		created, err := time.Parse(time.RFC3339, s.CreatedAt)
		if err != nil || created.Before(since) {
			return nil
		}
		fits = append(fits, s)
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruptedAfterSend(t)
		}
		u.why = "looking for it failed too (" + firstLine(err.Error()) + "), so billctl cannot tell"
		return nil, u
	}
	u.since = since
	// The oldest first: of sessions that look alike, any fits.
	sort.SliceStable(fits, func(i, j int) bool { return fits[i].CreatedAt < fits[j].CreatedAt })
	var (
		adopted *provider.Session
		found   []string
		notMine bool
	)
	err = c.waitFor(ctx, func() bool {
		found = found[:0]
		notMine = false
		var mine []*provider.Session
		for _, s := range fits {
			if c.claimed[s.ID] {
				continue
			}
			found = append(found, s.ID)
			if shows(s.Raw, me.look) {
				mine = append(mine, s)
			}
		}
		alike, active := 0, 0
		for _, s := range c.settling[t] {
			if reflect.DeepEqual(s.look, me.look) {
				alike++
			}
			if s != me && !s.stuck {
				active++
			}
		}
		switch {
		case len(found) == 0:
			return true // none was made
		case len(mine) == 0 && len(me.look) > 0:
			// What was found shows other values of the fields the
			// request set (net_terms, coupon_code, …), as the server
			// echoes them: other documents' sessions. None is this one's.
			notMine = true
			return true
		case len(mine) > 0 && len(mine) == alike:
			adopted = mine[0]
			if c.claimed == nil {
				c.claimed = map[string]bool{}
			}
			c.claimed[adopted.ID] = true
			c.notifyLocked()
			return true
		case active > 0:
			// Others of the pair may take some of these: look again then.
			if !me.stuck {
				me.stuck = true
				c.notifyLocked()
			}
			return false
		}
		return true // the count does not decide
	})
	if err != nil {
		return nil, interruptedAfterSend(t)
	}
	if adopted != nil {
		c.http.Notef("%s: adopted session %s, created by the attempt that got no clear answer (%s)\n", Name, adopted.ID, cause)
		return adopted, nil
	}
	if notMine {
		found = nil
	}
	found = append([]string(nil), found...)
	sort.Strings(found)
	u.found = found
	switch {
	case len(found) == 0:
		u.none = true
		u.why = "none was found, but it may still appear"
	default:
		u.why = "billctl cannot tell which one, if any, this attempt made"
	}
	return nil, u
}

// waitFor waits until ok, called under c.mu, holds.
func (c *Client) waitFor(ctx context.Context, ok func() bool) error {
	for {
		c.mu.Lock()
		if ok() {
			c.mu.Unlock()
			return nil
		}
		ch := c.changedLocked()
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// selfServe is the checkout type of the sessions this endpoint creates.
const selfServe = "SELF_SERVE"

// customerID is the cus_… ID of the customer with idOrAlias.
func (c *Client) customerID(ctx context.Context, idOrAlias string) (string, error) {
	seg, err := provider.IDPath("customer", idOrAlias)
	if err != nil {
		return "", err
	}
	res, err := c.do(ctx, http.MethodGet, "/api/v1/customers/"+seg, nil, nil)
	if err != nil {
		return "", err
	}
	var cu struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(res.Body, &cu); err != nil || !isCustomerID(cu.ID) {
		return "", fmt.Errorf("the customer answer has no cus_… id")
	}
	return cu.ID, nil
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
	// customerID is the customer's cus_… ID, once known.
	customerID string
	// status500: the create was answered 500, which this server gives
	// for an ID that does not exist.
	status500  bool
	noCustomer bool
	// customerKnown: the server shows the customer, so the 500 is most
	// likely the plan version's.
	customerKnown bool
	// none: no session that this create could have made exists.
	none bool
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
	switch {
	case e.customerID != "":
		fmt.Fprintf(&b, "Check with: billctl checkout list --customer %s", e.customerID)
	case isCustomerID(e.t.Customer):
		fmt.Fprintf(&b, "Check with: billctl checkout list --customer %s", e.t.Customer)
	default:
		b.WriteString("Check with: billctl checkout list --customer <the customer's cus_… ID>")
	}
	if e.status500 && len(e.found) == 0 && e.customerKnown {
		fmt.Fprintf(&b, "\nCustomer %s exists on this account, so a 500 from this endpoint most often means that plan version %s does not "+
			"(a typo, or another environment): check it and the profile or --base-url; `billctl checkout create --plan-version <TAB>` lists those that exist.", e.t.Customer, e.t.Plan)
	} else if e.status500 && len(e.found) == 0 {
		// The server checks the customer and plan version only by a
		// foreign key when it saves the session: an ID that does not
		// exist (a typo, another environment) fails with a bare 500.
		fmt.Fprintf(&b, "\nA 500 from this endpoint most often means that customer %s or plan version %s does not exist on this account "+
			"(a typo, or another environment): check both IDs and the profile or --base-url; "+
			"`billctl checkout create --customer <TAB>` and `--plan-version <TAB>` list those that exist.", e.t.Customer, e.t.Plan)
	}
	return b.String()
}

func (e *uncertain) Unwrap() error { return e.err }

// MaybeCreated: the outcome is unknown.
func (e *uncertain) MaybeCreated() bool { return true }

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
