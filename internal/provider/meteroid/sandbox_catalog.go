package meteroid

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
)

// The sandbox's demo catalogue: a few customers, plans with their versions,
// add-ons and coupons, shaped as the API shows them (every key present,
// null where empty). Their IDs are fixed, in Meteroid's format, so that the
// README and `sandbox serve` can name them.

// seedTime is when the demo catalogue was "created".
var seedTime = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// demoID is a fixed ID of the given prefix: a UUIDv7 of seedTime whose
// "random" bits are a hash of the prefix and n.
func demoID(prefix string, n uint64) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s%d", prefix, n)
	r := h.Sum64()
	ms := uint64(seedTime.UnixMilli()) + n
	return sandbox.MeteroidID(prefix, sandbox.UUID{Hi: ms<<16 | 0x7000 | r>>52, Lo: 0x8000000000000000 | r>>2})
}

// Demo IDs, for commands and tests.
var (
	DemoCustomerAcme       = demoID("cus_", 1)
	DemoCustomerGlobex     = demoID("cus_", 2)
	DemoCustomerInitech    = demoID("cus_", 3)
	DemoPlanStarter        = demoID("plan_", 1)
	DemoPlanPro            = demoID("plan_", 2)
	DemoPlanEnterprise     = demoID("plan_", 3)
	DemoPlanVersionStarter = demoID("plv_", 1)
	DemoPlanVersionPro     = demoID("plv_", 3)
	DemoPlanVersionProOld  = demoID("plv_", 2)
	DemoPlanVersionDraft   = demoID("plv_", 4)
	DemoAddOnSeats         = demoID("add_", 1)
	DemoAddOnSupport       = demoID("add_", 2)
	DemoCouponWelcome      = demoID("cou_", 1)
	DemoCouponRetired      = demoID("cou_", 2)
)

func item(kind, id, alias, name string, v any) sandbox.Item {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // fixed data: a failure is a programming error
	}
	return sandbox.Item{Kind: kind, ID: id, Alias: alias, Name: name, Data: b}
}

type obj = map[string]any

// SandboxCatalog is the demo catalogue. For plan versions, Alias holds the
// plan's ID (the catalogue's one link from a record to its parent).
func SandboxCatalog() []sandbox.Item {
	created := sandbox.RFC3339(seedTime)
	ive := demoID("ive_", 1)
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
	family := obj{"id": demoID("pf_", 1), "name": "Default"}
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
			"id": id, "name": name, "description": desc, "product_id": demoID("prd_", n), "price_id": demoID("pri_", n),
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
		customer(DemoCustomerAcme, "Acme Corp", "acme", "billing@acme.example", "EUR"),
		customer(DemoCustomerGlobex, "Globex", "globex", "", "USD"),
		customer(DemoCustomerInitech, "Initech", "initech", "ap@initech.example", "EUR"),
		customer(demoID("cus_", 4), "Umbrella Ltd", "", "accounts@umbrella.example", "GBP"),
		plan(DemoPlanStarter, "Starter", "For small teams", "ACTIVE", "STANDARD", DemoPlanVersionStarter, 1, 0, nil),
		plan(DemoPlanPro, "Pro", "Everything in Starter, and more seats", "ACTIVE", "STANDARD", DemoPlanVersionPro, 2, 30,
			obj{"duration_days": 14, "is_free": true, "trialing_plan_id": nil}),
		plan(DemoPlanEnterprise, "Enterprise", nil, "DRAFT", "CUSTOM", DemoPlanVersionDraft, 1, 30, nil),
		version(DemoPlanVersionStarter, DemoPlanStarter, "Starter v1", 1, false),
		version(DemoPlanVersionProOld, DemoPlanPro, "Pro v1", 1, false),
		version(DemoPlanVersionPro, DemoPlanPro, "Pro v2", 2, false),
		version(DemoPlanVersionDraft, DemoPlanEnterprise, "Enterprise v1", 1, true),
		addOn(DemoAddOnSeats, "Extra seats", "5 more seats", 1, true),
		addOn(DemoAddOnSupport, "Priority support", nil, 2, false),
		coupon(DemoCouponWelcome, "WELCOME10", "10% off the first month", "10", false, 3),
		coupon(DemoCouponRetired, "OLD50", "retired", "50", true, 9),
	}
}
