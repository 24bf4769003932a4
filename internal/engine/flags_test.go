package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
)

type wire struct {
	name string
	req  func() any
}

func (w wire) Name() string                 { return w.name }
func (w wire) NewRequest() any              { return w.req() }
func (w wire) CreatePath() string           { return "/sessions" }
func (w wire) Subject(any) provider.Subject { return provider.Subject{} }
func (w wire) Create(context.Context, provider.Request, string) (*provider.Session, error) {
	return nil, nil
}

func descriptorFor(name string, req func() any) *provider.Descriptor {
	return &provider.Descriptor{Name: name, New: func(*httpx.Client, string) provider.Provider { return wire{name, req} }}
}

// --metadata belongs to the providers whose create request has metadata,
// and is refused up front for one whose has none.
func TestCommonFlagOwnedByProvidersWithTheField(t *testing.T) {
	type bare struct {
		CustomerID string `json:"customer_id"`
	}
	type tagged struct {
		CustomerID string `json:"customer_id"`
		Metadata   any    `json:"metadata"`
	}
	defs := RequestFlags([]*provider.Descriptor{
		descriptorFor("tagged", func() any { return &tagged{} }),
		descriptorFor("bare", func() any { return &bare{} }),
	})
	byName := map[string]FlagDef{}
	for _, d := range defs {
		byName[d.Name] = d
	}
	if o := byName["customer"].Owners; o != nil {
		t.Errorf("--customer owners %v, want nil (every provider)", o)
	}
	if o := byName["metadata"].Owners; len(o) != 1 || o[0] != "tagged" {
		t.Fatalf("--metadata owners %v, want [tagged]", o)
	}
	err := CheckFlags([]Given{{Def: byName["metadata"], Vals: []string{"k=v"}}}, "bare")
	if err == nil || !strings.Contains(err.Error(), "--metadata is only for tagged; the active provider is bare") {
		t.Fatalf("--metadata with bare: %v", err)
	}
}
