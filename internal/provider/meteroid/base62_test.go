package meteroid

import (
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
