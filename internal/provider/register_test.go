package provider

import (
	"testing"

	"github.com/billctl/billctl/internal/sandbox"
)

// The rank, not the order packages happen to be initialised in, decides
// the order in help and messages.
func TestRegisteredAreOrderedByRank(t *testing.T) {
	saved := registered
	t.Cleanup(func() { registered = saved })
	registered = nil
	Register(20, func() *Descriptor { return &Descriptor{Name: "second"} })
	Register(10, func() *Descriptor { return &Descriptor{Name: "first"} })
	Register(20, func() *Descriptor { return &Descriptor{Name: "third"} })
	ds := build(registered)
	var got []string
	for _, d := range ds {
		got = append(got, d.Name)
	}
	want := []string{"first", "second", "third"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// A provider's sandbox side, registered by its own package, is found on
// its descriptor; a provider without one has none.
func TestSandboxSideJoinsItsDescriptor(t *testing.T) {
	saved, savedSides := registered, sandboxes
	t.Cleanup(func() { registered, sandboxes = saved, savedSides })
	registered, sandboxes = nil, nil
	Register(10, func() *Descriptor { return &Descriptor{Name: "served"} })
	Register(20, func() *Descriptor { return &Descriptor{Name: "unserved"} })
	RegisterSandbox("served", func() sandbox.API { return sandbox.API{Name: "served"} }, nil)
	ds := build(registered)
	if ds[0].Sandbox == nil || ds[0].Sandbox().Name != "served" {
		t.Fatalf("served: no sandbox side on its descriptor")
	}
	if ds[1].Sandbox != nil {
		t.Fatalf("unserved: a sandbox side it never registered")
	}
}
