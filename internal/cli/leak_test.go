package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// The token must never show: not in results, messages, --debug logs,
// --dry-run output, errors, nor in what a command writes for the shell.
const secret = "sk_live_DISTINCTIVE_7f3a9c2e1b"

// leakRuns lists, for every command of the tree, invocations that reach
// its output, its errors and its debug log. A command missing here fails
// the test, so a new command cannot skip the check.
func leakRuns(api, dir string) map[string][][]string {
	m := []string{"--provider", "meteroid", "--base-url", api, "--debug"}
	mp := []string{"--provider", "maple", "--company", "cmp_2MkGNwZq", "--base-url", api, "--debug"}
	with := func(base []string, args ...string) []string { return append(append([]string(nil), args...), base...) }
	file := filepath.Join(dir, "req.yaml")
	return map[string][][]string{
		// The groups: their help, and a mistyped subcommand.
		"billctl checkout": {with(m, "checkout"), with(m, "checkout", "craete")},
		"billctl profile":  {with(m, "profile"), with(m, "profile", "ad", "x")},
		"billctl checkout create": {
			with(m, "checkout", "create", "--customer", "cus_1", "--plan-version", "plv_1"),
			with(m, "checkout", "create", "--customer", "cus_1", "--plan-version", "plv_1", "-o", "json"),
			with(m, "checkout", "create", "--customer", "cus_1", "--plan-version", "plv_1", "--dry-run"),
			with(m, "checkout", "create", "--customer", "cus_1", "--plan-version", "plv_1", "--dry-run", "-o", "json"),
			with(m, "checkout", "create", "--customer", "cus_1", "--plan-version", "plv_1", "--dry-run", "-o", "curl"),
			with(m, "checkout", "create", "--customer", "cus_400", "--plan-version", "plv_1"),
			with(m, "checkout", "create", "--customer", "cus_html", "--plan-version", "plv_1", "--retries", "0"),
			with(m, "checkout", "create", "-f", file, "--set", "customer_id=cus_2"),
			with(m, "checkout", "create", "-f", file, "--set", "nope=1"),
			with(mp, "checkout", "create", "--customer", "cus_1"),
			with(mp, "checkout", "create", "--customer", "cus_400"),
			with(mp, "checkout", "create", "--customer", "cus_1", "--dry-run", "-o", "curl"),
			{"checkout", "create", "--provider", "meteroid", "--base-url", "http://example.com", "--customer", "c", "--plan-version", "p"},
		},
		"billctl checkout get":          {with(m, "checkout", "get", "che_000001"), with(m, "checkout", "get", "che_nope"), with(mp, "checkout", "get", "che_nope", "-o", "yaml")},
		"billctl checkout list":         {with(m, "checkout", "list", "-o", "json"), with(mp, "checkout", "list")},
		"billctl checkout cancel":       {with(m, "checkout", "cancel", "che_000001"), with(m, "checkout", "cancel", "che_000001")},
		"billctl profile add":           {{"profile", "add", "leaky", "--provider", "meteroid", "--base-url", api, "--token-file", filepath.Join(dir, "token")}, {"profile", "add", "leaky", "--provider", "meteroid", "--token-file", filepath.Join(dir, "token")}},
		"billctl profile list":          {{"profile", "list"}, {"profile", "list", "-o", "json"}, {"profile", "list", "-o", "yaml"}},
		"billctl profile show":          {{"profile", "show"}, {"profile", "show", "leaky", "-o", "json"}, {"profile", "show", "nope"}},
		"billctl profile use":           {{"profile", "use", "leaky"}, {"profile", "use", "nope"}},
		"billctl profile remove":        {{"profile", "remove", "nope"}, {"profile", "remove", "leaky"}},
		"billctl version":               {{"version"}, {"--version"}},
		"billctl sandbox":               {{"sandbox"}, {"sandbox", "srve"}},
		"billctl sandbox serve":         {{"sandbox", "serve", "--addr", "0.0.0.0:1"}, {"sandbox", "serve", "--addr", "127.0.0.1:1", "--fail-rate", "2"}},
		"billctl sandbox pay":           {{"sandbox", "pay", "che_none", "--data", filepath.Join(dir, "sandbox.db")}},
		"billctl sandbox expire":        {{"sandbox", "expire", "che_none", "--data", filepath.Join(dir, "sandbox.db")}},
		"billctl sandbox reset":         {{"sandbox", "reset", "--data", filepath.Join(dir, "sandbox.db")}},
		"billctl sandbox events":        {{"sandbox", "events", "--data", filepath.Join(dir, "sandbox.db")}},
		"billctl sandbox events resend": {{"sandbox", "events", "resend", "evt_none", "--data", filepath.Join(dir, "sandbox.db")}},
		"billctl sandbox listen":        {{"sandbox", "listen", "--forward-to", "ftp://x"}},
		"billctl sandbox ping":          {{"sandbox", "ping", "--addr", "127.0.0.1:1"}, {"sandbox", "ping", "--addr", "nonsense"}},
		"billctl completion":            {{"completion", "bash"}, {"completion", "zsh"}, {"completion", "fish"}, {"completion", "powershell"}, {"completion"}},
		"billctl __complete": {
			with(m, "__complete", "checkout", "create", "--customer", ""),
			with(m, "__complete", "checkout", "create", "--plan-version", ""),
			with(m, "__complete", "checkout", "get", ""),
			with(mp, "__complete", "checkout", "create", "--product-pricing", ""),
			{"__complete", "--profile", ""},
		},
	}
}

func TestTokenNeverShows(t *testing.T) {
	srv := sandboxtest.StartAPI(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "req.yaml"), []byte("customer_id: cus_1\nplan_version_id: plv_1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"BILLCTL_TOKEN":   secret,
		"HOME":            dir,
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_CACHE_HOME":  filepath.Join(dir, "cache"),
	}
	runs := leakRuns(srv.URL, dir)

	// Every command of the tree has runs above.
	root := cli.NewRoot(&cmdutil.Factory{IO: &output.IO{}, Getenv: func(string) string { return "" }})
	var missing []string
	for _, path := range leafCommands(root) {
		if _, ok := runs[path]; !ok {
			missing = append(missing, path)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("commands without a token-leak check: %v", missing)
	}

	ran, redacted := 0, 0
	for _, name := range sortedKeys(runs) {
		for _, args := range runs[name] {
			streams, _, out, errb := outputtest.Streams()
			f := &cmdutil.Factory{
				IO:      streams,
				Getenv:  func(k string) string { return env[k] },
				Build:   cmdutil.BuildInfo{Version: "test", Commit: "c", Date: "d"},
				Context: context.Background(),
			}
			cli.Run(f, args)
			ran++
			if strings.Contains(errb.String(), "Authorization: Bearer [REDACTED]") {
				redacted++
			}
			for what, b := range map[string]*bytes.Buffer{"stdout": out, "stderr": errb} {
				if strings.Contains(b.String(), secret) || strings.Contains(b.String(), secret[8:]) {
					t.Errorf("billctl %s: the token shows on %s:\n%s", strings.Join(args, " "), what, b.String())
				}
			}
		}
	}
	// The debug runs above did reach the API, so the log had a chance to leak.
	if len(srv.Requests()) == 0 || ran < 30 || redacted < 5 {
		t.Fatalf("%d runs, %d requests, %d debug logs: the check did not exercise the commands", ran, len(srv.Requests()), redacted)
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != "Bearer "+secret {
			t.Fatalf("a request went out without the token (%s %s): the runs did not authenticate", r.Method, r.Path)
		}
	}
	// Nor is it anywhere on disk but the config file it was added to.
	filepath.WalkDir(filepath.Join(dir, "cache"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(secret)) {
				t.Errorf("the token is written to %s", p)
			}
		}
		return nil
	})
}

// leafCommands lists the command paths of the tree that run something.
func leafCommands(c *cobra.Command) []string {
	var out []string
	if c.Runnable() && c.Name() != "help" && !strings.HasPrefix(c.Name(), "__completeNoDesc") {
		out = append(out, c.CommandPath())
	}
	for _, sub := range c.Commands() {
		if sub.Name() == "help" || sub.Parent() != nil && sub.Parent().Name() == "completion" {
			continue // cobra's help; the completion shells are run as args of "completion"
		}
		out = append(out, leafCommands(sub)...)
	}
	return out
}

func sortedKeys(m map[string][][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
