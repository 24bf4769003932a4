package meteroid

import (
	"fmt"
	"hash/fnv"
	"time"
)

// The demo catalogue's IDs are fixed, in Meteroid's format, so that the
// README, help and `sandbox serve` can name them.

// DemoTime is when the sandbox's demo catalogue was "created".
var DemoTime = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// DemoID is a fixed ID of the demo catalogue, of the given prefix: a
// UUIDv7 of DemoTime whose "random" bits are a hash of the prefix and n.
func DemoID(prefix string, n uint64) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s%d", prefix, n)
	r := h.Sum64()
	ms := uint64(DemoTime.UnixMilli()) + n
	return ID(prefix, UUID{Hi: ms<<16 | 0x7000 | r>>52, Lo: 0x8000000000000000 | r>>2})
}

// Demo IDs, for commands and tests.
var (
	DemoCustomerAcme       = DemoID("cus_", 1)
	DemoCustomerGlobex     = DemoID("cus_", 2)
	DemoCustomerInitech    = DemoID("cus_", 3)
	DemoPlanStarter        = DemoID("plan_", 1)
	DemoPlanPro            = DemoID("plan_", 2)
	DemoPlanEnterprise     = DemoID("plan_", 3)
	DemoPlanVersionStarter = DemoID("plv_", 1)
	DemoPlanVersionPro     = DemoID("plv_", 3)
	DemoPlanVersionProOld  = DemoID("plv_", 2)
	DemoPlanVersionDraft   = DemoID("plv_", 4)
	DemoAddOnSeats         = DemoID("add_", 1)
	DemoAddOnSupport       = DemoID("add_", 2)
	DemoCouponWelcome      = DemoID("cou_", 1)
	DemoCouponRetired      = DemoID("cou_", 2)
)
