package fakeapi

import (
	"encoding/json"
	"net/http"
	"slices"
)

// RevokedToken is refused with 401 by both APIs, so scripts can reach an
// account whose key no longer works.
const RevokedToken = "sk_revoked"

// The fixed records the list and find endpoints answer with, in the shapes
// of the two specs. Each list holds one record the endpoint's filter leaves
// out (a draft plan, a disabled coupon), so that a client that forgets the
// filter shows it.
var (
	meteroidCustomers = []map[string]any{
		{"id": "cus_4fQ2mZ8kLp", "name": "Acme Corp", "alias": "acme", "billing_email": "billing@acme.example", "currency": "EUR", "invoicing_emails": []any{}, "invoicing_entity_id": "ive_1", "custom_taxes": []any{}},
		{"id": "cus_9hT3vB1nWx", "name": "Globex", "alias": "globex", "billing_email": nil, "currency": "USD", "invoicing_emails": []any{}, "invoicing_entity_id": "ive_1", "custom_taxes": []any{}},
		{"id": "cus_2KdR7sYqZe", "name": "Initech", "alias": nil, "billing_email": "ap@initech.example", "currency": "EUR", "invoicing_emails": []any{}, "invoicing_entity_id": "ive_1", "custom_taxes": []any{}},
	}
	meteroidPlans = []map[string]any{
		{"id": "plan_7YbN2c", "name": "Starter", "version_id": "plv_3mQx8Rk2", "version": 3, "status": "ACTIVE", "plan_type": "STANDARD", "currency": "EUR", "net_terms": 0, "created_at": "2026-01-05T10:00:00Z"},
		{"id": "plan_Q4wE9r", "name": "Pro", "version_id": "plv_8TzL4wVn", "version": 1, "status": "ACTIVE", "plan_type": "STANDARD", "currency": "EUR", "net_terms": 30, "created_at": "2026-01-06T10:00:00Z"},
		{"id": "plan_Z1xC5v", "name": "Enterprise", "version_id": "plv_draft0001", "version": 1, "status": "DRAFT", "plan_type": "CUSTOM", "currency": "EUR", "net_terms": 30, "created_at": "2026-02-01T10:00:00Z"},
	}
	meteroidAddOns = []map[string]any{
		{"id": "add_5RtY2uIo", "name": "Extra seats", "description": "5 more seats", "product_id": "prd_1", "price_id": "pri_1", "self_serviceable": true, "created_at": "2026-01-05T10:00:00Z"},
		{"id": "add_6PlK3jHg", "name": "Priority support", "description": nil, "product_id": "prd_2", "price_id": "pri_2", "self_serviceable": false, "created_at": "2026-01-05T10:00:00Z"},
	}
	meteroidCoupons = []map[string]any{
		{"id": "cpn_8NmB4vCx", "code": "WELCOME10", "description": "10% off the first month", "disabled": false, "reusable": true, "redemption_count": 3, "plan_ids": []any{}, "created_at": "2026-01-05T10:00:00Z"},
		{"id": "cpn_1QaZ2wSx", "code": "OLD50", "description": "retired", "disabled": true, "reusable": false, "redemption_count": 9, "plan_ids": []any{}, "created_at": "2025-01-05T10:00:00Z"},
	}
	mapleCustomers = []map[string]any{
		{"id": "cus_2MkH7pQr", "name": "Ada Lovelace", "org_name": "Analytical Engines", "email": "ada@engines.example", "identifier": "ada", "status": "ACTIVE"},
		{"id": "cus_2MkJ3sTu", "name": "Grace Hopper", "org_name": nil, "email": "grace@cobol.example", "identifier": nil, "status": "ACTIVE"},
	}
	maplePricings = []map[string]any{
		{"id": "pp_2Nq8LmXc", "name": "Pro monthly", "external_name": "Pro", "currency": "USD", "product_id": "prod_1", "state": "ACTIVE", "type": "PRICING"},
		{"id": "pp_2Nq9KjWv", "name": nil, "external_name": "Team annual", "currency": "USD", "product_id": "prod_2", "state": "ACTIVE", "type": "PRICING"},
	}
)

// meteroidCatalog is what GET /api/v1/{name} lists.
var meteroidCatalog = map[string][]map[string]any{
	"customers": meteroidCustomers,
	"plans":     meteroidPlans,
	"addons":    meteroidAddOns,
	"coupons":   meteroidCoupons,
}

// meteroidCatalogList answers GET /api/v1/{customers,plans,addons,coupons} with
// one page, applying the filters the real API applies: plans by status,
// coupons by filter=ACTIVE.
func (s *Server) meteroidCatalogList(w http.ResponseWriter, r *http.Request, what string) {
	all := meteroidCatalog[what]
	q := r.URL.Query()
	data := []any{}
	for _, rec := range all {
		if st := q["status"]; what == "plans" && len(st) > 0 && !slices.Contains(st, rec["status"].(string)) {
			continue
		}
		if what == "coupons" && q.Get("filter") == "ACTIVE" && rec["disabled"] == true {
			continue
		}
		data = append(data, rec)
	}
	writeJSON(w, 200, map[string]any{
		"data":            data,
		"pagination_meta": map[string]any{"page": 0, "per_page": 100, "total_items": len(data), "total_pages": 1},
	})
}

// mapleFind answers POST /api/v1/companies/{id}/{customers,pricing}/find.
// The body must carry the pagination and sort_key the spec requires.
func (s *Server) mapleFind(w http.ResponseWriter, what string, body []byte) {
	var req struct {
		Pagination *struct {
			Limit int `json:"limit"`
		} `json:"pagination"`
		SortKey string `json:"sort_key"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Pagination == nil || req.Pagination.Limit < 1 || req.Pagination.Limit > 100 || req.SortKey == "" {
		s.fail(w, true, 400, "", "pagination.limit (1-100) and sort_key are required")
		return
	}
	all := mapleCustomers
	if what == "pricing" {
		all = maplePricings
	}
	results := []any{}
	for _, rec := range all {
		results = append(results, rec)
	}
	writeJSON(w, 200, map[string]any{"pagination": map[string]any{"from_key": nil, "limit": req.Pagination.Limit}, "results": results})
}

// meteroidCustomer answers GET /api/v1/customers/{id_or_alias}, as the
// real server does: by ID or by alias, 404 for neither.
func (s *Server) meteroidCustomer(w http.ResponseWriter, idOrAlias string) {
	if c := customerByIDOrAlias(idOrAlias); c != nil {
		writeJSON(w, 200, c)
		return
	}
	s.fail(w, false, 404, "NOT_FOUND", "Customer not found")
}

func customerByIDOrAlias(v string) map[string]any {
	for _, c := range meteroidCustomers {
		if c["id"] == v || c["alias"] == v {
			return c
		}
	}
	return nil
}
