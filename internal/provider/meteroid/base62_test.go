package meteroid

import (
	"strings"
	"testing"
	"time"
)

func TestIDMatchesServer(t *testing.T) {
	// The server's own test: the all-ones UUID is cus_7n42DGM5Tflk9n8mt7Fhc7.
	max := UUID{^uint64(0), ^uint64(0)}
	if got := ID("cus_", max); got != "cus_7n42DGM5Tflk9n8mt7Fhc7" {
		t.Fatalf("got %s", got)
	}
	u, err := ParseID("cus_", "cus_7n42DGM5Tflk9n8mt7Fhc7")
	if err != nil || u != max {
		t.Fatalf("parse: %v %v", u, err)
	}
	u, err = ParseID("cus_", "ffffffff-ffff-ffff-ffff-ffffffffffff")
	if err != nil || u != max {
		t.Fatalf("parse uuid: %v %v", u, err)
	}
}

func TestIDRoundTrip(t *testing.T) {
	for i := 0; i < 1000; i++ {
		u := NewUUIDv7(time.Now())
		id := ID("che_", u)
		back, err := ParseID("che_", id)
		if err != nil || back != u {
			t.Fatalf("%s: %v %v != %v", id, err, back, u)
		}
	}
	for _, bad := range []string{"che_", "che_!!", "che_zzzzzzzzzzzzzzzzzzzzzzzzzz", "nothing", "12345678-1234-1234-1234-12345678901g"} {
		if _, err := ParseID("che_", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// The typed IDs are checked as the server's parser reads them: PREFIX and
// base62 that fits in 128 bits, or a UUID in any form the server takes.
func TestIDShape(t *testing.T) {
	for _, ok := range []string{
		"plv_2zg9tUmeQMonp21OV6Rla1", "plv_1", "plv_7n42DGM5Tflk9n8mt7Fhc7",
		"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "0190a1b2c3d47e5f8a9b0c1d2e3f4a5b",
		"{0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}", "urn:uuid:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
	} {
		if p := idShape("plv_", "a plan version", ok); p != "" {
			t.Errorf("%s: %s", ok, p)
		}
	}
	for id, want := range map[string]string{
		"y":                            "is not a plan version ID (plv_ and base62, or a UUID)",
		"plv_":                         "nothing follows plv_",
		"plv_seats-1":                  `it holds "-"`,
		"plv_7n42DGM5Tflk9n8mt7Fhc8":   "too large for one",
		"plan_2zg9tUmeQMonp21OV6Rla1":  "is not a plan version ID",
		"0190a1b2-c3d4-7e5f-8a9b-0c1d": "is not a plan version ID",
	} {
		if p := idShape("plv_", "a plan version", id); !strings.Contains(p, want) {
			t.Errorf("%s: %q, want it to say %q", id, p, want)
		}
	}
	if err := CheckSessionID("che_doesnotexist1234567890"); err == nil || strings.Contains(err.Error(), "IdError") {
		t.Errorf("session ID check: %v", err)
	}
	if err := CheckSessionID(ID("che_", NewUUIDv7(time.Now()))); err != nil {
		t.Errorf("a fresh session ID: %v", err)
	}
}
