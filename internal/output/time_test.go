package output

import (
	"testing"
	"time"
)

func TestRelative(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "just now"},
		{500 * time.Millisecond, "just now"},
		{-900 * time.Millisecond, "just now"},
		{30 * time.Second, "in 30 s"},
		{-59 * time.Second, "59 s ago"},
		{47*time.Minute + 59*time.Second, "in 47 min"},
		{-time.Minute, "1 min ago"},
		{59*time.Minute + 59*time.Second, "in 59 min"},
		{time.Hour, "in 1 h"},
		{-3*time.Hour - 20*time.Minute, "3 h ago"},
		{47 * time.Hour, "in 47 h"},
		{48 * time.Hour, "in 2 d"},
		{-30 * 24 * time.Hour, "30 d ago"},
	}
	for _, c := range cases {
		if got := Relative(now.Add(c.d), now); got != c.want {
			t.Errorf("Relative(now%+v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestRelativeTime(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	rel := RelativeTime(func() time.Time { return now })
	cases := map[string]string{
		"2026-05-01T12:47:00Z":      "in 47 min",
		"2026-05-01T14:47:00+02:00": "in 47 min", // the offset is honoured
		"2026-05-01T09:00:00Z":      "3 h ago",
		"2026-05-01T12:00:30.5Z":    "in 30 s",
		"2026-05-01":                "2026-05-01", // not a time: unchanged
		"soon":                      "soon",
		"":                          "",
	}
	for in, want := range cases {
		if got := rel(in); got != want {
			t.Errorf("rel(%q) = %q, want %q", in, got, want)
		}
	}
}
