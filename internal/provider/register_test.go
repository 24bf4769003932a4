package provider

import "testing"

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
