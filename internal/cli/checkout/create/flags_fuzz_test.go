package create

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
)

// buildFromFlags parses args as `checkout create` would and builds the
// request body from the flags alone. It returns the body, or the error
// with which the command would stop; that error must be a usage error
// (exit 2), since nothing has been sent.
func buildFromFlags(t *testing.T, p provider.Provider, args ...string) ([]byte, error) {
	t.Helper()
	var opts *CreateOptions
	cmd := NewCmdCreate(&cmdutil.Factory{}, func(o *CreateOptions) error { opts = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	if err := cmd.Execute(); err != nil {
		return nil, mustBeUsage(t, err)
	}
	// The engine's own build, as the command calls it.
	b := &engine.Builder{Provider: p, Defs: opts.flags.defs, Flags: opts.flags.given()}
	_, req, err := b.Build(request.NewDoc())
	if err != nil {
		return nil, mustBeUsage(t, err)
	}
	return req.Body, nil
}

func mustBeUsage(t *testing.T, err error) error {
	t.Helper()
	if code := exitcode.Code(err); code != exitcode.Usage {
		t.Fatalf("error %q (%T) has exit code %d, want %d", err, err, code, exitcode.Usage)
	}
	if err.Error() == "" {
		t.Fatal("a usage error with no message")
	}
	return err
}

// decodeBody reads a built body back, as the API would.
func decodeBody[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("the body %s does not decode: %v", body, err)
	}
	return v
}

// flagArg passes any value, even one that starts with a dash.
func flagArg(name, value string) string { return "--" + name + "=" + value }

func FuzzAddOn(f *testing.F) {
	for _, s := range [][2]string{
		{"add_1", ""}, {"add_1:2", "add_2"}, {"add_1:0", "add_2:-1"}, {":3", "a"}, {"a:b:c", "x:"},
		{"a:99999999999999999999", "b:1.5"}, {"a:1e3", "b: 2"}, {"-a", "--add-on"}, {"a\x00:1", "é:1"},
	} {
		f.Add(s[0], s[1])
	}
	p := meteroid.New(nil)
	f.Fuzz(func(t *testing.T, a, b string) {
		args := []string{"--customer=cus_1", "--plan-version=plv_1", flagArg("add-on", a)}
		vals := []string{a}
		if b != "" {
			args = append(args, flagArg("add-on", b))
			vals = append(vals, b)
		}
		body, err := buildFromFlags(t, p, args...)
		if err != nil {
			return
		}
		req := decodeBody[meteroid.CreateCheckoutSessionRequest](t, body)
		if len(req.AddOns) != len(vals) {
			t.Fatalf("%d add-on flags gave %d add_ons: %s", len(vals), len(req.AddOns), body)
		}
		for i, v := range vals {
			id, _, _ := strings.Cut(v, ":")
			if req.AddOns[i].AddOnID != id {
				t.Fatalf("add_ons[%d].add_on_id = %q, want %q: %s", i, req.AddOns[i].AddOnID, id, body)
			}
		}
	})
}

func FuzzConfigItem(f *testing.F) {
	for _, s := range [][2]string{
		{"product_pricing_id=pp_1", ""},
		{"product_pricing_id=pp_1,num_licenses=2", "product_pricing_id=pp_2,quantity_config.max_quantity=5"},
		{"num_licenses=-1", "product_pricing_id="},
		{"=x", ","}, {"a=b", "product_pricing_id=pp,product_pricing_id=pp2"},
		{"quantity_config={\"max_quantity\":3}", "product_pricing_id=pp_1, num_licenses = 2"},
		{"config_items[0]=1", "num_licenses=1e2"},
	} {
		f.Add(s[0], s[1])
	}
	p := maple.New(nil, "cmp_1")
	f.Fuzz(func(t *testing.T, a, b string) {
		args := []string{"--customer=cus_1", flagArg("config-item", a)}
		n := 1
		if b != "" {
			args = append(args, flagArg("config-item", b))
			n++
		}
		body, err := buildFromFlags(t, p, args...)
		if err != nil {
			return
		}
		req := decodeBody[maple.CreateCheckoutSessionRequest](t, body)
		if len(req.ConfigItems) != n {
			t.Fatalf("%d config-item flags gave %d config_items: %s", n, len(req.ConfigItems), body)
		}
	})
}

func FuzzTerm(f *testing.F) {
	for _, s := range []string{"12:MONTH", "1:day", "0:MONTH", "-1:YEAR", "12", ":", "12:", ":MONTH", "1:2:3", "99999999999999999999:HOUR", "1.5:WEEK", " 3 : month "} {
		f.Add(s, false)
		f.Add(s, true)
	}
	p := maple.New(nil, "cmp_1")
	f.Fuzz(func(t *testing.T, v string, trial bool) {
		flag := "term"
		if trial {
			flag = "trial-term"
		}
		body, err := buildFromFlags(t, p, "--customer=cus_1", flagArg(flag, v))
		if err != nil {
			return
		}
		req := decodeBody[maple.CreateCheckoutSessionRequest](t, body)
		term := req.Term
		if trial {
			term = req.TrialTerm
			if req.Trial == nil || !*req.Trial {
				t.Fatalf("--trial-term did not set trial: %s", body)
			}
		}
		if term == nil || term.Count < 1 {
			t.Fatalf("--%s %q gave no valid term: %s", flag, v, body)
		}
		_, freq, _ := strings.Cut(v, ":")
		if string(term.Frequency) != strings.ToUpper(freq) {
			t.Fatalf("--%s %q gave frequency %q", flag, v, term.Frequency)
		}
	})
}

func FuzzMetadata(f *testing.F) {
	for _, s := range [][2]string{
		{"crm.id=42", ""}, {"a=1", "a=2"}, {"=x", "k"}, {"k=", "k==v"}, {"k=v=w", "é=ü"},
		{"k={\"a\":1}", "k=[1,2]"}, {"k=null", "k=true"}, {"a.b[0]=1", "-k=-v"}, {"k=\x00", "\n=\t"},
	} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, a, b string, isMaple bool) {
		var p provider.Provider = meteroid.New(nil)
		args := []string{"--customer=cus_1", "--plan-version=plv_1"}
		if isMaple {
			p = maple.New(nil, "cmp_1")
			args = []string{"--customer=cus_1"}
		}
		vals := []string{a}
		if b != "" {
			vals = append(vals, b)
		}
		for _, v := range vals {
			args = append(args, flagArg("metadata", v))
		}
		body, err := buildFromFlags(t, p, args...)
		if err != nil {
			return
		}
		req := decodeBody[struct {
			Metadata map[string]any `json:"metadata"`
		}](t, body)
		// Each KEY=VALUE is one key with a string value; a later one wins.
		want := map[string]string{}
		for _, v := range vals {
			k, val, _ := strings.Cut(v, "=")
			want[k] = val
		}
		if len(req.Metadata) != len(want) {
			t.Fatalf("metadata %v, want the keys of %q", req.Metadata, vals)
		}
		for k, v := range want {
			if req.Metadata[k] != v {
				t.Fatalf("metadata[%q] = %#v, want %q: %s", k, req.Metadata[k], v, body)
			}
		}
	})
}
