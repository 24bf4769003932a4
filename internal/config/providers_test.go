package config

import "github.com/billctl/billctl/internal/provider/registry"

// providers is the catalogue of the registered providers, as the command
// line hands it to settings.
var providers = func() Catalogue {
	var c Catalogue
	for _, d := range registry.All() {
		p := Provider{Name: d.Name, DefaultBaseURL: d.DefaultBaseURL, SandboxTenant: d.SandboxTenant, Sandbox: d.Sandbox != nil}
		if t := d.Tenant; t != nil {
			p.Tenant = &Tenant{What: t.What, Example: t.Example, Check: t.Check}
		}
		c = append(c, p)
	}
	return c
}()
