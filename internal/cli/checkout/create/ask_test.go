package create

import (
	"io"
	"testing"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

// parseCreate parses args as `checkout create` would.
func parseCreate(t *testing.T, args ...string) *CreateOptions {
	t.Helper()
	var opts *CreateOptions
	cmd := NewCmdCreate(&cmdutil.Factory{}, func(o *CreateOptions) error { opts = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return opts
}

func TestIsGiven(t *testing.T) {
	opts := parseCreate(t, "--plan-version", "plv_1", "--set", "customer_id=cus_1", "--set", "add_ons[0].add_on_id=add_1")
	for name, want := range map[string]bool{
		"plan-version": true,  // a flag
		"customer":     true,  // --set of its field
		"trial-days":   false, // neither
		"coupon":       false,
	} {
		if got := opts.isGiven(name); got != want {
			t.Errorf("isGiven(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestOnlyMissing(t *testing.T) {
	p := meteroid.Descriptor().New(nil, "")
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--customer", "cus_1"}, true},
		{[]string{"--customer", "cus_1", "--plan-version", "plv_1"}, false}, // nothing missing
		// A mistake is reported as it is, before anything is asked.
		{[]string{"--trial-days", "soon"}, false},
	} {
		opts := parseCreate(t, tt.args...)
		b := &engine.Builder{Provider: p, Defs: opts.flags.defs, Flags: opts.flags.given(), Sets: opts.Sets}
		if got := onlyMissing(b); got != tt.want {
			t.Errorf("onlyMissing(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestCheckValue(t *testing.T) {
	p := meteroid.Descriptor().New(nil, "")
	defs := parseCreate(t).flags.defs
	def := func(name string) engine.FlagDef {
		for _, d := range defs {
			if d.Name == name {
				return d
			}
		}
		t.Fatalf("no flag %s", name)
		return engine.FlagDef{}
	}
	trial := checkValue(def("trial-days"), p)
	if err := trial("14"); err != nil {
		t.Errorf("14 days refused: %v", err)
	}
	if err := trial("soon"); err == nil {
		t.Error("\"soon\" days accepted")
	}
	if err := checkValue(def("add-on"), p)("add_1:2"); err != nil {
		t.Errorf("add_1:2 refused: %v", err)
	}
	if err := checkValue(def("add-on"), p)("add_1:many"); err == nil {
		t.Error("add_1:many accepted")
	}
}

func TestLabel(t *testing.T) {
	for in, want := range map[string]string{"customer": "Customer", "plan-version": "Plan version", "expires-in-hours": "Expires in hours"} {
		if got := label(in); got != want {
			t.Errorf("label(%q) = %q, want %q", in, got, want)
		}
	}
}
