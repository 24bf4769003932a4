package sandbox

import (
	"strconv"
	"time"
)

// Times are kept as Unix microseconds, Postgres's precision, and written as
// Meteroid's server writes them (chrono's RFC 3339 with "AutoSi" fractions:
// none, 3, 6 or 9 digits, whichever is shortest without losing precision).

// Micros is t in Unix microseconds.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros is the time of Unix microseconds us, in UTC.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// RFC3339 writes t in UTC as chrono does.
func RFC3339(t time.Time) string {
	t = t.UTC()
	base := t.Format("2006-01-02T15:04:05")
	ns := t.Nanosecond()
	switch {
	case ns == 0:
	case ns%1_000_000 == 0:
		base += "." + pad(ns/1_000_000, 3)
	case ns%1000 == 0:
		base += "." + pad(ns/1000, 6)
	default:
		base += "." + pad(ns, 9)
	}
	return base + "Z"
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
