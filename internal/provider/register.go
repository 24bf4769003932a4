package provider

import (
	"cmp"
	"slices"
	"sync"
)

// registered are the providers whose packages are linked in: each adds
// itself from its init, as database/sql drivers do, so that a provider is
// its package plus one blank import in the registry. Only a builder is
// kept: a descriptor is made on first use, so a command that needs no
// provider pays nothing for it.
var registered []registration

type registration struct {
	rank  int
	build func() *Descriptor
}

// Register adds a provider. rank orders the providers in help and
// messages (lowest first); packages are initialised in import-path order,
// which says nothing about which provider a user should see first.
// Register is called from init only: after that the list is read-only.
func Register(rank int, build func() *Descriptor) {
	registered = append(registered, registration{rank, build})
}

var descriptors = sync.OnceValue(func() []*Descriptor { return build(registered) })

// build makes the descriptors of regs, by rank.
func build(regs []registration) []*Descriptor {
	regs = slices.Clone(regs)
	slices.SortStableFunc(regs, func(a, b registration) int { return cmp.Compare(a.rank, b.rank) })
	out := make([]*Descriptor, len(regs))
	for i, r := range regs {
		out[i] = r.build()
	}
	return out
}

// Registered are the descriptors of every linked provider, by rank.
func Registered() []*Descriptor { return descriptors() }
