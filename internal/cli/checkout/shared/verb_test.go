package shared

import (
	"context"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/httpx"
	"github.com/billctl/billctl/internal/provider"
)

// createOnly is a provider whose API only creates sessions.
type createOnly struct{}

func (createOnly) Name() string                 { return "createonly" }
func (createOnly) NewRequest() any              { return &struct{}{} }
func (createOnly) CreatePath() string           { return "/v1/checkouts" }
func (createOnly) Subject(any) provider.Subject { return provider.Subject{} }
func (createOnly) Create(context.Context, provider.Request, string) (*provider.Session, error) {
	return nil, nil
}

// reader is one that can also read a session back.
type reader struct{ createOnly }

func (reader) Get(context.Context, string) (*provider.Session, error) { return nil, nil }

// A verb a provider lacks is a usage error naming it, and list's advice to
// look a session up with get is given only to a provider that has get.
func TestRefuseNamesTheVerbAndAdvisesOnlyWhatWorks(t *testing.T) {
	desc := func(p provider.Provider) *provider.Descriptor {
		return &provider.Descriptor{Name: "createonly", New: func(*httpx.Client, string) provider.Provider { return p }}
	}
	only, withGet := desc(createOnly{}), desc(reader{})
	for _, tc := range []struct {
		v       Verb
		d       *provider.Descriptor
		want    string
		advises bool
		refusal bool
	}{
		{Getting, only, "reading a checkout session is not supported", false, true},
		{Getting, withGet, "", false, false},
		{Listing, only, "listing checkout sessions is not supported", false, true},
		{Listing, withGet, "listing checkout sessions is not supported", true, true},
		{Cancelling, withGet, "cancelling a checkout session is not supported", false, true},
	} {
		err := tc.v.Refuse(tc.d)
		if (err != nil) != tc.refusal {
			t.Fatalf("%s, get %v: refuse = %v", tc.v.cannot, tc.d == withGet, err)
		}
		if err == nil {
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "createonly: "+tc.want) {
			t.Errorf("%q does not say %q", msg, tc.want)
		}
		if got := strings.Contains(msg, "checkout get"); got != tc.advises {
			t.Errorf("%q: advises checkout get = %v, want %v", msg, got, tc.advises)
		}
		if code := err.(interface{ ExitCode() int }).ExitCode(); code != 2 {
			t.Errorf("%q: exit %d, want 2", msg, code)
		}
	}
}
