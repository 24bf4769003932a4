package sandboxtest

import (
	"encoding/json"

	"github.com/billctl/billctl/internal/sandbox"
)

// Test records added to the demo catalogue, so that tests can name short
// customers, plan versions, companies and pricings (cus_1, plv_1, cmp_1,
// pp_1…) that the sandbox then knows, as a real account would. IDs the
// catalogue lacks (cus_nobody, plv_nope) are refused as the servers do.
var (
	TestCustomers = []string{
		"cus_1", "cus_2", "cus_3", "cus_4", "cus_5", "cus_6", "cus_7", "cus_8", "cus_9", "cus_10", "cus_11",
		"cus_a", "cus_b", "cus_c", "cus_m", "cus_x", "cus_y", "cus_z",
		"cus_awaiting", "cus_completed", "cus_expired", "cus_nourl",
		"cus_7n42DGM5Tflk9n8mt7Fhc7", // the examples' and testdata/requests' customer
	}
	TestPlanVersions = []string{"plv_1", "plv_2", "plv_3", "plv_8", "plv_9", "plv_base", "plv_7n42DGM5Tflk9n8mt7Fhc7"}
	TestCompanies    = []string{"cmp_1", "cmp_2MkGNwZq", "cmp_b", "cmp_other", "cmp_from"}
	TestPricings     = []string{"pp_1", "pp_2", "pp_3"}
)

func fixture(kind, id string, v map[string]any) sandbox.Item {
	b, _ := json.Marshal(v)
	return sandbox.Item{Kind: kind, ID: id, Name: id, Data: b}
}

func meteroidFixtures(customers []string) []sandbox.Item {
	var items []sandbox.Item
	for _, id := range append(TestCustomers[:len(TestCustomers):len(TestCustomers)], customers...) {
		items = append(items, fixture("customers", id, map[string]any{
			"id": id, "name": "Test " + id, "alias": nil, "billing_email": nil, "invoicing_emails": []string{},
			"phone": nil, "currency": "EUR", "invoicing_entity_id": "ive_1", "vat_number": nil,
			"billing_address": nil, "shipping_address": nil, "custom_taxes": []any{}, "connected_account_id": nil,
		}))
	}
	for _, id := range TestPlanVersions {
		items = append(items, fixture("plan_versions", id, map[string]any{
			"id": id, "version": 1, "is_draft": false, "currency": "EUR", "created_at": "2026-01-05T10:00:00Z",
		}))
	}
	return items
}

func mapleFixtures(customers []string) []sandbox.Item {
	var items []sandbox.Item
	for _, id := range TestCompanies {
		items = append(items, fixture("companies", id, map[string]any{"id": id, "name": "Test " + id}))
	}
	for _, id := range append(TestCustomers[:len(TestCustomers):len(TestCustomers)], customers...) {
		items = append(items, fixture("customers", id, map[string]any{
			"id": id, "name": "Test " + id, "email": nil, "identifier": nil, "org_name": nil, "status": "ACTIVE",
		}))
	}
	for _, id := range TestPricings {
		items = append(items, fixture("pricings", id, map[string]any{
			"id": id, "name": "Test " + id, "external_name": "Test " + id, "currency": "USD", "product_id": "prod_1", "state": "ACTIVE", "type": "PRICING",
		}))
	}
	return items
}
