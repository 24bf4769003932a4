package sandbox_test

import (
	"testing"

	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/sandbox"
)

// Each sandbox side writes its statuses in words its provider's vocabulary
// reads back to the same state, with a colour: what sandbox pay prints,
// checkout get shows and --wait stops on are one vocabulary.
func TestSandboxStatusesAreTheProvidersWords(t *testing.T) {
	want := map[sandbox.Status]provider.State{
		sandbox.Created: provider.Open, sandbox.AwaitingPayment: provider.Open,
		sandbox.Completed: provider.Completed, sandbox.Cancelled: provider.Cancelled, sandbox.Expired: provider.Expired,
	}
	sides := 0
	for _, d := range registry.All() {
		if d.Sandbox == nil {
			continue
		}
		sides++
		api := d.Sandbox()
		if d.Vocabulary.States == nil {
			t.Errorf("%s: no States in its vocabulary", d.Name)
		}
		for s, st := range want {
			word := string(s)
			if api.StatusName != nil && api.StatusName(s) != "" {
				word = api.StatusName(s)
			}
			if got := d.Vocabulary.State(word); got != st {
				t.Errorf("%s: %s (the sandbox's %s) reads as state %d, want %d", d.Name, word, s, got, st)
			}
			if _, ok := d.Vocabulary.Colours[word]; !ok {
				t.Errorf("%s: no colour for %s", d.Name, word)
			}
		}
	}
	if sides < 2 {
		t.Fatalf("%d sandbox sides registered, want both providers'", sides)
	}
}
