package sandbox

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/meteroid"

	"github.com/billctl/billctl/internal/sandbox"
)

// The sandbox's demo catalogue: a few customers, plans with their versions,
// add-ons and coupons, shaped as the API shows them (every key present,
// null where empty). Their IDs are fixed, in Meteroid's format, so that the
// README and `sandbox serve` can name them.

func item(kind, id, alias, name string, v any) sandbox.Item {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // fixed data: a failure is a programming error
	}
	return sandbox.Item{Kind: kind, ID: id, Alias: alias, Name: name, Data: b}
}

type obj = map[string]any

// Catalog is the demo catalogue. For plan versions, Alias holds the
// plan's ID (the catalogue's one link from a record to its parent).
func Catalog() []sandbox.Item {
	created := sandbox.RFC3339(meteroid.DemoTime)
	ive := meteroid.DemoID("ive_", 1)
	customer := func(id, name, alias, email, currency string) sandbox.Item {
		var a, e any
		if alias != "" {
			a = alias
		}
		if email != "" {
			e = email
		}
		return item("customers", id, alias, name, obj{
			"id": id, "name": name, "alias": a, "billing_email": e, "invoicing_emails": []string{},
			"phone": nil, "currency": currency, "invoicing_entity_id": ive, "vat_number": nil,
			"billing_address": nil, "shipping_address": nil, "custom_taxes": []any{}, "connected_account_id": nil,
		})
	}
	family := obj{"id": meteroid.DemoID("pf_", 1), "name": "Default"}
	plan := func(id, name string, desc any, status, planType, version string, n, netTerms int, trial any) sandbox.Item {
		return item("plans", id, "", name, obj{
			"id": id, "name": name, "description": desc, "created_at": created, "plan_type": planType,
			"status": status, "product_family": family, "version_id": version, "version": n,
			"currency": "EUR", "net_terms": netTerms, "trial": trial, "period_start_day": nil,
			"billing_cycles": nil, "price_components": []any{}, "available_parameters": obj{},
			"self_service_rank": nil, "entitlements": []any{},
		})
	}
	version := func(id, plan, name string, n int, draft bool) sandbox.Item {
		return item("plan_versions", id, plan, name, obj{
			"id": id, "version": n, "is_draft": draft, "currency": "EUR", "created_at": created,
		})
	}
	addOn := func(id, name string, desc any, n uint64, self bool) sandbox.Item {
		return item("addons", id, "", name, obj{
			"id": id, "name": name, "description": desc, "product_id": meteroid.DemoID("prd_", n), "price_id": meteroid.DemoID("pri_", n),
			"fee_type": "SLOT", "self_serviceable": self, "max_instances_per_subscription": nil,
			"created_at": created, "archived_at": nil, "entitlements": []any{},
		})
	}
	coupon := func(id, code, desc string, pct string, disabled bool, used int) sandbox.Item {
		return item("coupons", id, code, code, obj{
			"id": id, "code": code, "description": desc, "discount": obj{"type": "PERCENTAGE", "percentage": pct},
			"expires_at": nil, "redemption_limit": nil, "recurring_value": nil, "reusable": true, "disabled": disabled,
			"created_at": created, "archived_at": nil, "redemption_count": used, "plan_ids": []string{},
		})
	}
	return []sandbox.Item{
		customer(meteroid.DemoCustomerAcme, "Acme Corp", "acme", "billing@acme.example", "EUR"),
		customer(meteroid.DemoCustomerGlobex, "Globex", "globex", "", "USD"),
		customer(meteroid.DemoCustomerInitech, "Initech", "initech", "ap@initech.example", "EUR"),
		customer(meteroid.DemoID("cus_", 4), "Umbrella Ltd", "", "accounts@umbrella.example", "GBP"),
		plan(meteroid.DemoPlanStarter, "Starter", "For small teams", "ACTIVE", "STANDARD", meteroid.DemoPlanVersionStarter, 1, 0, nil),
		plan(meteroid.DemoPlanPro, "Pro", "Everything in Starter, and more seats", "ACTIVE", "STANDARD", meteroid.DemoPlanVersionPro, 2, 30,
			obj{"duration_days": 14, "is_free": true, "trialing_plan_id": nil}),
		plan(meteroid.DemoPlanEnterprise, "Enterprise", nil, "DRAFT", "CUSTOM", meteroid.DemoPlanVersionDraft, 1, 30, nil),
		version(meteroid.DemoPlanVersionStarter, meteroid.DemoPlanStarter, "Starter v1", 1, false),
		version(meteroid.DemoPlanVersionProOld, meteroid.DemoPlanPro, "Pro v1", 1, false),
		version(meteroid.DemoPlanVersionPro, meteroid.DemoPlanPro, "Pro v2", 2, false),
		version(meteroid.DemoPlanVersionDraft, meteroid.DemoPlanEnterprise, "Enterprise v1", 1, true),
		addOn(meteroid.DemoAddOnSeats, "Extra seats", "5 more seats", 1, true),
		addOn(meteroid.DemoAddOnSupport, "Priority support", nil, 2, false),
		coupon(meteroid.DemoCouponWelcome, "WELCOME10", "10% off the first month", "10", false, 3),
		coupon(meteroid.DemoCouponRetired, "OLD50", "retired", "50", true, 9),
	}
}
