package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/local"
	"github.com/billctl/billctl/internal/sandbox/page"
)

// errNoServer: no `sandbox serve` answers; the command acts on the
// database itself.
var errNoServer = errors.New("no sandbox server answers")

// payThroughServer pays session id as its page's Pay button does, on the
// `sandbox serve` listening at BILLCTL_SANDBOX_ADDR, so that what follows
// a payment there (its webhook) follows this one too. It returns the
// session's status, or errNoServer when nothing listens.
func payThroughServer(ctx context.Context, f *cmdutil.Factory, id string) (string, error) {
	addr := local.Addr(f.Getenv)
	if err := sandbox.CheckAddr(addr); err != nil {
		return "", exitcode.New(exitcode.Usage, fmt.Errorf("BILLCTL_SANDBOX_ADDR: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+page.Path("", id)+"/pay", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer sandbox")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return "", errNoServer
	}
	resp.Body.Close()
	status := resp.Header.Get(page.StatusHeader)
	switch resp.StatusCode {
	case http.StatusSeeOther:
		return status, nil
	case http.StatusNotFound:
		return "", exitcode.New(exitcode.Failure, fmt.Errorf("sandbox: no session %s on the server at %s", id, addr))
	case http.StatusConflict:
		return status, sandbox.ErrState
	}
	return "", exitcode.New(exitcode.Failure, fmt.Errorf("sandbox: the server at %s answered %s", addr, resp.Status))
}
