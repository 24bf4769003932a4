package cmdutil

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/completion"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

const token = "sk_test_0123456789abcdef"

// flags are the persistent flags with the given values set.
func flags(t *testing.T, set map[string]string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
	config.AddFlags(fs, Catalogue())
	for k, v := range set {
		if err := fs.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	return fs
}

// A completion looks records up for the account the command line points
// at, and for nothing else.
func TestLookupSource(t *testing.T) {
	srv := sandboxtest.StartDemoAPI(t)
	home := t.TempDir()
	tokenFile := filepath.Join(home, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envOf := func(vars map[string]string) func(string) string {
		return func(k string) string {
			if k == "HOME" {
				return home
			}
			if k == "XDG_CACHE_HOME" {
				return filepath.Join(home, "cache")
			}
			return vars[k]
		}
	}
	tests := []struct {
		name  string
		flags map[string]string
		env   map[string]string
		kind  completion.Kind
		want  int // items; 0 = nothing
		reqs  int // requests sent
	}{
		{"token from the environment", map[string]string{"provider": "meteroid", "base-url": srv.URL}, map[string]string{"BILLCTL_TOKEN": token}, completion.AddOns, 2, 1},
		{"token from a file", map[string]string{"provider": "maple", "company": maple.DemoCompany, "base-url": srv.URL, "token-file": tokenFile}, nil, completion.ProductPricings, 3, 1},
		{"no token", map[string]string{"provider": "meteroid", "base-url": srv.URL}, nil, completion.Customers, 0, 0},
		{"token from stdin", map[string]string{"provider": "meteroid", "base-url": srv.URL, "token-file": "-"}, nil, completion.Customers, 0, 0},
		{"no provider", map[string]string{"base-url": srv.URL}, map[string]string{"BILLCTL_TOKEN": token}, completion.Customers, 0, 0},
		{"maple without company", map[string]string{"provider": "maple", "base-url": srv.URL}, map[string]string{"BILLCTL_TOKEN": token}, completion.Customers, 0, 0},
		{"kind the provider lacks", map[string]string{"provider": "maple", "company": maple.DemoCompany, "base-url": srv.URL}, map[string]string{"BILLCTL_TOKEN": token}, completion.Coupons, 0, 0},
		{"plain http elsewhere", map[string]string{"provider": "meteroid", "base-url": "http://billing.example.com"}, map[string]string{"BILLCTL_TOKEN": token}, completion.Customers, 0, 0},
		{"unknown profile", map[string]string{"profile": "nope", "base-url": srv.URL}, map[string]string{"BILLCTL_TOKEN": token}, completion.Customers, 0, 0},
		{"revoked token", map[string]string{"provider": "meteroid", "base-url": srv.URL}, map[string]string{"BILLCTL_TOKEN": sandboxtest.RevokedToken}, completion.Customers, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll(filepath.Join(home, "cache"))
			before := len(srv.Requests())
			f := &Factory{IO: &output.IO{Out: io.Discard, Err: io.Discard}, Flags: flags(t, tt.flags), Getenv: envOf(tt.env)}
			got := completion.Lookup(context.Background(), f.LookupSource(), tt.kind)
			if len(got) != tt.want {
				t.Errorf("got %d items %+v, want %d", len(got), got, tt.want)
			}
			if n := len(srv.Requests()) - before; n != tt.reqs {
				t.Errorf("sent %d requests, want %d", n, tt.reqs)
			}
		})
	}
}
