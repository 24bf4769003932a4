package config

import "strings"

// Provider is what settings know of one API shape. The caller hands the
// catalogue in (Catalogue), so that settings link no provider.
type Provider struct {
	// Name is the value of --provider.
	Name string
	// DefaultBaseURL is the public API root, used when none is configured.
	DefaultBaseURL string
	// Tenant is the account inside the API requests are addressed to
	// (--company); nil when the token alone names the account.
	Tenant *Tenant
	// SandboxTenant is the sandbox's demo tenant, the default of --company
	// with --sandbox.
	SandboxTenant string
	// Sandbox: the local sandbox answers in this provider's shape, so
	// --sandbox may name it.
	Sandbox bool
}

// Tenant is the account a provider addresses requests to.
type Tenant struct {
	// What names it in messages ("company ID").
	What string
	// Example is a well-formed value for messages ("cmp_…").
	Example string
	// Check refuses a malformed value before anything is sent.
	Check func(v string) error
}

// Catalogue is the providers billctl speaks, in the order help and
// messages list them; the first is the one --sandbox uses unless one is
// named.
type Catalogue []Provider

// Names are the providers' names.
func (c Catalogue) Names() []string {
	out := make([]string, len(c))
	for i, p := range c {
		out[i] = p.Name
	}
	return out
}

// Get is the provider called name, or nil.
func (c Catalogue) Get(name string) *Provider {
	for i := range c {
		if c[i].Name == name {
			return &c[i]
		}
	}
	return nil
}

// join is the providers' names joined by sep, as messages list them.
func (c Catalogue) join(sep string) string { return strings.Join(c.Names(), sep) }
