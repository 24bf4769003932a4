package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// This file is Meteroid's side of the sandbox: the routes, validation,
// statuses and bodies of Meteroid's REST server (modules/meteroid/src/
// api_rest in its repository), read from its source:
//
//   - errors are {"code","message"}; the framework's own refusals (a body
//     that is not JSON, a wrong Content-Type, a field of the wrong type, a
//     malformed ID in the path or query) are plain text;
//   - a customer or plan version ID that does not exist makes the insert
//     fail on a foreign key: 500 with the server's generic message;
//   - an unknown alias is 404; an unknown session on GET is 404, on cancel
//     400 (the server's "not found or cannot be cancelled");
//   - the session list has no pagination; times have microseconds.

func init() { provider.RegisterSandbox(meteroid.Name, API, Purchase) }

// API is Meteroid's API shape for the sandbox server.
func API() sandbox.API {
	return sandbox.API{
		Name: meteroid.Name,
		Owns: func(p string) bool {
			return strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/api/v1/companies/")
		},
		Catalog:        Catalog,
		Register:       registerSandbox,
		Error:          sandboxError,
		SubscriptionID: func(now time.Time) string { return meteroid.NewID("sub_", now) },
		IDPrefix:       "che_",
		Events: sandboxEvents(purchase.NewCatalog(purchase.API{
			Name: meteroid.Name, Items: Catalog(), Describe: Purchase,
		})),
		// The server's auth layer answers an unknown key as a missing one.
		Unauthorized: func(w http.ResponseWriter, r *http.Request) {
			sandboxError(w, http.StatusUnauthorized, "UNAUTHORIZED", msgNoAuth)
		},
	}
}

// bodyLimit is the server's RequestBodyLimitLayer::new(1024 * 1024).
const bodyLimit = 1 << 20

// The server's fixed messages.
const (
	msgInternal     = "Internal server error. Please refer to logs or support."
	msgNotFound     = "Resource not found"
	msgNotCancel    = "Invalid input: Checkout session not found or cannot be cancelled"
	msgNoAuth       = "Invalid or missing Authorization header"
	msgBadKeyFormat = "Invalid API key format"
)

func sandboxError(w http.ResponseWriter, status int, code, message string) {
	sandbox.JSON(w, status, map[string]string{"code": code, "message": message})
}

type handler struct{ env *sandbox.Env }

func registerSandbox(mux *http.ServeMux, env *sandbox.Env) {
	h := &handler{env}
	auth := func(f http.HandlerFunc) http.Handler { return h.auth(f) }
	mux.Handle("POST /api/v1/checkout-sessions", auth(h.create))
	mux.Handle("GET /api/v1/checkout-sessions", auth(h.list))
	mux.Handle("GET /api/v1/checkout-sessions/{id}", auth(h.get))
	mux.Handle("POST /api/v1/checkout-sessions/{id}/cancel", auth(h.cancel))
	mux.Handle("GET /api/v1/customers", auth(h.catalogList("customers")))
	mux.Handle("GET /api/v1/customers/{id}", auth(h.customer))
	mux.Handle("GET /api/v1/plans", auth(h.catalogList("plans")))
	mux.Handle("GET /api/v1/plans/{id}", auth(h.catalogGet("plans", "plan_")))
	mux.Handle("GET /api/v1/plans/{id}/versions", auth(h.planVersions))
	mux.Handle("GET /api/v1/addons", auth(h.catalogList("addons")))
	mux.Handle("GET /api/v1/addons/{id}", auth(h.catalogGet("addons", "add_")))
	mux.Handle("GET /api/v1/coupons", auth(h.catalogList("coupons")))
	mux.Handle("GET /api/v1/coupons/{id}", auth(h.catalogGet("coupons", "cou_")))
	// Every other request still needs a token first, as on the real
	// server, whose auth layer runs before routing.
	mux.Handle("/api/", auth(unrouted))
}

// serverMethods are the methods the server routes on each path the
// sandbox serves, in the order its routers register them (api_rest/*/mod.rs
// and the utoipa path of each handler): axum's Allow header lists them so,
// GET followed by the HEAD it serves with it. The sandbox acts only on the
// methods it registers above; another one the server has (PUT or PATCH of
// a customer, say) is 405 here, though the server would act on it.
var serverMethods = []struct{ pattern, allow string }{
	{"/api/v1/checkout-sessions", "POST,GET,HEAD"},
	{"/api/v1/checkout-sessions/{}", "GET,HEAD"},
	{"/api/v1/checkout-sessions/{}/cancel", "POST"},
	{"/api/v1/customers", "GET,HEAD,POST"},
	{"/api/v1/customers/{}", "GET,HEAD,PUT,PATCH,DELETE"},
	{"/api/v1/plans", "GET,HEAD,POST"},
	{"/api/v1/plans/{}", "GET,HEAD,PUT,PATCH"},
	{"/api/v1/plans/{}/versions", "GET,HEAD"},
	{"/api/v1/addons", "GET,HEAD,POST"},
	{"/api/v1/addons/{}", "GET,HEAD,PATCH"},
	{"/api/v1/coupons", "GET,HEAD,POST"},
	{"/api/v1/coupons/{}", "GET,HEAD,PATCH"},
}

// unrouted answers a request no route of the sandbox took: on a path the
// server routes, axum's method router answers 405 with an Allow header and
// an empty body; on any other path the server's fallback, handler_404,
// answers its JSON 404. Both come after the auth layer, which server.rs
// applies to the whole router, fallback included. The paths of the
// server's other routes under these (…/archive, …/publish, …) are not
// served here and answer the fallback's 404: what the server would do
// with them is not what a checkout client sends.
func unrouted(w http.ResponseWriter, r *http.Request) {
	if allow := allowed(r.URL.Path); allow != "" {
		w.Header().Set("Allow", allow)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	sandboxError(w, http.StatusNotFound, "NOT_FOUND", msgNotFound)
}

func allowed(path string) string {
	segs := strings.Split(path, "/")
	for _, m := range serverMethods {
		ps := strings.Split(m.pattern, "/")
		if len(ps) != len(segs) {
			continue
		}
		ok := true
		for i := range ps {
			if ps[i] != segs[i] && (ps[i] != "{}" || segs[i] == "") {
				ok = false
				break
			}
		}
		if ok {
			return m.allow
		}
	}
	return ""
}

// auth accepts any non-empty bearer token, and answers as the server's
// middleware does otherwise.
func (h *handler) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		missing, malformed := sandbox.Bearer(r)
		switch {
		case r.ContentLength > bodyLimit:
			// tower-http's RequestBodyLimitLayer wraps the auth layer
			// (server.rs adds it after auth_layer): a declared length over
			// the limit is refused before anything else, on any path, with
			// tower-http 0.6's own answer (limit/service.rs and
			// limit/body.rs: 413, text/plain; charset=utf-8, "length
			// limit exceeded").
			sandbox.Text(w, http.StatusRequestEntityTooLarge, "length limit exceeded")
		case missing || (malformed && !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")):
			sandboxError(w, http.StatusUnauthorized, "UNAUTHORIZED", msgNoAuth)
		case malformed:
			sandboxError(w, http.StatusUnauthorized, "UNAUTHORIZED", msgBadKeyFormat)
		default:
			next(w, r)
		}
	})
}

func (h *handler) internal(w http.ResponseWriter, err error) {
	h.env.Logf("meteroid: %v", err)
	sandboxError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", msgInternal)
}

// pathID reads the {id} path segment as an ID of prefix, or answers the
// framework's 400.
func pathID(w http.ResponseWriter, r *http.Request, prefix string) (string, bool) {
	id := r.PathValue("id")
	if _, err := meteroid.ParseID(prefix, id); err != nil {
		sandbox.Text(w, http.StatusBadRequest, "Invalid URL: "+err.Error())
		return "", false
	}
	return id, true
}

// sessionView is the CheckoutSession of the API, keys in the server's
// order, null where empty.
type sessionView struct {
	ID                   string          `json:"id"`
	CustomerID           string          `json:"customer_id"`
	PlanVersionID        string          `json:"plan_version_id"`
	CouponCode           *string         `json:"coupon_code"`
	BillingStartDate     *string         `json:"billing_start_date"`
	BillingDayAnchor     *int32          `json:"billing_day_anchor"`
	NetTerms             *int32          `json:"net_terms"`
	TrialDurationDays    *int32          `json:"trial_duration_days"`
	Status               string          `json:"status"`
	CheckoutType         string          `json:"checkout_type"`
	CreatedAt            string          `json:"created_at"`
	ExpiresAt            *string         `json:"expires_at"`
	CompletedAt          *string         `json:"completed_at"`
	SubscriptionID       *string         `json:"subscription_id"`
	CheckoutURL          *string         `json:"checkout_url"`
	PaymentMethodsConfig json.RawMessage `json:"payment_methods_config"`
	// SuccessURL and CancelURL are fields of Meteroid's current API, read
	// from its official SDK: the server source the rest of this view
	// follows predates them, so their place in the key order is unknown
	// (JSON readers do not depend on it) and they go last.
	SuccessURL *string `json:"success_url"`
	CancelURL  *string `json:"cancel_url"`
}

// storedRequest is what a session's view takes from its create request.
type storedRequest struct {
	PlanVersionID        string          `json:"plan_version_id"`
	CouponCode           *string         `json:"coupon_code"`
	BillingStartDate     *string         `json:"billing_start_date"`
	BillingDayAnchor     *int32          `json:"billing_day_anchor"`
	NetTerms             *int32          `json:"net_terms"`
	TrialDurationDays    *int32          `json:"trial_duration_days"`
	PaymentMethodsConfig json.RawMessage `json:"payment_methods_config"`
	SuccessURL           *string         `json:"success_url"`
	CancelURL            *string         `json:"cancel_url"`
}

func timePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := sandbox.RFC3339(*t)
	return &s
}

// view renders a session; the checkout URL is given while it can still be
// paid, as the server does.
func (h *handler) view(ss *sandbox.Session, withURL bool) sessionView {
	var req storedRequest
	_ = json.Unmarshal(ss.Request, &req)
	v := sessionView{
		ID: ss.ID, CustomerID: ss.Customer, PlanVersionID: req.PlanVersionID,
		CouponCode: req.CouponCode, BillingStartDate: req.BillingStartDate, BillingDayAnchor: req.BillingDayAnchor,
		NetTerms: req.NetTerms, TrialDurationDays: req.TrialDurationDays,
		Status: string(ss.Status), CheckoutType: "SELF_SERVE", CreatedAt: sandbox.RFC3339(ss.CreatedAt),
		ExpiresAt: timePtr(ss.ExpiresAt), CompletedAt: timePtr(ss.CompletedAt),
		PaymentMethodsConfig: req.PaymentMethodsConfig,
		SuccessURL:           req.SuccessURL, CancelURL: req.CancelURL,
	}
	if len(v.PaymentMethodsConfig) == 0 {
		v.PaymentMethodsConfig = json.RawMessage("null")
	}
	if ss.SubscriptionID != "" {
		v.SubscriptionID = &ss.SubscriptionID
	}
	if withURL && ss.Status.Open() {
		u := h.env.CheckoutURL(ss.ID)
		v.CheckoutURL = &u
	}
	return v
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	if !sandbox.JSONContentType(r.Header.Get("Content-Type")) {
		sandbox.Text(w, http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, bodyLimit+1))
	if err != nil {
		sandbox.Text(w, http.StatusBadRequest, "Failed to buffer the request body: "+err.Error())
		return
	}
	if len(body) > bodyLimit {
		// A body without a Content-Length that outgrows the limit fails
		// axum's buffering of it, under tower-http's limit: axum-core's
		// LengthLimitError rejection, whose text is its body and its
		// source's ("Failed to buffer the request body: " and
		// http-body-util's "length limit exceeded"), status 413.
		sandbox.Text(w, http.StatusRequestEntityTooLarge, "Failed to buffer the request body: length limit exceeded")
		return
	}
	var req meteroid.CreateCheckoutSessionRequest
	// First as serde_json reads it into the server's struct, for its
	// texts; then with the wire type's checks, for what that cannot tell.
	if syntax, msg := sandbox.Serde(body, reflect.TypeOf(req)); msg != "" {
		if syntax {
			sandbox.Text(w, http.StatusBadRequest, "Failed to parse the request body as JSON: "+msg)
		} else {
			sandbox.Text(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+msg)
		}
		return
	}
	// The typed IDs next, with the server's parser and its texts: the wire
	// type's checks would refuse them too, in billctl's words.
	var ids meteroid.CreateCheckoutSessionRequest
	if json.Unmarshal(body, &ids) == nil {
		if msg := badIDs(&ids); msg != "" {
			sandbox.Text(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+msg)
			return
		}
	}
	if p := sandbox.DecodeBody(body, &req, true); p != nil {
		if p.Syntax {
			sandbox.Text(w, http.StatusBadRequest, "Failed to parse the request body as JSON: "+p.Msg)
		} else {
			sandbox.Text(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+p.Msg)
		}
		return
	}
	// The ID fields are typed IDs on the server: a malformed one is a
	// deserialisation error like any other.
	if msg := badIDs(&req); msg != "" {
		sandbox.Text(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+msg)
		return
	}
	ctx := r.Context()
	st := h.env.Store
	customer := req.CustomerID
	if _, err := meteroid.ParseID("cus_", customer); err != nil || !strings.HasPrefix(customer, "cus_") {
		// Not an ID: an alias. The server's AliasOr reads only cus_…
		// as an ID here; a UUID, which its typed IDs take elsewhere, is
		// an alias to it.
		it, err := st.CatalogItem(ctx, meteroid.Name, "customers", customer, true)
		if errors.Is(err, sandbox.ErrNoItem) {
			sandboxError(w, http.StatusNotFound, "NOT_FOUND", msgNotFound)
			return
		}
		if err != nil {
			h.internal(w, err)
			return
		}
		customer = it.ID
	}
	// Unknown IDs fail the insert on a foreign key: the server's 500.
	if ok, err := h.exists(ctx, "customers", customer); err != nil || !ok {
		h.internal(w, orMissing(err, "customer "+customer))
		return
	}
	if ok, err := h.exists(ctx, "plan_versions", req.PlanVersionID); err != nil || !ok {
		h.internal(w, orMissing(err, "plan version "+req.PlanVersionID))
		return
	}
	now := st.Now().UTC().Truncate(time.Microsecond)
	ss := &sandbox.Session{
		ID: st.NewID("che_", func() string { return meteroid.NewID("che_", now) }), Provider: meteroid.Name, Customer: customer,
		Status: sandbox.Created, CreatedAt: now, Request: body,
	}
	hours := int32(1) // the server's default
	if req.ExpiresInHours != nil {
		hours = *req.ExpiresInHours
	}
	if hours > 0 {
		t := now.Add(time.Duration(hours) * time.Hour)
		ss.ExpiresAt = &t
	}
	if err := st.Update(ctx, func(tx *sandbox.Tx) error { return tx.InsertSession(ss) }); err != nil {
		h.internal(w, err)
		return
	}
	sandbox.JSON(w, http.StatusOK, map[string]any{"session": h.view(ss, true)})
}

func orMissing(err error, what string) error {
	if err != nil {
		return err
	}
	return errors.New("insert or update on table \"checkout_session\" violates foreign key constraint: " + what + " does not exist")
}

func (h *handler) exists(ctx context.Context, kind, id string) (bool, error) {
	_, err := h.env.Store.CatalogItem(ctx, meteroid.Name, kind, id, false)
	if errors.Is(err, sandbox.ErrNoItem) {
		return false, nil
	}
	return err == nil, err
}

// badIDs checks the typed IDs of a create request, as the server's
// deserialiser does, and says what is wrong with the first bad one.
func badIDs(req *meteroid.CreateCheckoutSessionRequest) string {
	if _, err := meteroid.ParseID("plv_", req.PlanVersionID); err != nil {
		return "plan_version_id: " + err.Error()
	}
	for i, c := range req.CouponIDs {
		if _, err := meteroid.ParseID("cou_", c); err != nil {
			return "coupon_ids[" + strconv.Itoa(i) + "]: " + err.Error()
		}
	}
	for i, a := range req.AddOns {
		if _, err := meteroid.ParseID("add_", a.AddOnID); err != nil {
			return "add_ons[" + strconv.Itoa(i) + "].add_on_id: " + err.Error()
		}
	}
	return ""
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "che_")
	if !ok {
		return
	}
	ss, err := h.env.Store.Session(r.Context(), id)
	if errors.Is(err, sandbox.ErrNotFound) || (err == nil && ss.Provider != meteroid.Name) {
		sandboxError(w, http.StatusNotFound, "NOT_FOUND", msgNotFound)
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	sandbox.JSON(w, http.StatusOK, map[string]any{"session": h.view(ss, true)})
}

var statuses = []string{"CREATED", "AWAITING_PAYMENT", "COMPLETED", "EXPIRED", "CANCELLED"}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		sandbox.Text(w, http.StatusBadRequest, "Failed to deserialize query string: "+err.Error())
		return
	}
	f := sandbox.Filter{Provider: meteroid.Name}
	if c := q.Get("customer_id"); q.Has("customer_id") {
		// A customer ID, not an alias: the query's type is CustomerId.
		if _, err := meteroid.ParseID("cus_", c); err != nil {
			sandbox.Text(w, http.StatusBadRequest, "Failed to deserialize query string: "+err.Error())
			return
		}
		f.Customer = c
	}
	if s := q.Get("status"); q.Has("status") {
		if !slices.Contains(statuses, s) {
			sandbox.Text(w, http.StatusBadRequest, "Failed to deserialize query string: unknown variant `"+s+
				"`, expected one of `CREATED`, `AWAITING_PAYMENT`, `COMPLETED`, `EXPIRED`, `CANCELLED`")
			return
		}
		f.Status = sandbox.Status(s)
	}
	list, err := h.env.Store.Sessions(r.Context(), f)
	if err != nil {
		h.internal(w, err)
		return
	}
	views := make([]sessionView, len(list))
	for i, ss := range list {
		views[i] = h.view(ss, true)
	}
	sandbox.JSON(w, http.StatusOK, map[string]any{"sessions": views})
}

func (h *handler) cancel(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "che_")
	if !ok {
		return
	}
	ss, err := h.env.Store.Session(r.Context(), id)
	if err == nil && ss.Provider != meteroid.Name {
		err = sandbox.ErrNotFound
	}
	if err == nil {
		ss, err = h.env.Store.Cancel(r.Context(), id)
	}
	if errors.Is(err, sandbox.ErrNotFound) || errors.Is(err, sandbox.ErrState) {
		sandboxError(w, http.StatusBadRequest, "BAD_REQUEST", msgNotCancel)
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	sandbox.JSON(w, http.StatusOK, map[string]any{"session": h.view(ss, false)})
}
