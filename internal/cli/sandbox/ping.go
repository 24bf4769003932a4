package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/safetext"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/endpoint"
	"github.com/billctl/billctl/internal/sandbox/local"
)

// newCmdPing builds `billctl sandbox ping`: a container's health check,
// since an image with billctl alone has no curl.
func newCmdPing(f *cmdutil.Factory) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "ping",
		Short: "Exit 0 when a billctl sandbox is ready at the address",
		Long: strings.TrimSpace(`
Ask the server at --addr (default BILLCTL_SANDBOX_ADDR, else
127.0.0.1:12111) for its /readyz. Exit 0, printing its version and
database, when it is a billctl sandbox whose database is open and
migrated; exit 1 with the reason when nothing answers, something else
answers, or it is not ready. No token is needed.`),
		Example: cmdutil.Example(`
  # A container's health check
  billctl sandbox ping --addr 127.0.0.1:12111

  # Wait in a CI job until the service is ready
  until billctl sandbox ping; do sleep 1; done`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if addr == "" {
				addr = endpoint.Addr(f.Getenv)
			}
			if _, err := sandbox.IsLoopback(addr); err != nil {
				return cmdutil.FlagErrorf("--addr %q: want HOST:PORT", addr)
			}
			ctx := f.Context
			if ctx == nil {
				ctx = context.Background()
			}
			rt := f.Transport
			if rt == nil {
				rt = http.DefaultTransport
			}
			h, err := local.Identify(ctx, rt, addr)
			if err != nil {
				return exitcode.New(exitcode.Failure, err)
			}
			v := h.Version
			if v == "" {
				v = "(unknown version)"
			}
			_, err = fmt.Fprintf(f.IO.Out, "ready: billctl sandbox %s at %s (database %s, schema %d)\n", safetext.Line(v), addr, safetext.Line(h.Database), h.Schema)
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "HOST:PORT of the sandbox (default $BILLCTL_SANDBOX_ADDR, else "+endpoint.DefaultAddr+")")
	return cmd
}
