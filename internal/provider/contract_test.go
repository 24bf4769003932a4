package provider

import (
	"context"
	"testing"

	"github.com/billctl/billctl/internal/httpx"
)

// createOnly is a provider whose API creates sessions and nothing else:
// it implements Provider alone, and stubs nothing.
type createOnly struct{}

type createOnlyRequest struct {
	CustomerID string `json:"customer_id" bill:"required"`
}

func (createOnly) Name() string                                              { return "createonly" }
func (createOnly) NewRequest() any                                           { return &createOnlyRequest{} }
func (createOnly) CreatePath() string                                        { return "/sessions" }
func (createOnly) Subject(any) Subject                                       { return Subject{} }
func (createOnly) Create(context.Context, Request, string) (*Session, error) { return nil, nil }

// full has every optional interface.
type full struct{ createOnly }

type fullRequest struct {
	CustomerID string `json:"customer_id"`
	Metadata   any    `json:"metadata,omitempty"`
}

func (full) NewRequest() any                                              { return &fullRequest{} }
func (full) Get(context.Context, string) (*Session, error)                { return nil, nil }
func (full) List(context.Context, ListFilter, func(*Session) error) error { return nil }
func (full) ListStatuses() []string                                       { return nil }
func (full) Cancel(context.Context, string) (*Session, error)             { return nil, nil }
func (full) Cancellable(string) bool                                      { return true }

func descriptorOf(p Provider) *Descriptor {
	return &Descriptor{Name: p.Name(), New: func(*httpx.Client, string) Provider { return p }}
}

func TestCanFindsTheOptionalInterfacesAProviderHas(t *testing.T) {
	lean, rich := descriptorOf(createOnly{}), descriptorOf(full{})
	for name, got := range map[string]bool{
		"create-only Getter":    Can[Getter](lean),
		"create-only Lister":    Can[Lister](lean),
		"create-only Canceller": Can[Canceller](lean),
		"create-only Preparer":  Can[Preparer](lean),
	} {
		if got {
			t.Errorf("%s: true, want false", name)
		}
	}
	if !Can[Getter](rich) || !Can[Lister](rich) || !Can[Canceller](rich) {
		t.Errorf("full provider: Getter %v Lister %v Canceller %v, want all true", Can[Getter](rich), Can[Lister](rich), Can[Canceller](rich))
	}
}

func TestCommonFlagsApplyWhereTheWireTypeHasTheField(t *testing.T) {
	lean, rich := descriptorOf(createOnly{}), descriptorOf(full{})
	for _, f := range CommonFlags() {
		switch f.Name {
		case "customer":
			if !lean.Takes(f) || !rich.Takes(f) {
				t.Errorf("--customer: create-only %v, full %v; want both", lean.Takes(f), rich.Takes(f))
			}
		case "metadata":
			if lean.Takes(f) || !rich.Takes(f) {
				t.Errorf("--metadata: create-only %v, full %v; want only full", lean.Takes(f), rich.Takes(f))
			}
		}
	}
}
