package meteroid

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// Name is the provider's name in settings and messages.
const Name = "meteroid"

const sessionsPath = "/api/v1/checkout-sessions"

// Client is Meteroid's checkout-session API.
type Client struct{ http *httpx.Client }

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

// Create implements provider.Provider. Meteroid ignores Idempotency-Key;
// it is sent anyway so that a proxy or a future server can use it.
func (c *Client) Create(ctx context.Context, body []byte, key string) (*provider.Session, error) {
	return c.session(ctx, http.MethodPost, sessionsPath, body, map[string]string{"Idempotency-Key": key})
}

// Get implements provider.Provider.
func (c *Client) Get(ctx context.Context, id string) (*provider.Session, error) {
	return c.session(ctx, http.MethodGet, sessionsPath+"/"+url.PathEscape(id), nil, nil)
}

// Cancel implements provider.Provider.
func (c *Client) Cancel(ctx context.Context, id string) (*provider.Session, error) {
	s, err := c.session(ctx, http.MethodPost, sessionsPath+"/"+url.PathEscape(id)+"/cancel", nil, nil)
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
		return nil, err
	}
	if res.Status < 200 || res.Status > 299 {
		return nil, provider.ErrorFromBody(Name, res.Status, res.Body, decodeError)
	}
	return res, nil
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
