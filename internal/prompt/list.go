package prompt

import (
	"context"
	"sort"
	"strings"
)

// A source is the choices of one list, read in the background.
type source struct {
	done  chan struct{}
	items []Choice // valid once done is closed
	err   error
}

// ready is a source whose choices are known.
func ready(items []Choice) *source {
	s := &source{done: make(chan struct{}), items: items}
	close(s.done)
	return s
}

// startSource starts the lookup of fld, or returns its fixed choices.
func startSource(ctx context.Context, fld Field) *source {
	if fld.Lookup == nil {
		return ready(cleanChoices(fld.Choices))
	}
	s := &source{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		items, err := fld.Lookup(ctx)
		s.items, s.err = cleanChoices(items), err
	}()
	return s
}

// cleanChoices drops the control characters of what a server sent, so a
// label cannot move the cursor or rewrite the screen, and an ID picked
// from the list is sent as shown.
func cleanChoices(in []Choice) []Choice {
	out := make([]Choice, 0, len(in))
	for _, c := range in {
		c.Value, c.Label = clean(c.Value), clean(c.Label)
		if c.Value != "" {
			out = append(out, c)
		}
	}
	return out
}

// clean removes control characters (C0, DEL, C1), line and paragraph
// separators and bidirectional overrides from untrusted text.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case r == '\u2028' || r == '\u2029':
			return -1
		case (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			return -1
		}
		return r
	}, s)
}

// filter returns the choices matching text, best first: a value equal to
// it, then values or labels starting with it, then those containing it
// anywhere; the list's own order within each. Case is ignored; an empty
// text matches everything.
func filter(items []Choice, text string) []Choice {
	t := strings.ToLower(strings.TrimSpace(text))
	if t == "" {
		return items
	}
	type ranked struct {
		c    Choice
		rank int
	}
	var out []ranked
	for _, c := range items {
		v, l := strings.ToLower(c.Value), strings.ToLower(c.Label)
		switch {
		case v == t:
			out = append(out, ranked{c, 0})
		case strings.HasPrefix(v, t) || strings.HasPrefix(l, t):
			out = append(out, ranked{c, 1})
		case strings.Contains(v, t) || strings.Contains(l, t):
			out = append(out, ranked{c, 2})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rank < out[j].rank })
	res := make([]Choice, len(out))
	for i, r := range out {
		res[i] = r.c
	}
	return res
}

// display is how a choice reads in a list: its label and its value, or the
// value alone.
func display(c Choice) string {
	if c.Label == "" || c.Label == c.Value {
		return c.Value
	}
	return c.Label + "  " + c.Value
}

// window is the part of n rows that shows when at most size fit and the
// row cur must be visible: rows [from, to).
func window(n, cur, size int) (from, to int) {
	if n <= size {
		return 0, n
	}
	from = cur - size/2
	if from < 0 {
		from = 0
	}
	if from+size > n {
		from = n - size
	}
	return from, from + size
}
