package provider

import (
	"cmp"
	"slices"
	"sync"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
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

// sandboxes are the providers' sides of the local sandbox, by provider
// name: a provider's sandbox package (provider/<name>/sandbox) adds its own
// from its init, so that the client's package knows nothing of the
// sandbox and the sandbox's core nothing of a provider.
var sandboxes map[string]sandboxSide

type sandboxSide struct {
	api func() sandbox.API
	buy purchase.Describer
}

// RegisterSandbox adds the sandbox's side of the provider called name: its
// API shape (routes, answers, catalogue) and what its sessions buy. Called
// from init only, like Register.
func RegisterSandbox(name string, api func() sandbox.API, buy purchase.Describer) {
	if sandboxes == nil {
		sandboxes = map[string]sandboxSide{}
	}
	sandboxes[name] = sandboxSide{api, buy}
}

var descriptors = sync.OnceValue(func() []*Descriptor { return build(registered) })

// build makes the descriptors of regs, by rank, each with its sandbox's
// side when one is registered.
func build(regs []registration) []*Descriptor {
	regs = slices.Clone(regs)
	slices.SortStableFunc(regs, func(a, b registration) int { return cmp.Compare(a.rank, b.rank) })
	out := make([]*Descriptor, len(regs))
	for i, r := range regs {
		out[i] = r.build()
		if side, ok := sandboxes[out[i].Name]; ok {
			out[i].Sandbox, out[i].SandboxPurchase = side.api, side.buy
		}
	}
	return out
}

// Registered are the descriptors of every linked provider, by rank.
func Registered() []*Descriptor { return descriptors() }
