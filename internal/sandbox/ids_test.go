package sandbox

import (
	"testing"
	"time"
)

func TestMeteroidIDMatchesServer(t *testing.T) {
	// The server's own test: the all-ones UUID is cus_7n42DGM5Tflk9n8mt7Fhc7.
	max := UUID{^uint64(0), ^uint64(0)}
	if got := MeteroidID("cus_", max); got != "cus_7n42DGM5Tflk9n8mt7Fhc7" {
		t.Fatalf("got %s", got)
	}
	u, err := ParseMeteroidID("cus_", "cus_7n42DGM5Tflk9n8mt7Fhc7")
	if err != nil || u != max {
		t.Fatalf("parse: %v %v", u, err)
	}
	u, err = ParseMeteroidID("cus_", "ffffffff-ffff-ffff-ffff-ffffffffffff")
	if err != nil || u != max {
		t.Fatalf("parse uuid: %v %v", u, err)
	}
}

func TestMeteroidIDRoundTrip(t *testing.T) {
	for i := 0; i < 1000; i++ {
		u := NewUUIDv7(time.Now())
		id := MeteroidID("che_", u)
		back, err := ParseMeteroidID("che_", id)
		if err != nil || back != u {
			t.Fatalf("%s: %v %v != %v", id, err, back, u)
		}
	}
	for _, bad := range []string{"che_", "che_!!", "che_zzzzzzzzzzzzzzzzzzzzzzzzzz", "nothing", "12345678-1234-1234-1234-12345678901g"} {
		if _, err := ParseMeteroidID("che_", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRFC3339(t *testing.T) {
	base := time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)
	for ns, want := range map[int]string{
		0:         "2026-11-25T15:04:05Z",
		120000000: "2026-11-25T15:04:05.120Z",
		123456000: "2026-11-25T15:04:05.123456Z",
		1000:      "2026-11-25T15:04:05.000001Z",
	} {
		if got := RFC3339(base.Add(time.Duration(ns))); got != want {
			t.Errorf("%d: got %s want %s", ns, got, want)
		}
	}
}
