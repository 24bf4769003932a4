package fakeapi

import "time"

// Some customer IDs create a session that is already further along, so
// scripts can show every status without configuration:
//
//   - Meteroid: cus_awaiting (AWAITING_PAYMENT), cus_completed (COMPLETED,
//     checkout_url no longer returned), cus_expired (EXPIRED an hour ago,
//     checkout_url still returned).
//   - Maple: cus_nourl (a session whose url is null).
func presetState(sess map[string]any, maple bool, customer string, now time.Time) {
	if maple {
		if customer == "cus_nourl" {
			sess["url"] = nil
		}
		return
	}
	switch customer {
	case "cus_awaiting":
		sess["status"] = "AWAITING_PAYMENT"
	case "cus_completed":
		sess["status"] = "COMPLETED"
		sess["completed_at"] = now.Format(time.RFC3339)
		sess["subscription_id"] = "sub_" + sess["id"].(string)[len("che_"):]
		sess["checkout_url"] = nil
	case "cus_expired":
		sess["status"] = "EXPIRED"
		sess["expires_at"] = now.Add(-time.Hour).Format(time.RFC3339)
	}
}
