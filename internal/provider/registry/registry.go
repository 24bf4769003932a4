// Package registry lists the providers billctl speaks. It is the one file
// that names each provider package: adding a provider is its package plus
// one line here.
package registry

import (
	"sync"

	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

// all is built on first use: a command that needs no provider pays nothing.
var all = sync.OnceValue(func() []*provider.Descriptor {
	return []*provider.Descriptor{
		meteroid.Descriptor(),
		maple.Descriptor(),
	}
})

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
