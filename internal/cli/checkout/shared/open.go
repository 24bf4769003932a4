package shared

import (
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/loopback"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/safetext"
)

// OpenURL opens a session's checkout page in browser (nil: none), or
// says on stderr why it will not; prov names the provider in messages and
// v reads its statuses. It
// never fails the command: the session was fetched (or, for create,
// already created), and a failing status after a create would invite a
// retry that makes a second session.
func OpenURL(streams *output.IO, browser cmdutil.Browser, prov string, v provider.Vocabulary, s *provider.Session) error {
	// Every line names the API's URL or ID: shown escaped.
	say := func(format string, args ...any) {
		fmt.Fprint(streams.Err, safetext.Text(fmt.Sprintf(format, args...)))
	}
	if why := NoPage(prov, v, s); why != "" {
		say("not opening a browser: %s\n", why)
		return nil
	}
	if why := unserved(s.URL); why != "" {
		fmt.Fprintf(streams.Err, "not opening a browser: %s\n", why)
		return nil
	}
	if browser == nil {
		say("open %s in your browser\n", s.URL)
		return nil
	}
	if streams.StderrTTY {
		say("Opening %s in your browser.\n", s.URL)
	}
	if err := browser.Open(s.URL); err != nil {
		say("could not open a browser (%v): open %s yourself\n", err, s.URL)
	}
	return nil
}

// NoPage says why a session has no page worth opening, or "" when it has
// one. A cancelled or expired session's link, if the API still returns
// it, only shows the customer an error, so it is not opened either.
func NoPage(prov string, v provider.Vocabulary, s *provider.Session) string {
	switch v.State(s.Status) {
	case provider.Cancelled:
		return fmt.Sprintf("checkout session %s was cancelled, so its page no longer takes payment; create a new one with `billctl checkout create`", s.ID)
	case provider.Expired:
		return fmt.Sprintf("checkout session %s has expired, so its page no longer takes payment; create a new one with `billctl checkout create`", s.ID)
	}
	if s.URL != "" && safetext.Line(s.URL) != s.URL {
		// A browser, or the program $BROWSER names, would be handed the
		// server's control characters.
		return fmt.Sprintf("the checkout URL %s returned for session %s holds control characters: %s", prov, s.ID, s.URL)
	}
	if s.URL != "" {
		return ""
	}
	if v.State(s.Status) == provider.Completed {
		return fmt.Sprintf("checkout session %s is completed (the customer went through checkout) and %s returned no checkout URL for it", s.ID, prov)
	}
	return fmt.Sprintf("%s returned no checkout URL for session %s", prov, s.ID)
}

// ProviderName is the active provider s names, for messages.
func ProviderName(s *config.Settings) string {
	if s != nil && s.Provider != "" {
		return s.Provider
	}
	return "the API"
}

// unserved says why a checkout page on this machine cannot be opened, or
// "" when it can. The sandbox's pages live on `billctl sandbox serve`; a
// session created without one running (in-process) has a link that
// nothing answers yet, and a browser would only show an error.
func unserved(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !loopback.Host(u.Hostname()) {
		return ""
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	c, err := net.DialTimeout("tcp", host, 500*time.Millisecond)
	if err == nil {
		c.Close()
		return ""
	}
	serve := "billctl sandbox serve"
	if host != "127.0.0.1:12111" {
		serve += " --addr " + host
	}
	return fmt.Sprintf("nothing answers at %s, where this checkout page is served; start the sandbox's server with `%s` (in another terminal, on the same database), then open %s", host, serve, raw)
}
