package maple

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

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

// Prepare implements provider.Provider: Maple requires type and
// config_items, which the user should not have to spell out.
func (c *Client) Prepare(d *request.Doc) {
	d.Default("type", `"CHECKOUT_SESSION"`, "default type")
	d.Default("config_items", `[]`, "default config_items")
}

// CreatePath implements provider.Provider.
func (c *Client) CreatePath() string {
	return "/api/v1/companies/" + url.PathEscape(c.company) + "/checkout"
}

// Create implements provider.Provider. Maple stores the first answer for
// an Idempotency-Key for 24 hours and replays it, so a retry with the same
// key never creates a second session.
func (c *Client) Create(ctx context.Context, body []byte, key string) (*provider.Session, error) {
	res, err := c.do(ctx, http.MethodPost, c.CreatePath(), body, map[string]string{"Idempotency-Key": key})
	if err != nil {
		return nil, err
	}
	var created CheckoutSessionCreated
	if err := json.Unmarshal(res.Body, &created); err != nil || created.ID == "" {
		if err == nil {
			err = fmt.Errorf("the answer has no id")
		}
		return nil, provider.ResponseError(Name, res.Status, res.Body, err)
	}
	s := &provider.Session{Raw: json.RawMessage(res.Body), ID: created.ID}
	if created.URL != nil {
		s.URL = *created.URL
	}
	return s, nil
}

// Get implements provider.Provider.
func (c *Client) Get(ctx context.Context, id string) (*provider.Session, error) {
	res, err := c.do(ctx, http.MethodGet, c.CreatePath()+"/"+url.PathEscape(id), nil, nil)
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

// List implements provider.Provider: Maple has no list endpoint.
func (c *Client) List(context.Context, provider.ListFilter) ([]*provider.Session, error) {
	return nil, provider.Unsupported(Name, "listing checkout sessions is not supported")
}

// Cancel implements provider.Provider: Maple has no cancel endpoint.
func (c *Client) Cancel(context.Context, string) (*provider.Session, error) {
	return nil, provider.Unsupported(Name, "cancelling a checkout session is not supported")
}

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
	if body.Type == "idempotency_error" {
		e.Hint = "This Idempotency-Key was already used with a different request body. Use a new --idempotency-key, or send exactly the same request again."
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
