package config

import (
	"net/url"
	"strings"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/loopback"
)

// Check refuses settings no request can be sent with: an unknown or
// missing provider, a tenant (company) missing or malformed, a base URL
// that is not an http(s) URL, or plain http to a host other than this
// machine.
func (s *Settings) Check() error {
	names := s.Providers.join("|")
	d := s.Providers.Get(s.Provider)
	switch {
	case s.Provider == "":
		return exitcode.Usagef("no provider: pass --provider %s, set BILLCTL_PROVIDER, or add a profile with `billctl profile add NAME --provider %s`", names, names)
	case d == nil:
		return exitcode.Usagef("unknown provider %q%s: use %s", s.Provider, s.from("provider"), s.Providers.join(" or "))
	}
	if t := d.Tenant; t != nil {
		if s.Company == "" {
			return exitcode.Usagef("%s needs a %s: pass --company %s, set BILLCTL_COMPANY, or store it in the profile", s.Provider, t.What, t.Example)
		}
		if err := t.Check(s.Company); err != nil {
			return exitcode.Usagef("%v%s", err, s.from("company"))
		}
	}
	if s.BaseURL == "" {
		return nil // the provider's default, which is https
	}
	if s.Sandbox {
		// A sandbox beside a CI job is reached by a service name over
		// plain http, and its token is a test token of that job.
		return nil
	}
	return CheckBaseURL(s.BaseURL, s.from("base_url"))
}

// CheckTenant applies provider's rule for --company to a profile: a
// provider with a tenant needs a well-formed one, any other takes none.
func (c Catalogue) CheckTenant(provider, company string) error {
	d := c.Get(provider)
	if d == nil {
		return nil
	}
	switch t := d.Tenant; {
	case t == nil && company != "":
		var with []string
		for _, o := range c {
			if o.Tenant != nil {
				with = append(with, o.Name)
			}
		}
		return exitcode.Usagef("--company is for %s; a %s API key already belongs to one tenant", strings.Join(with, " or "), provider)
	case t != nil && company == "":
		return exitcode.Usagef("a %s profile needs --company %s: its API addresses every request to a %s", provider, t.Example, strings.TrimSuffix(t.What, " ID"))
	case t != nil:
		if err := t.Check(company); err != nil {
			return exitcode.Usagef("%v", err)
		}
	}
	return nil
}

// CheckBaseURL refuses a base URL billctl must not send a token to. where
// is appended to the messages to say where the URL came from.
func CheckBaseURL(raw, where string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return exitcode.Usagef("invalid base URL %q%s: want https://HOST[:PORT] (http:// only for localhost)", raw, where)
	}
	if u.User != nil {
		return exitcode.Usagef("invalid base URL %s%s: it must not hold a user or password; the API token goes in the profile or BILLCTL_TOKEN", u.Redacted(), where)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return exitcode.Usagef("invalid base URL %q%s: want the API root alone, without query or fragment", raw, where)
	}
	if host := u.Hostname(); u.Scheme == "http" && !loopback.Host(host) {
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return exitcode.Usagef("refusing plain http:// to %s%s: the token would cross the network unencrypted; use https://, or http:// only for localhost, 127.0.0.0/8 or [::1]", host, where)
	}
	return nil
}

// RequireToken is the error for a request that needs a token and has none
// (exit 3), saying how to provide one.
func (s *Settings) RequireToken() error {
	if s.Token != "" {
		return nil
	}
	provider := s.Provider
	if provider == "" {
		provider = s.Providers.join("|")
	}
	if s.Profile != "" {
		return exitcode.Authf("no API token: profile %q has none; store one with `billctl profile add %s --force --provider %s` (it reads the token from stdin or a prompt), set BILLCTL_TOKEN, or pass --token-file PATH", s.Profile, s.Profile, provider)
	}
	return exitcode.Authf("no API token: add a profile with `billctl profile add NAME --provider %s` (it reads the token from stdin or a prompt), set BILLCTL_TOKEN, or pass --token-file PATH", provider)
}
