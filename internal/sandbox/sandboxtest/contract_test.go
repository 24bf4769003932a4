package sandboxtest

import (
	"net/http"
	"testing"
)

// The checker must be able to fail: a session missing a required key and
// with a status outside the enum does not conform.
func TestCheckResponseRefusesWrongBody(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1/api/v1/checkout-sessions/che_1", nil)
	hdr := http.Header{"Content-Type": {"application/json"}}
	bad := []byte(`{"session":{"id":"che_1","status":"PAID"}}`)
	if err := CheckResponse(Spec("meteroid"), req, 200, hdr, bad); err == nil {
		t.Fatal("a session without customer_id and with status PAID passed")
	}
	good := []byte(`{"session":{"id":"che_1","customer_id":"cus_1","plan_version_id":"plv_1","status":"CREATED","checkout_type":"SELF_SERVE","created_at":"2026-11-25T10:00:00.123456Z"}}`)
	if err := CheckResponse(Spec("meteroid"), req, 200, hdr, good); err != nil {
		t.Fatal(err)
	}
}
