package safetext

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Mask is what a secret is replaced with.
const Mask = "[REDACTED]"

// MinSecret is the length, in bytes, from which a secret is masked. A
// shorter one ("x", "tok", "test") is also a piece of ordinary output: of
// IDs, JSON keys, flag names, English words. Masking it there would
// corrupt what is printed while hiding nothing worth hiding (seven
// characters are no credential; the providers' API keys are dozens long),
// so it is not treated as a secret in output. billctl itself never prints
// the token whatever its length: the Authorization header is masked by
// name in --debug and --dry-run, and `profile show` masks the token it
// shows.
const MinSecret = 8

// altMask replaces secrets when one of them is part of Mask itself; the two
// masks share no character, so one secret is never part of both.
const altMask = "***"

// withheld replaces a text in which the secret could not be masked (a
// secret that reappears from the masks around it, however often they are
// put in): showing nothing is the only safe answer then.
const withheld = "[text withheld: it held the API token]"

// Filter prepares text for printing: it masks the secrets it was given,
// then escapes control characters. A nil *Filter masks nothing and only
// escapes.
type Filter struct {
	forms []string // every form in which a secret may appear
	mask  string
}

// New returns a Filter that masks the given secrets (the API token) in
// every form in which a server may quote them back: as sent, escaped in
// JSON, escaped in a URL, and as Line shows it. Secrets shorter than
// MinSecret (the empty one included) are ignored; New returns nil when
// none is left.
func New(secrets ...string) *Filter {
	f := &Filter{mask: Mask}
	seen := map[string]bool{"": true}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			f.forms = append(f.forms, s)
		}
	}
	for _, s := range secrets {
		if len(s) < MinSecret {
			continue
		}
		add(s)
		if j, err := json.Marshal(s); err == nil {
			add(string(j[1 : len(j)-1]))
		}
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		add(Line(s))
		add(Text(s))
	}
	for _, m := range []string{Mask, altMask, ""} {
		f.mask = m
		if !f.holds(m) {
			break
		}
	}
	if len(f.forms) == 0 {
		return nil
	}
	return f
}

// Line is s masked and escaped for one line of output (see Line).
func (f *Filter) Line(s string) string { return f.Redact(Line(f.Redact(s))) }

// Text is s masked and escaped for output that may span lines (see Text).
func (f *Filter) Text(s string) string { return f.Redact(Text(f.Redact(s))) }

// Redact replaces every secret in s with the mask, and leaves control
// characters alone: for text that is escaped later, or never shown on a
// terminal.
func (f *Filter) Redact(s string) string {
	if f == nil {
		return s
	}
	// A mask put in beside the text around it can form a secret again
	// (only a secret that overlaps the mask can): mask until none is left,
	// and give up on the text if that does not end.
	for range 8 {
		found := false
		for _, sec := range f.forms {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, f.mask)
				found = true
			}
		}
		if !found {
			return s
		}
	}
	switch {
	case !f.holds(s):
		return s
	case !f.holds(withheld):
		return withheld
	}
	return ""
}

func (f *Filter) holds(s string) bool {
	for _, sec := range f.forms {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}
