package maple

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// Name is the provider's name in settings and messages.
const Name = "maple"

// Client is Maple's checkout API for one company.
type Client struct {
	http    *httpx.Client
	company string
}

// New wraps an HTTP client configured for Maple; company is the cmp_… ID
// that every path carries.
func New(c *httpx.Client, company string) *Client { return &Client{http: c, company: company} }

// Name implements provider.Provider.
func (c *Client) Name() string { return Name }

// NewRequest implements provider.Provider.
func (c *Client) NewRequest() any { return &CreateCheckoutSessionRequest{} }

// Prepare implements provider.Preparer: Maple requires type and
// config_items, which the user should not have to spell out.
func (c *Client) Prepare(d *request.Doc) {
	d.Default("type", `"CHECKOUT_SESSION"`, "default type")
	d.Default("config_items", `[]`, "default config_items")
}

// CreatePath implements provider.Provider.
func (c *Client) CreatePath() string {
	return "/api/v1/companies/" + url.PathEscape(c.company) + "/checkout"
}

// Subject implements provider.Provider: the customer, and the first
// product pricing or the bundle pricing.
func (c *Client) Subject(req any) provider.Subject {
	r, ok := req.(*CreateCheckoutSessionRequest)
	if !ok {
		return provider.Subject{}
	}
	sub := provider.Subject{Customer: r.CustomerID}
	switch {
	case len(r.ProductPricingIDs) > 0:
		sub.Plan = r.ProductPricingIDs[0]
	case r.BundlePricingID != nil:
		sub.Plan = *r.BundlePricingID
	}
	return sub
}

// Create implements provider.Provider. Maple stores the first answer for
// an Idempotency-Key for 24 hours and replays it, so every retry reuses
// the key and none can create a second session.
func (c *Client) Create(ctx context.Context, req provider.Request, key string) (*provider.Session, error) {
	body := req.Body
	replay := httpx.Idempotent
	if key == "" {
		// Without a key Maple cannot recognise a repeat.
		replay = httpx.UnlessProcessed
	}
	res, err := c.http.Send(ctx, httpx.Request{
		Method: http.MethodPost,
		Path:   c.CreatePath(),
		Body:   body,
		Header: map[string]string{"Idempotency-Key": key},
		Replay: replay,
	})
	if err != nil {
		var he *httpx.Error
		// MaybeSent, not Sent: an earlier attempt may have reached the
		// server even when the last could not connect.
		if errors.As(err, &he) && he.Interrupted() && (he.Sent || he.MaybeSent) {
			return nil, exitcode.New(exitcode.Interrupted, fmt.Errorf("%s: interrupted after the create request was sent: the session may exist. %s", Name, keyHint(key)))
		}
		if errors.As(err, &he) && (he.Sent || he.MaybeSent) && key != "" {
			return nil, &withHint{err: wrap(err), hint: keyHint(key)}
		}
		return nil, wrap(err)
	}
	if res.Status < 200 || res.Status > 299 {
		e := c.apiError(res)
		switch {
		case e.Code == "idempotency_error" || (res.Status == http.StatusConflict && strings.Contains(strings.ToLower(e.Message), "idempotency")):
			e.Hint = fmt.Sprintf("Idempotency-Key %q was already used with a different request body, and Maple keeps a key's first request for 24 hours: nothing was created now. Send exactly the same request again to get the session made then, or use a new --idempotency-key for a new session.", key)
		case res.Status >= 500 && res.Status != http.StatusServiceUnavailable && key != "":
			e.Hint = joinHint(e.Hint, keyHint(key))
		}
		return nil, e
	}
	var created CheckoutSessionCreated
	if err := json.Unmarshal(res.Body, &created); err != nil || created.ID == "" {
		if err == nil {
			err = fmt.Errorf("the answer has no id")
		}
		return nil, &withHint{err: provider.ResponseError(Name, res.Status, res.Body, err), hint: keyHint(key)}
	}
	s := &provider.Session{Raw: json.RawMessage(res.Body), ID: created.ID}
	if created.URL != nil {
		s.URL = *created.URL
	}
	// On the first attempt, not our own retry: the key was used by an
	// earlier run, and this is the session created then. The caller says
	// so (once for a whole batch).
	s.Replayed = res.Header.Get("Idempotency-Used") == "true" && res.Attempts == 1
	return s, nil
}

// keyHint tells how to find out, without risk, what a create whose
// outcome is unknown did.
func keyHint(key string) string {
	if key == "" {
		return ""
	}
	return fmt.Sprintf("Every attempt carried Idempotency-Key %q; Maple answers a repeat of the same key and body with the session it stored, so sending the same request again with that key (--idempotency-key) cannot create a second one.", key)
}

func joinHint(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "\n" + b
}

// withHint adds what to do next to an error that is not an API answer.
type withHint struct {
	err  error
	hint string
}

func (e *withHint) Error() string { return joinHint(e.err.Error(), e.hint) }
func (e *withHint) Unwrap() error { return e.err }

// Get implements provider.Getter.
func (c *Client) Get(ctx context.Context, id string) (*provider.Session, error) {
	seg, err := provider.IDPath("checkout session ID", id)
	if err != nil {
		return nil, err
	}
	res, err := c.do(ctx, http.MethodGet, c.CreatePath()+"/"+seg, nil, nil)
	if err != nil {
		return nil, err
	}
	var got CheckoutSession
	if err := json.Unmarshal(res.Body, &got); err != nil || got.ID == "" {
		if err == nil {
			err = fmt.Errorf("the answer has no id")
		}
		return nil, provider.ResponseError(Name, res.Status, res.Body, err)
	}
	s := &provider.Session{Raw: json.RawMessage(res.Body), ID: got.ID}
	s.Status = deref(got.Status)
	s.Customer = deref(got.CustomerID)
	s.URL = deref(got.URL)
	s.CreatedAt = deref(got.CreatedAt)
	return s, nil
}

// ReplaysKeys implements provider.KeyReplayer: Maple answers a key it
// has seen with the session it made then.
func (c *Client) ReplaysKeys() bool { return true }

func (c *Client) do(ctx context.Context, method, path string, body []byte, hdr map[string]string) (*httpx.Response, error) {
	res, err := c.http.Do(ctx, method, path, body, hdr)
	if err != nil {
		return nil, wrap(err)
	}
	if res.Status < 200 || res.Status > 299 {
		return nil, c.apiError(res)
	}
	return res, nil
}

func (c *Client) apiError(res *httpx.Response) *provider.APIError {
	e := provider.ErrorFromBody(Name, res.Status, res.Body, decodeError)
	provider.NoteRetries(e, res.Attempts, res.GaveUp)
	provider.NoteRetryAfter(e, res.Header)
	return e
}

// wrap names the provider in a transport error.
func wrap(err error) error { return fmt.Errorf("%s: %w", Name, err) }

// decodeError reads Maple's {"error_message","error_type","error_code",
// "error_status","validation_errors"}.
func decodeError(b []byte, e *provider.APIError) bool {
	var body struct {
		Message          string            `json:"error_message"`
		Type             string            `json:"error_type"`
		Code             *string           `json:"error_code"`
		Status           int               `json:"error_status"`
		ValidationErrors []json.RawMessage `json:"validation_errors"`
	}
	if json.Unmarshal(b, &body) != nil || (body.Message == "" && body.Type == "") {
		return false
	}
	e.Code = body.Type
	if body.Code != nil && *body.Code != "" {
		e.Code = *body.Code
	}
	e.Message = body.Message
	for _, v := range body.ValidationErrors {
		e.Details = append(e.Details, validationText(v))
	}
	return true
}

// validationText renders one entry of validation_errors, whose shape Maple
// does not document: a string as is, an object as field: message.
func validationText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		field, _ := m["field"].(string)
		msg, _ := m["message"].(string)
		if msg == "" {
			msg, _ = m["error_message"].(string)
		}
		if field != "" && msg != "" {
			return field + ": " + msg
		}
	}
	return string(raw)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
