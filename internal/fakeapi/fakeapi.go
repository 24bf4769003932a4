// Package fakeapi is an in-memory Meteroid and Maple for tests: it keeps
// the sessions it creates, records every request, replays Maple's
// idempotent answers, and answers errors in each provider's own shape.
//
// Some customer IDs make it fail on purpose, so scripts can reach error
// paths without configuration: cus_400, cus_404, cus_409, cus_422, cus_500,
// cus_502, cus_503, cus_html, cus_text, cus_empty; others make it answer
// as a hostile server would (hostile.go). The token RevokedToken is
// refused. The catalogue (customers, plans, add-ons, coupons, product
// pricings) is a few fixed records, listed as each API lists them.
package fakeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one request as the server received it.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// Server is the fake API.
type Server struct {
	*httptest.Server

	// Token is the one bearer token accepted; "" accepts any non-empty one.
	Token string
	// Delay is how long each create takes.
	Delay time.Duration
	// Fault, when set, sees each request first; returning true means it
	// has answered (fault injection).
	Fault func(w http.ResponseWriter, r *http.Request, body []byte) bool
	// NoRecord stops keeping requests (Requests stays empty), so that a
	// long benchmark measures the client rather than the server's memory.
	NoRecord bool

	mu       sync.Mutex
	requests []Request
	sessions map[string]map[string]any
	order    []string
	keys     map[string]stored // Maple idempotency
	seq      int
	now      func() time.Time
}

type stored struct {
	body   []byte
	status int
	answer []byte
}

// New starts a server.
func New() *Server {
	s := &Server{sessions: map[string]map[string]any{}, keys: map[string]stored{}, now: time.Now}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Requests returns what the server received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Created is the number of sessions really created.
func (s *Server) Created() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order)
}

// Sessions returns the sessions created so far, oldest first, as the API
// would show them.
func (s *Server) Sessions() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(s.order))
	for _, id := range s.order {
		c := make(map[string]any, len(s.sessions[id]))
		for k, v := range s.sessions[id] {
			c[k] = v
		}
		out = append(out, c)
	}
	return out
}

// AddSession stores a Meteroid session as if it had been created.
func (s *Server) AddSession(sess map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := sess["id"].(string)
	s.sessions[id] = sess
	s.order = append(s.order, id)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !s.NoRecord {
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()
	}
	if s.Fault != nil && s.Fault(w, r, body) {
		return
	}
	maple := strings.HasPrefix(r.URL.Path, "/api/v1/companies/")
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" || tok == RevokedToken || (s.Token != "" && tok != s.Token) {
		s.fail(w, maple, 401, "UNAUTHORIZED", "invalid API key")
		return
	}
	if s.hostile(w, r, maple, body) {
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case maple && len(parts) == 5 && parts[4] == "checkout" && r.Method == http.MethodPost:
		s.mapleCreate(w, r, parts[3], body)
	case maple && len(parts) == 6 && parts[4] == "checkout" && r.Method == http.MethodGet:
		s.mapleGet(w, parts[5])
	case !maple && r.URL.Path == "/api/v1/checkout-sessions" && r.Method == http.MethodPost:
		s.meteroidCreate(w, body)
	case !maple && r.URL.Path == "/api/v1/checkout-sessions" && r.Method == http.MethodGet:
		s.meteroidList(w, r)
	case !maple && len(parts) == 4 && parts[2] == "checkout-sessions" && r.Method == http.MethodGet:
		s.meteroidGet(w, parts[3])
	case !maple && len(parts) == 5 && parts[4] == "cancel" && r.Method == http.MethodPost:
		s.meteroidCancel(w, parts[3])
	case !maple && len(parts) == 4 && parts[2] == "customers" && r.Method == http.MethodGet:
		s.meteroidCustomer(w, parts[3])
	case !maple && len(parts) == 3 && r.Method == http.MethodGet && meteroidCatalog[parts[2]] != nil:
		s.meteroidCatalogList(w, r, parts[2])
	case maple && len(parts) == 6 && parts[5] == "find" && (parts[4] == "customers" || parts[4] == "pricing") && r.Method == http.MethodPost:
		s.mapleFind(w, parts[4], body)
	default:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(404)
		fmt.Fprint(w, "Not Found")
	}
}

// fail answers an error in the provider's shape.
func (s *Server) fail(w http.ResponseWriter, maple bool, status int, code, msg string) {
	if maple {
		typ := "request_error"
		switch status {
		case 401, 403:
			typ = "auth_error"
		case 409:
			typ = "idempotency_error"
		case 400, 422:
			typ = "validation_error"
		}
		writeJSON(w, status, map[string]any{"error_message": msg, "error_type": typ, "error_code": nil, "error_status": status, "validation_errors": nil})
		return
	}
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

// special answers the failures that customer IDs ask for.
func (s *Server) special(w http.ResponseWriter, maple bool, customer string) bool {
	switch customer {
	case "cus_400":
		if maple {
			writeJSON(w, 400, map[string]any{"error_message": "Invalid request", "error_type": "validation_error", "error_code": "invalid_field", "error_status": 400,
				"validation_errors": []any{map[string]any{"field": "config_items[0].product_pricing_id", "message": "product pricing not found"}}})
			return true
		}
		s.fail(w, false, 400, "BAD_REQUEST", "plan version not found")
	case "cus_404":
		s.fail(w, maple, 404, "NOT_FOUND", "customer not found")
	case "cus_409":
		s.fail(w, maple, 409, "CONFLICT", "conflict")
	case "cus_422":
		s.fail(w, maple, 422, "UNPROCESSABLE_ENTITY", "unprocessable")
	case "cus_500":
		s.fail(w, maple, 500, "INTERNAL_SERVER_ERROR", "internal error")
	case "cus_502", "cus_html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>")
	case "cus_503":
		s.fail(w, maple, 503, "UNAVAILABLE", "service unavailable")
	case "cus_text":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(422)
		fmt.Fprint(w, "Failed to deserialize the JSON body into the target type: plan_version_id: invalid type")
	case "cus_empty":
		w.WriteHeader(500)
	default:
		return false
	}
	return true
}

func (s *Server) meteroidCreate(w http.ResponseWriter, body []byte) {
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(400)
		fmt.Fprintf(w, "Failed to parse the request body as JSON: %v", err)
		return
	}
	customer, _ := req["customer_id"].(string)
	if s.special(w, false, customer) {
		return
	}
	// The server stores the customer's ID, whichever way it was named.
	if c := customerByIDOrAlias(customer); c != nil {
		customer = c["id"].(string)
	}
	if s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("che_%06d", s.seq)
	now := s.now().UTC()
	sess := map[string]any{
		"id":              id,
		"customer_id":     customer,
		"plan_version_id": req["plan_version_id"],
		"status":          "CREATED",
		"checkout_type":   "SELF_SERVE",
		"created_at":      now.Format(time.RFC3339),
		"checkout_url":    "https://checkout.example.com/" + id,
		"expires_at":      now.Add(time.Hour).Format(time.RFC3339),
	}
	if h, ok := req["expires_in_hours"].(float64); ok {
		if h == 0 {
			sess["expires_at"] = nil
		} else {
			sess["expires_at"] = now.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		}
	}
	for _, k := range []string{"trial_duration_days", "net_terms", "billing_day_anchor", "billing_start_date", "coupon_code", "payment_methods_config"} {
		if v, ok := req[k]; ok {
			sess[k] = v
		}
	}
	presetState(sess, false, customer, now)
	s.sessions[id] = sess
	s.order = append(s.order, id)
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"session": sess})
}

func (s *Server) meteroidGet(w http.ResponseWriter, id string) {
	s.mu.Lock()
	sess, ok := s.sessions[id]
	s.mu.Unlock()
	if !ok {
		s.fail(w, false, 404, "NOT_FOUND", "checkout session not found")
		return
	}
	writeJSON(w, 200, map[string]any{"session": sess})
}

func (s *Server) meteroidList(w http.ResponseWriter, r *http.Request) {
	customer, status := r.URL.Query().Get("customer_id"), r.URL.Query().Get("status")
	s.mu.Lock()
	out := []any{}
	ids := append([]string(nil), s.order...)
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	for _, id := range ids {
		sess := s.sessions[id]
		if sess == nil || (customer != "" && sess["customer_id"] != customer) || (status != "" && sess["status"] != status) {
			continue
		}
		out = append(out, sess)
	}
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"sessions": out})
}

func (s *Server) meteroidCancel(w http.ResponseWriter, id string) {
	s.mu.Lock()
	sess, ok := s.sessions[id]
	open := ok && (sess["status"] == "CREATED" || sess["status"] == "AWAITING_PAYMENT")
	if open {
		sess["status"] = "CANCELLED"
		sess["checkout_url"] = nil
	}
	s.mu.Unlock()
	if !open {
		s.fail(w, false, 400, "BAD_REQUEST", "Checkout session not found or cannot be cancelled")
		return
	}
	writeJSON(w, 200, map[string]any{"session": sess})
}

func (s *Server) mapleCreate(w http.ResponseWriter, r *http.Request, company string, body []byte) {
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	prev, seen := s.keys[key]
	s.mu.Unlock()
	if key != "" && seen {
		if !bytes.Equal(prev.body, body) {
			s.fail(w, true, 409, "", "Idempotency-Key already used with a different request")
			return
		}
		w.Header().Set("Idempotency-Used", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(prev.status)
		w.Write(prev.answer)
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, true, 400, "", "malformed JSON")
		return
	}
	customer, _ := req["customer_id"].(string)
	if s.special(w, true, customer) {
		return
	}
	if s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("che_%06d", s.seq)
	sess := map[string]any{
		"id":          id,
		"company_id":  company,
		"customer_id": customer,
		"status":      "DRAFT",
		"type":        "CHECKOUT_SESSION",
		"url":         "https://app.example.com/checkout/" + id,
		"created_at":  s.now().UTC().Format(time.RFC3339),
	}
	presetState(sess, true, customer, s.now().UTC())
	for _, k := range []string{"auto_charges", "auto_renews", "term"} {
		if v, ok := req[k]; ok {
			sess[k] = v
		}
	}
	s.sessions[id] = sess
	s.order = append(s.order, id)
	answer, _ := json.Marshal(map[string]any{"id": id, "url": sess["url"]})
	if key != "" {
		s.keys[key] = stored{body: body, status: 200, answer: answer}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Idempotency-Key", key)
	w.WriteHeader(200)
	w.Write(answer)
}

func (s *Server) mapleGet(w http.ResponseWriter, id string) {
	s.mu.Lock()
	sess, ok := s.sessions[id]
	s.mu.Unlock()
	if !ok {
		s.fail(w, true, 404, "", "Checkout session not found")
		return
	}
	writeJSON(w, 200, sess)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
