package sandbox_test

import (
	"context"
	"strings"
	"testing"
)

// Wrong webhook flags stop `sandbox serve` before it listens (exit 2), and
// the message names the flag; the secret itself is never echoed.
func TestServeChecksTheWebhookFlags(t *testing.T) {
	const secret = "whsec_not*base64"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--webhook-url", "hooks.example.com/x"}, "--webhook-url"},
		{[]string{"--webhook-url", "http://hooks.example.com/x"}, "plain http:// is only for loopback hosts"},
		{[]string{"--webhook-url", "http://127.0.0.1:3000/hooks", "--webhook-secret", secret}, "--webhook-secret: not whsec_ followed by base64"},
	} {
		code, _, stderr := run(t, context.Background(), t.TempDir(), append([]string{"sandbox", "serve", "--memory", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
		if strings.Contains(stderr, secret) {
			t.Errorf("%v: the secret was echoed: %q", tc.args, stderr)
		}
	}
}
