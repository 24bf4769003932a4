package output

import (
	"fmt"
	"time"
)

// RelativeTime returns a Printer.Time that shows API timestamps relative to
// now() ("in 47 min", "3 h ago"), for a person reading a terminal. Text that
// is not an RFC 3339 time is shown unchanged.
func RelativeTime(now func() time.Time) func(string) string {
	return func(s string) string {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return s
		}
		return Relative(t, now())
	}
}

// Relative says how far t is from now, in the largest whole unit. Parts of
// a unit are dropped, so an expiry is never shown later than it is.
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var amount string
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		amount = fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		amount = fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		amount = fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		amount = fmt.Sprintf("%d d", int(d/(24*time.Hour)))
	}
	if future {
		return "in " + amount
	}
	return amount + " ago"
}
