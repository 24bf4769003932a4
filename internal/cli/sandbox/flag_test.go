package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// runEnv runs billctl with exactly env as its environment.
func runEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runEnvCtx(t, context.Background(), env, args...)
}

// runEnvCtx is runEnv until ctx ends.
func runEnvCtx(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	f := &cmdutil.Factory{
		IO:      &output.IO{In: strings.NewReader(""), Out: &out, Err: &errb},
		Getenv:  func(k string) string { return env[k] },
		Context: ctx,
	}
	return cli.Run(f, args), out.String(), errb.String()
}

func sandboxEnv(t *testing.T) (map[string]string, string) {
	dir := t.TempDir()
	// An address nothing listens on: the sandbox runs in the command.
	return map[string]string{"HOME": dir, "XDG_CONFIG_HOME": filepath.Join(dir, "config"), "XDG_CACHE_HOME": filepath.Join(dir, "cache"),
		"BILLCTL_SANDBOX_ADDR": freeAddr(t)}, filepath.Join(dir, ".local", "state", "billctl", "sandbox.db")
}

// --sandbox with no server: no token, no provider, no company given; the
// session is real, in the default database, and the next command sees it.
func TestSandboxFlagInProcess(t *testing.T) {
	env, db := sandboxEnv(t)
	code, id, stderr := runEnv(t, env, "--sandbox", "checkout", "create", "--customer", "acme", "--plan-version", meteroid.DemoPlanVersionPro, "-o", "id")
	id = strings.TrimSpace(id)
	if code != 0 || !strings.HasPrefix(id, "che_") {
		t.Fatalf("create: %d %q %s", code, id, stderr)
	}
	env["BILLCTL_SANDBOX"] = "1"
	if code, out, stderr := runEnv(t, env, "checkout", "get", id, "-o", "json"); code != 0 || !strings.Contains(out, `"status": "CREATED"`) || !strings.Contains(out, `"customer_id": "`+meteroid.DemoCustomerAcme+`"`) {
		t.Errorf("get: %d %s %s", code, out, stderr)
	}
	if code, out, _ := runEnv(t, env, "sandbox", "pay", id); code != 0 || !strings.Contains(out, "COMPLETED") {
		t.Errorf("pay: %d %s", code, out)
	}
	if code, out, _ := runEnv(t, env, "checkout", "list", "--status", "COMPLETED", "-o", "id"); code != 0 || strings.TrimSpace(out) != id {
		t.Errorf("list: %d %q", code, out)
	}
	if code, _, stderr := runEnv(t, env, "checkout", "cancel", id); code != 1 || !strings.Contains(stderr, "400 BAD_REQUEST") {
		t.Errorf("cancel a paid session: %d %s", code, stderr)
	}
	st, err := sandbox.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if s, err := st.Session(context.Background(), id); err != nil || s.Status != sandbox.Completed {
		t.Errorf("in the default database: %v %v", s, err)
	}
	// Maple: the demo company is the default.
	code, out, stderr := runEnv(t, env, "--provider", "maple", "checkout", "create", "--customer", maple.DemoCustomerAda,
		"--config-item", "product_pricing_id="+maple.DemoPricingPro+",num_licenses=2", "-o", "url")
	if code != 0 || !strings.Contains(out, "/checkout/chk_") {
		t.Errorf("maple create: %d %q %s", code, out, stderr)
	}
}

// A dry run sends nothing, so it opens no database.
func TestSandboxDryRunTouchesNothing(t *testing.T) {
	env, db := sandboxEnv(t)
	code, out, stderr := runEnv(t, env, "--sandbox", "checkout", "create", "--customer", "acme", "--plan-version", meteroid.DemoPlanVersionPro, "--dry-run")
	if code != 0 || !strings.Contains(out, "http://"+env["BILLCTL_SANDBOX_ADDR"]+"/api/v1/checkout-sessions") {
		t.Errorf("dry run: %d %s %s", code, out, stderr)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the dry run created %s: %v", db, err)
	}
}

// With a server at BILLCTL_SANDBOX_ADDR, the command talks to it.
func TestSandboxFlagUsesRunningServer(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	env, db := sandboxEnv(t)
	env["BILLCTL_SANDBOX_ADDR"] = strings.TrimPrefix(sb.URL, "http://")
	code, out, stderr := runEnv(t, env, "--sandbox", "checkout", "create", "--customer", "globex", "--plan-version", meteroid.DemoPlanVersionStarter, "-o", "id")
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	if s, err := sb.Store.Session(context.Background(), strings.TrimSpace(out)); err != nil || s.Customer != meteroid.DemoCustomerGlobex {
		t.Errorf("the server does not have it: %v %v", s, err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the command opened its own database too: %v", err)
	}
}

// TAB completion lists the demo catalogue, with no account.
func TestSandboxCompletion(t *testing.T) {
	env, _ := sandboxEnv(t)
	code, out, _ := runEnv(t, env, "--sandbox", "__complete", "checkout", "create", "--customer", "")
	if code != 0 || !strings.Contains(out, "acme") || !strings.Contains(out, meteroid.DemoCustomerAcme) {
		t.Errorf("customers: %d %s", code, out)
	}
	code, out, _ = runEnv(t, env, "--sandbox", "--provider", "maple", "__complete", "checkout", "create", "--product-pricing", "")
	if code != 0 || !strings.Contains(out, maple.DemoPricingPro) {
		t.Errorf("maple pricings: %d %s", code, out)
	}
}

// A profile's account does not leak into --sandbox: its provider is not
// chosen, its token is not sent and its company is replaced by the demo
// one; a --company given on the command line is kept (and refused by the
// sandbox as another company's).
func TestSandboxIgnoresTheProfilesAccount(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	env, _ := sandboxEnv(t)
	env["BILLCTL_SANDBOX_ADDR"] = strings.TrimPrefix(sb.URL, "http://")
	cfg := filepath.Join(env["XDG_CONFIG_HOME"], "billctl", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	const secret = "sk_live_REAL_ACCOUNT_c0ffee"
	if err := os.WriteFile(cfg, []byte("current_profile: prod\nprofiles:\n  prod: {provider: maple, company: cmp_RealCo1, token: \""+secret+"\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runEnv(t, env, "--sandbox", "--provider", "maple", "--debug", "checkout", "create", "--customer", maple.DemoCustomerGrace, "-o", "id")
	if code != 0 || !strings.HasPrefix(out, "chk_") {
		t.Fatalf("create with a maple profile: %d %q %s", code, out, stderr)
	}
	if strings.Contains(stderr, "cmp_RealCo1") || strings.Contains(stderr, secret) || !strings.Contains(stderr, "/api/v1/companies/"+maple.DemoCompany+"/checkout") {
		t.Errorf("the profile's account was used:\n%s", stderr)
	}
	if code, _, stderr := runEnv(t, env, "--sandbox", "--provider", "maple", "--company", "cmp_Other1", "checkout", "create", "--customer", maple.DemoCustomerGrace); code != 3 || !strings.Contains(stderr, "403") {
		t.Errorf("--company of another company: %d %s", code, stderr)
	}
}
