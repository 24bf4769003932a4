package cli_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/cli/profile"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// enumCase is an enum flag: the command line it is completed on, the list
// its values come from, and how a value is put to the test.
type enumCase struct {
	name    string
	cmdline []string // the command and the flags it needs
	flag    string
	want    []string // the source of truth
	// use is the argument that gives the flag value v.
	use func(t *testing.T, v string) []string
}

func enumCases(api string) []enumCase {
	meteroidMin := []string{"checkout", "create", "--provider", "meteroid", "--base-url", api, "-f", req("meteroid")}
	mapleMin := []string{"checkout", "create", "--provider", "maple", "--company", "cmp_2MkGNwZq", "--base-url", api, "-f", req("maple")}
	plain := func(flag string) func(*testing.T, string) []string {
		return func(_ *testing.T, v string) []string { return []string{flag, v} }
	}
	return []enumCase{
		{"provider", []string{"checkout", "create", "--base-url", api, "--dry-run"}, "--provider", cmdutil.Catalogue().Names(), createExample},
		{"output", meteroidMin, "-o", output.Formats, plain("-o")},
		{"output dry run", append(slices.Clone(meteroidMin), "--dry-run"), "-o", append(slices.Clone(output.Formats), "curl"), plain("-o")},
		{"output profile", []string{"profile", "list"}, "-o", profile.Formats, plain("-o")},
		{"payment methods", append(slices.Clone(meteroidMin), "--dry-run"), "--payment-methods", []string{"online", "bank_transfer", "external"}, plain("--payment-methods")},
		{"change timing", append(slices.Clone(mapleMin), "--dry-run"), "--change-timing", maple.ChangeTiming("").Values(), plain("--change-timing")},
		{"change proration", append(slices.Clone(mapleMin), "--dry-run"), "--change-proration", maple.ChangeProrationType("").Values(), plain("--change-proration")},
		{"term", append(slices.Clone(mapleMin), "--dry-run"), "--term", termsOf("12", maple.Frequency("").Values()), plain("--term")},
		{"trial term", append(slices.Clone(mapleMin), "--dry-run"), "--trial-term", termsOf("14", maple.Frequency("").Values()), plain("--trial-term")},
		{"status", []string{"checkout", "list", "--provider", "meteroid", "--base-url", api}, "--status", meteroid.CheckoutSessionStatus("").Values(), plain("--status")},
	}
}

// createExample gives --provider v and the rest of v's own example of
// `checkout create` (its descriptor's, shown in help), so that each
// provider is run with a request complete in its terms; a name that is
// no provider's gets --provider alone.
func createExample(t *testing.T, v string) []string {
	d := registry.Get(v)
	if d == nil {
		return []string{"--provider", v}
	}
	ex, ok := strings.CutPrefix(strings.ReplaceAll(d.Examples["checkout create"], "\\\n", " "), "billctl checkout create ")
	if !ok || strings.ContainsAny(ex, `"'<>|$`) {
		t.Fatalf("%s: its descriptor's example of checkout create is not a plain `billctl checkout create …` line: %q", v, d.Examples["checkout create"])
	}
	return append([]string{"--provider", v}, strings.Fields(ex)...)
}

func req(provider string) string {
	return filepath.Join("..", "..", "testdata", "requests", provider, "minimal.yaml")
}

func termsOf(count string, freqs []string) []string {
	var out []string
	for _, f := range freqs {
		out = append(out, count+":"+f)
	}
	return out
}

// run runs billctl in-process against an empty home.
func run(t *testing.T, home string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	streams, _, out, errb := outputtest.Streams()
	env := map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":  filepath.Join(home, ".cache"),
		"BILLCTL_TOKEN":   "sk_test_enum_0123456789",
	}
	f := &cmdutil.Factory{IO: streams, Getenv: func(k string) string { return env[k] }, Build: cmdutil.BuildInfo{Version: "test"}, Context: context.Background()}
	code = cli.Run(f, args)
	return code, out.String(), errb.String()
}

// completions returns the values (descriptions dropped) and directive that
// TAB gives for the flag after cmdline, with typed already typed.
func completions(t *testing.T, home string, cmdline []string, flag, typed string) []string {
	t.Helper()
	args := append(append([]string{cobra.ShellCompRequestCmd}, cmdline...), flag, typed)
	code, out, errs := run(t, home, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if last := lines[len(lines)-1]; last != ":4" {
		t.Errorf("%v: directive %s, want :4 (no files)", args, last)
	}
	var vals []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		vals = append(vals, v)
	}
	return vals
}

// Each enum flag completes exactly the values its validation takes: the
// list is the one the code validates with, every value offered is accepted,
// and a value not offered is refused as a usage error.
func TestEnumFlagsCompleteWhatTheyAccept(t *testing.T) {
	srv := sandboxtest.StartAPI(t)
	for _, tc := range enumCases(srv.URL) {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			typed := ""
			if tc.flag == "--term" || tc.flag == "--trial-term" {
				typed = tc.want[0][:strings.Index(tc.want[0], ":")+1]
			}
			got := completions(t, home, tc.cmdline, tc.flag, typed)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("TAB offers %q, the flag's source lists %q", got, tc.want)
			}
			use := tc.use
			for _, v := range got {
				args := append(slices.Clone(tc.cmdline), use(t, v)...)
				if code, _, errs := run(t, home, args...); code != 0 {
					t.Errorf("%q is offered but %v exits %d: %s", v, args, code, errs)
				}
			}
			bogus := "NOT_A_VALUE"
			if strings.Contains(tc.want[0], ":") {
				bogus = "12:FORTNIGHT"
			}
			args := append(slices.Clone(tc.cmdline), use(t, bogus)...)
			if code, _, _ := run(t, home, args...); code != 2 {
				t.Errorf("%v exits %d, want 2", args, code)
			}
		})
	}
}

// Every flag of the tree that refuses values outside a list is in the
// table above, so a new enum flag cannot go untested.
func TestEveryEnumFlagIsChecked(t *testing.T) {
	covered := map[string]bool{"provider": true, "output": true}
	for _, tc := range enumCases("http://127.0.0.1:1") {
		covered[strings.TrimLeft(tc.flag, "-")] = true
	}
	streams, _, _, _ := outputtest.Streams()
	root := cli.NewRoot(&cmdutil.Factory{IO: streams, Getenv: func(string) string { return "" }})
	found := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalNonPersistentFlags().VisitAll(func(fl *pflag.Flag) {
			if fl.Value.Type() != "string" {
				return
			}
			def := fl.Value.String()
			if err := fl.Value.Set("NOT_A_VALUE"); err == nil {
				_ = fl.Value.Set(def)
				return
			}
			found[fl.Name] = true
			if !covered[fl.Name] {
				t.Errorf("%s --%s takes only some values but has no case in enumCases", c.CommandPath(), fl.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// The walk recognises the enum flags there are.
	for _, name := range []string{"payment-methods", "change-timing", "change-proration", "status"} {
		if !found[name] {
			t.Errorf("--%s was not recognised as an enum flag", name)
		}
	}
}

// Every key TAB offers for --config-item, nested ones included, is one the
// request takes.
func TestConfigItemKeysAreAccepted(t *testing.T) {
	home := t.TempDir()
	code, out, errs := run(t, home, cobra.ShellCompRequestCmd, "checkout", "create", "--config-item", "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	sample := map[string]string{"ID": "pp_1", "text": "x", "whole number": "2", "true or false": "true"}
	var keys int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, ":") {
			if line != ":6" {
				t.Errorf("directive %s, want :6 (no space, no files)", line)
			}
			continue
		}
		key, kind, _ := strings.Cut(line, "\t")
		val, ok := sample[kind]
		if !ok || !strings.HasSuffix(key, "=") {
			t.Errorf("suggestion %q: want KEY=<TAB>KIND", line)
			continue
		}
		keys++
		item := key + val
		if key != "product_pricing_id=" {
			item = "product_pricing_id=pp_1," + item
		}
		args := []string{"checkout", "create", "--provider", "maple", "--company", "cmp_2MkGNwZq", "--customer", "cus_1", "--dry-run", "-o", "json", "--config-item", item}
		code, out, errs := run(t, home, args...)
		if code != 0 {
			t.Errorf("--config-item %s: exit %d: %s", item, code, errs)
			continue
		}
		if field := strings.TrimSuffix(key[strings.LastIndex(key, ".")+1:], "="); !strings.Contains(out, `"`+field+`"`) {
			t.Errorf("--config-item %s: %s is not in the request: %s", item, field, out)
		}
	}
	if keys < 8 {
		t.Errorf("TAB offered %d keys, want all of config_items' fields", keys)
	}
}
