package sandbox

import (
	"testing"
	"time"
)

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
