package sandbox

import (
	"encoding/json"
	"errors"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/maple"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
)

// This file is Maple's side of the sandbox: checkout create and get under
// /api/v1/companies/{company_id}/, the customer and pricing searches, errors
// as {"error_message","error_type","error_code","error_status",
// "validation_errors"}, and idempotency as Maple documents it: the first
// answer to a key (errors included) is replayed for 24 hours with
// Idempotency-Used: true; the same key with another body is 409
// idempotency_error. Keys are kept in the database, so both hold across
// restarts. Maple publishes no server source; statuses on GET follow its
// proposals (DRAFT, PENDING_PAYMENT, COMPLETE, VOID, EXPIRED), inferred.

func init() { provider.RegisterSandbox(maple.Name, API, Purchase) }

// API is Maple's API shape for the sandbox server.
func API() sandbox.API {
	return sandbox.API{
		Name:     maple.Name,
		Owns:     func(p string) bool { return strings.HasPrefix(p, "/api/v1/companies/") },
		Catalog:  Catalog,
		Register: registerSandbox,
		Error: func(w http.ResponseWriter, status int, _, message string) {
			sandboxError(w, status, "request_error", nil, message, nil)
		},
		Unauthorized: func(w http.ResponseWriter, r *http.Request) {
			sandboxError(w, http.StatusUnauthorized, "", "unauthorized", "Invalid or missing API token", nil)
		},
		// Maple's IDs are random, not time-ordered.
		SubscriptionID: func(time.Time) string { return sandbox.RandomID("sub_", 16) },
		IDPrefix:       "chk_",
		StatusName:     StatusName,
	}
}

type obj = map[string]any

// Catalog is the demo company, its customers and product pricings.
func Catalog() []sandbox.Item {
	item := func(kind, id, name string, v obj) sandbox.Item {
		b, _ := json.Marshal(v)
		return sandbox.Item{Kind: kind, ID: id, Name: name, Data: b}
	}
	customer := func(id, name string, org, email, ident any) sandbox.Item {
		return item("customers", id, name, obj{"id": id, "name": name, "email": email, "identifier": ident, "org_name": org, "status": "ACTIVE"})
	}
	pricing := func(id string, name any, external, product string) sandbox.Item {
		return item("pricings", id, external, obj{"id": id, "name": name, "external_name": external, "currency": "USD", "product_id": product, "state": "ACTIVE", "type": "PRICING"})
	}
	return []sandbox.Item{
		item("companies", maple.DemoCompany, "Sandbox Inc.", obj{"id": maple.DemoCompany, "name": "Sandbox Inc."}),
		customer(maple.DemoCustomerAda, "Ada Lovelace", "Analytical Engines", "ada@engines.example", "ada"),
		customer(maple.DemoCustomerGrace, "Grace Hopper", nil, "grace@cobol.example", nil),
		pricing(maple.DemoPricingPro, "Pro monthly", "Pro", "prod_2SbxPro"),
		pricing(maple.DemoPricingTeam, nil, "Team annual", "prod_2SbxTeam"),
		pricing(maple.DemoPricingSetup, "Setup fee", "Onboarding", "prod_2SbxSetup"),
		// A bundle pricing has no search endpoint in the reference, so no
		// record shape of its own: it is stored as a pricing is, for the
		// create's lookup and the page's name.
		item("bundles", maple.DemoBundleStarter, "Starter kit", obj{"id": maple.DemoBundleStarter, "name": "Starter kit", "currency": "USD", "state": "ACTIVE", "type": "BUNDLE_PRICING"}),
	}
}

// errorType is Maple's error_type for a status.
func errorType(status int) string {
	switch status {
	case 400, 422:
		return "validation_error"
	case 401, 403:
		return "auth_error"
	case 409:
		return "idempotency_error"
	}
	return "request_error"
}

func errorBody(status int, typ string, code any, message string, fields []obj) []byte {
	if typ == "" {
		typ = errorType(status)
	}
	var ve any
	if fields != nil {
		ve = fields
	}
	b, _ := json.Marshal(obj{"error_message": message, "error_type": typ, "error_code": code, "error_status": status, "validation_errors": ve})
	return b
}

func sandboxError(w http.ResponseWriter, status int, typ string, code any, message string, fields []obj) {
	sandbox.Raw(w, status, errorBody(status, typ, code, message, fields))
}

type handler struct{ env *sandbox.Env }

func registerSandbox(mux *http.ServeMux, env *sandbox.Env) {
	h := &handler{env}
	mux.Handle("POST /api/v1/companies/{company}/checkout", h.auth(h.create))
	mux.Handle("GET /api/v1/companies/{company}/checkout/{id}", h.auth(h.get))
	mux.Handle("POST /api/v1/companies/{company}/customers/find", h.auth(h.find("customers")))
	mux.Handle("POST /api/v1/companies/{company}/pricing/find", h.auth(h.find("pricings")))
	// Maple publishes no server source: whether it answers a known path
	// with another method 404 or 405 cannot be known, nor its texts for a
	// body it cannot read; both are answered in its documented error shape.
	mux.Handle("/api/v1/companies/", h.auth(func(w http.ResponseWriter, r *http.Request) {
		sandboxError(w, http.StatusNotFound, "", nil, "Not found", nil)
	}))
}

// Compiled on first use: the sandbox side is linked into every command.
var companyPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^cmp_[0-9A-Za-z]+$`) })

// auth accepts any non-empty bearer token; the company must be the demo one.
func (h *handler) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if missing, malformed := sandbox.Bearer(r); missing || malformed {
			sandboxError(w, http.StatusUnauthorized, "", "unauthorized", "Invalid or missing API token", nil)
			return
		}
		if c := r.PathValue("company"); c != "" {
			if !companyPattern().MatchString(c) {
				sandboxError(w, http.StatusBadRequest, "", "invalid_company_id", "company_id must look like cmp_…", nil)
				return
			}
			if _, err := h.env.Store.CatalogItem(r.Context(), maple.Name, "companies", c, false); err != nil {
				sandboxError(w, http.StatusForbidden, "", "forbidden", "The API token has no access to company "+c, nil)
				return
			}
		}
		next(w, r)
	})
}

// Status names on Maple's side.
var statusNames = map[sandbox.Status]string{
	sandbox.Created:         "DRAFT",
	sandbox.AwaitingPayment: "PENDING_PAYMENT",
	sandbox.Completed:       "COMPLETE",
	sandbox.Cancelled:       "VOID",
	sandbox.Expired:         "EXPIRED",
}

// StatusName is Maple's name of a sandbox status.
func StatusName(s sandbox.Status) string { return statusNames[s] }

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	company := r.PathValue("company")
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 64 {
		sandboxError(w, http.StatusBadRequest, "", "invalid_idempotency_key", "Idempotency-Key must be at most 64 characters", nil)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		sandboxError(w, http.StatusBadRequest, "", nil, "could not read the request body", nil)
		return
	}
	var answer sandbox.Answer
	replayed := false
	err = h.env.Store.Update(r.Context(), func(tx *sandbox.Tx) error {
		if key != "" {
			prev, err := tx.Replay(company, key, body)
			if err != nil {
				return err
			}
			if prev != nil {
				answer, replayed = *prev, true
				return nil
			}
		}
		answer = h.createIn(tx, company, body)
		if key != "" && answer.Status < 500 {
			return tx.Remember(company, key, body, answer)
		}
		return nil
	})
	if errors.Is(err, sandbox.ErrKeyReused) {
		sandboxError(w, http.StatusConflict, "idempotency_error", "idempotency_key_reused",
			"Idempotency-Key "+key+" was already used with a different request", nil)
		return
	}
	if err != nil {
		h.env.Logf("maple: %v", err)
		sandboxError(w, http.StatusInternalServerError, "", nil, "Internal server error", nil)
		return
	}
	if key != "" {
		w.Header().Set("Idempotency-Key", key)
	}
	if replayed {
		w.Header().Set("Idempotency-Used", "true")
	}
	sandbox.Raw(w, answer.Status, answer.Body)
}

// createIn checks the request and stores the session inside tx; its
// answer, error or not, is what a repeat of the key replays.
func (h *handler) createIn(tx *sandbox.Tx, company string, body []byte) sandbox.Answer {
	var req maple.CreateCheckoutSessionRequest
	if p := lenient(body, sandbox.DecodeBody(body, &req, true)); p != nil {
		if p.Syntax {
			return sandbox.Answer{Status: 400, Body: errorBody(400, "", "invalid_json", "The request body is not valid JSON: "+p.Msg, nil)}
		}
		var fields []obj
		for _, fe := range p.Fields {
			fields = append(fields, obj{"field": fe.Path, "message": fe.Msg})
		}
		if fields == nil {
			fields = []obj{{"field": "", "message": p.Msg}}
		}
		return sandbox.Answer{Status: 400, Body: errorBody(400, "", "invalid_field", "Invalid request", fields)}
	}
	if fields := unknownRefs(tx, &req); fields != nil {
		return sandbox.Answer{Status: 400, Body: errorBody(400, "", "invalid_field", "Invalid request", fields)}
	}
	now := tx.Now().UTC().Truncate(time.Microsecond)
	ss := &sandbox.Session{
		ID: h.env.Store.NewID("chk_", func() string { return sandbox.RandomID("chk_", 20) }), Provider: maple.Name, Company: company, Customer: req.CustomerID,
		Status: sandbox.Created, CreatedAt: now, Request: body,
	}
	if err := tx.InsertSession(ss); err != nil {
		h.env.Logf("maple: %v", err)
		return sandbox.Answer{Status: 500, Body: errorBody(500, "", nil, "Internal server error", nil)}
	}
	b, _ := json.Marshal(obj{"id": ss.ID, "url": h.env.CheckoutURL(ss.ID)})
	return sandbox.Answer{Status: 200, Body: b}
}

// unknownRefs lists the customer, product pricings and bundle pricing that
// the catalogue does not hold, each as Maple names a field it refuses.
func unknownRefs(tx *sandbox.Tx, req *maple.CreateCheckoutSessionRequest) []obj {
	var fields []obj
	check := func(kind, id, field, what string) {
		if _, err := tx.CatalogItem(maple.Name, kind, id, false); err != nil {
			fields = append(fields, obj{"field": field, "message": what + " " + id + " not found"})
		}
	}
	check("customers", req.CustomerID, "customer_id", "customer")
	if req.BundlePricingID != nil {
		check("bundles", *req.BundlePricingID, "bundle_pricing_id", "bundle pricing")
	}
	for i, id := range req.ProductPricingIDs {
		check("pricings", id, "product_pricing_ids["+itoa(i)+"]", "product pricing")
	}
	for i, c := range req.ConfigItems {
		if c.ProductPricingID != nil {
			check("pricings", *c.ProductPricingID, "config_items["+itoa(i)+"].product_pricing_id", "product pricing")
		}
	}
	for i, o := range req.OnetimeItems {
		if o.ProductPricingID != nil {
			check("pricings", *o.ProductPricingID, "onetime_items["+itoa(i)+"].product_pricing_id", "product pricing")
		}
	}
	return fields
}

func itoa(i int) string { return strconv.Itoa(i) }

// sessionView is a session as Maple's GET shows it, every key present.
type sessionView struct {
	ID          string          `json:"id"`
	CustomerID  string          `json:"customer_id"`
	Status      string          `json:"status"`
	Type        string          `json:"type"`
	URL         *string         `json:"url"`
	AutoCharges *bool           `json:"auto_charges"`
	AutoRenews  *bool           `json:"auto_renews"`
	Term        json.RawMessage `json:"term,omitempty"`
	CreatedAt   string          `json:"created_at"`
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	ss, err := h.env.Store.Session(r.Context(), r.PathValue("id"))
	if errors.Is(err, sandbox.ErrNotFound) || (err == nil && (ss.Provider != maple.Name || ss.Company != r.PathValue("company"))) {
		sandboxError(w, http.StatusNotFound, "", "not_found", "Checkout session not found", nil)
		return
	}
	if err != nil {
		h.env.Logf("maple: %v", err)
		sandboxError(w, http.StatusInternalServerError, "", nil, "Internal server error", nil)
		return
	}
	sandbox.JSON(w, http.StatusOK, h.view(ss))
}

func (h *handler) view(ss *sandbox.Session) sessionView {
	var req struct {
		AutoCharges *bool           `json:"auto_charges"`
		AutoRenews  *bool           `json:"auto_renews"`
		Term        json.RawMessage `json:"term"`
		Type        string          `json:"type"`
	}
	_ = json.Unmarshal(ss.Request, &req)
	v := sessionView{
		ID: ss.ID, CustomerID: ss.Customer, Status: StatusName(ss.Status), Type: req.Type,
		AutoCharges: req.AutoCharges, AutoRenews: req.AutoRenews, Term: req.Term,
		CreatedAt: sandbox.RFC3339(ss.CreatedAt),
	}
	if ss.Status.Open() {
		u := h.env.CheckoutURL(ss.ID)
		v.URL = &u
	}
	return v
}

// find answers the customer and pricing searches: one page of at most
// pagination.limit records, newest first, with the cursor of the next.
func (h *handler) find(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Pagination *struct {
				FromKey *string `json:"from_key"`
				Limit   *int    `json:"limit"`
			} `json:"pagination"`
			SortKey *string `json:"sort_key"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			sandboxError(w, http.StatusBadRequest, "", "invalid_json", "The request body is not valid JSON", nil)
			return
		}
		var fields []obj
		if req.Pagination == nil || req.Pagination.Limit == nil {
			fields = append(fields, obj{"field": "pagination.limit", "message": "required"})
		} else if l := *req.Pagination.Limit; l < 1 || l > 100 {
			fields = append(fields, obj{"field": "pagination.limit", "message": "must be between 1 and 100"})
		}
		if req.SortKey == nil || *req.SortKey == "" {
			fields = append(fields, obj{"field": "sort_key", "message": "required"})
		}
		if fields != nil {
			sandboxError(w, http.StatusBadRequest, "", "invalid_field", "Invalid request", fields)
			return
		}
		items, err := h.env.Store.Catalog(r.Context(), maple.Name, kind)
		if err != nil {
			h.env.Logf("maple: %v", err)
			sandboxError(w, http.StatusInternalServerError, "", nil, "Internal server error", nil)
			return
		}
		start := 0
		if fk := req.Pagination.FromKey; fk != nil {
			for i, it := range items {
				if it.ID == *fk {
					start = i
				}
			}
		}
		limit := *req.Pagination.Limit
		end := min(start+limit, len(items))
		results := []json.RawMessage{}
		for _, it := range items[start:end] {
			results = append(results, it.Data)
		}
		var next any
		if end < len(items) {
			next = items[end].ID
		}
		sandbox.JSON(w, http.StatusOK, obj{"pagination": obj{"from_key": next, "limit": limit}, "results": results})
	}
}

// unconfirmedEnums are the fields whose values Maple's reference shows
// only as examples (x-unconfirmed-enum in its spec): the spec types them
// as plain strings, so the sandbox takes any string there, as Maple may.
// billctl's own client still checks them against the examples, to catch
// typos before they are sent.
var unconfirmedEnums = map[string]bool{
	"term.frequency":       true,
	"trial_term.frequency": true,
	"discounts[].type":     true,
}

// lenient drops from p the refusals the spec does not make: an
// unconfirmed enum's value that is a string (extra properties, which the
// spec also allows, were let through by the decoder). nil when none is
// left.
func lenient(body []byte, p *sandbox.BodyProblem) *sandbox.BodyProblem {
	if p == nil || p.Syntax {
		return p
	}
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return p
	}
	kept := p.Fields[:0:0]
	for _, fe := range p.Fields {
		if unconfirmedEnums[indexless(fe.Path)] {
			if _, isString := at(doc, fe.Path).(string); isString {
				continue
			}
		}
		kept = append(kept, fe)
	}
	if len(kept) == 0 {
		return nil
	}
	return &sandbox.BodyProblem{Fields: kept, Msg: sandbox.FieldText(kept[0])}
}

// indexless is a field path with its list indexes emptied: a[2].b is a[].b.
func indexless(path string) string {
	var b strings.Builder
	in := false
	for _, r := range path {
		switch {
		case r == '[':
			in = true
			b.WriteRune(r)
		case r == ']':
			in = false
			b.WriteRune(r)
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// at is the value at a field path (a.b[2].c) of a parsed JSON document,
// nil when there is none.
func at(doc any, path string) any {
	for _, seg := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(seg, "[")
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = m[name]
		for idx != "" {
			n, rest, _ := strings.Cut(idx, "]")
			i, err := strconv.Atoi(n)
			l, ok := doc.([]any)
			if err != nil || !ok || i < 0 || i >= len(l) {
				return nil
			}
			doc = l[i]
			idx = strings.TrimPrefix(rest, "[")
		}
	}
	return doc
}
