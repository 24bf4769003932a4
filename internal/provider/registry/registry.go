// Package registry lists the providers billctl speaks. It is the one file
// that names each provider package: adding a provider is its package plus
// one import line here (each package registers itself from its init, with
// the rank that orders it in help and messages), and one more for its side
// of the local sandbox when it has one (provider/<name>/sandbox).
package registry

import (
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/sandbox"

	_ "github.com/billctl/billctl/internal/provider/maple"
	_ "github.com/billctl/billctl/internal/provider/maple/sandbox"
	_ "github.com/billctl/billctl/internal/provider/meteroid"
	_ "github.com/billctl/billctl/internal/provider/meteroid/sandbox"
)

func all() []*provider.Descriptor { return provider.Registered() }

// All are the providers, in the order help and messages list them.
func All() []*provider.Descriptor { return all() }

// Get is the provider called name, or nil.
func Get(name string) *provider.Descriptor {
	for _, d := range all() {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Names are the providers' names.
func Names() []string {
	var out []string
	for _, d := range all() {
		out = append(out, d.Name)
	}
	return out
}

// SandboxAPIs are the sides of the local sandbox of the providers that
// have one.
func SandboxAPIs() []sandbox.API {
	var out []sandbox.API
	for _, d := range all() {
		if d.Sandbox != nil {
			out = append(out, d.Sandbox())
		}
	}
	return out
}
