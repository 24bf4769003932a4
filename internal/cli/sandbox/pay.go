package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page"
)

// moveThroughServer pays session id as its page's Pay button does, or
// expires it, on the `sandbox serve` listening at BILLCTL_SANDBOX_ADDR, so
// that the server's own store changes and what follows a payment there
// (its webhook) follows this one too. It returns the session's status, or
// errNoServer when nothing listens.
func moveThroughServer(ctx context.Context, f *cmdutil.Factory, verb, id string) (string, error) {
	path, ok := page.Path("", id)+"/pay", http.StatusSeeOther
	if verb == "expire" {
		path, ok = adminPrefix+"sessions/"+url.PathEscape(id)+"/expire", http.StatusOK
	}
	code, status, addr, err := throughServer(ctx, f, path)
	if err != nil {
		return "", err
	}
	switch code {
	case ok:
		return status, nil
	case http.StatusNotFound:
		return "", exitcode.New(exitcode.Failure, fmt.Errorf("sandbox: no session %s on the server at %s", id, addr))
	case http.StatusConflict:
		return status, sandbox.ErrState
	case http.StatusUnauthorized, http.StatusForbidden:
		return "", errRefused(addr)
	}
	return "", exitcode.New(exitcode.Failure, fmt.Errorf("sandbox: the server at %s answered %d", addr, code))
}

// resetThroughServer resets the store of the `sandbox serve` listening at
// BILLCTL_SANDBOX_ADDR; errNoServer when nothing listens.
func resetThroughServer(ctx context.Context, f *cmdutil.Factory, secret bool) (addr string, err error) {
	path := adminPrefix + "reset"
	if secret {
		path += "?secret=1"
	}
	code, _, addr, err := throughServer(ctx, f, path)
	if err != nil {
		return addr, err
	}
	if code == http.StatusUnauthorized || code == http.StatusForbidden {
		return addr, errRefused(addr)
	}
	if code != http.StatusNoContent {
		return addr, exitcode.New(exitcode.Failure, fmt.Errorf("sandbox: the server at %s answered %d", addr, code))
	}
	return addr, nil
}

// errRefused: the server takes another token (or, without one, only
// programs on its own machine).
func errRefused(addr string) error {
	return exitcode.New(exitcode.Auth, fmt.Errorf("sandbox: the server at %s refused the request: set BILLCTL_SANDBOX_TOKEN to the token it was started with (--token)", addr))
}
