package sandbox

import "testing"

// A repeated body that differs only in whitespace or key order hashes the
// same; another value does not.
func TestBodyHashComparesParsedJSON(t *testing.T) {
	a := bodyHash([]byte(`{"customer_id":"cus_2SbxAcme","config_items":[{"num_licenses":2}]}`))
	b := bodyHash([]byte("{ \"config_items\" : [ {\"num_licenses\": 2} ],\n \"customer_id\":\"cus_2SbxAcme\" }"))
	c := bodyHash([]byte(`{"customer_id":"cus_2SbxAcme","config_items":[{"num_licenses":2.0}]}`))
	if a != b {
		t.Error("whitespace and key order changed the hash")
	}
	if a == c {
		t.Error("2 and 2.0 hashed the same")
	}
}
