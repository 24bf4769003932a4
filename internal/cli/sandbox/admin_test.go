package sandbox_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/meteroid"
)

// With `sandbox serve --memory` running on a non-default address, expire and
// reset act on the server's store, as the printed hints say, and leave the
// default database alone.
func TestExpireAndResetGoThroughTheServer(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{"XDG_STATE_HOME": dir, "HOME": dir, "XDG_CONFIG_HOME": dir, "BILLCTL_SANDBOX_ADDR": addr}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan string, 1)
	go func() {
		_, _, stderr := runEnvCtx(t, ctx, env, "sandbox", "serve", "--memory", "--addr", addr)
		served <- stderr
	}()
	defer func() { cancel(); <-served }()
	// Until the server listens, --sandbox would run in the command.
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 200 {
			t.Fatal("serve does not listen")
		}
		time.Sleep(25 * time.Millisecond)
	}
	create := func() string {
		code, out, errs := runEnv(t, env, "--sandbox", "checkout", "create", "--customer", "acme",
			"--plan-version", meteroid.DemoPlanVersionPro, "--jq", ".id")
		if code != 0 {
			t.Fatalf("create: %d %s", code, errs)
		}
		return strings.TrimSpace(out)
	}
	a, b := create(), create()
	if code, out, errs := runEnv(t, env, "sandbox", "expire", a); code != 0 || out != a+" EXPIRED\n" {
		t.Fatalf("expire: %d %q %q", code, out, errs)
	}
	if code, _, errs := runEnv(t, env, "sandbox", "expire", a); code != 1 || !strings.Contains(errs, "is EXPIRED: only a CREATED or AWAITING_PAYMENT session can expire") {
		t.Errorf("expire twice: %d %q", code, errs)
	}
	if code, _, errs := runEnv(t, env, "sandbox", "expire", "che_none"); code != 1 || !strings.Contains(errs, "no session che_none on the server at "+addr) {
		t.Errorf("expire unknown: %d %q", code, errs)
	}
	if code, out, _ := runEnv(t, env, "--sandbox", "checkout", "get", a, "--jq", ".status"); code != 0 || out != "EXPIRED\n" {
		t.Errorf("the server says %d %q", code, out)
	}
	if code, _, errs := runEnv(t, env, "sandbox", "reset"); code != 0 || !strings.Contains(errs, addr) {
		t.Errorf("reset: %d %q", code, errs)
	}
	if code, _, errs := runEnv(t, env, "--sandbox", "checkout", "get", b); code != 1 {
		t.Errorf("after reset, get %s: %d %q", b, code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "billctl", "sandbox.db")); err == nil {
		t.Errorf("the default database was opened")
	}

	// The admin endpoints answer only a program that says who it is.
	res, err := http.Post("http://"+addr+"/_sandbox/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("reset without a token: %s", res.Status)
	}

	cancel()
	if stderr := <-served; !strings.Contains(stderr, "BILLCTL_SANDBOX_ADDR="+addr+" billctl sandbox pay ID") {
		t.Errorf("the pay hint lacks the address:\n%s", stderr)
	} else if !strings.Contains(stderr, "billctl sandbox listen --forward-to URL") || !strings.Contains(stderr, "serve with --data PATH, or without --memory") {
		t.Errorf("the welcome of serve --memory does not say listen needs a database:\n%s", stderr)
	}
	served <- ""
}
