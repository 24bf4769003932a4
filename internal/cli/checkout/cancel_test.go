package checkout

import (
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/sandbox"
)

func TestNewCmdCancelArgs(t *testing.T) {
	var got *CancelOptions
	cmd := NewCmdCancel(&cmdutil.Factory{}, func(o *CancelOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"che_9"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.ID != "che_9" {
		t.Errorf("ID = %q", got.ID)
	}
}

func TestCancelRun(t *testing.T) {
	srv := startSandbox(t)
	addMeteroid(srv, "che_1", sandbox.AwaitingPayment)
	e := meteroidEnv(t, srv, "-o", "json")
	if err := cancelRun(&CancelOptions{F: e.f, ID: "che_1"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.out.String(), `"status": "CANCELLED"`) {
		t.Errorf("stdout = %s", e.out)
	}
	if e.err.Len() != 0 {
		t.Errorf("stderr = %q (not a terminal)", e.err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/api/v1/checkout-sessions/che_1/cancel" || len(reqs[0].Body) != 0 {
		t.Errorf("requests = %+v", reqs)
	}

	// Again: Meteroid refuses with 400, and the error says what that means.
	e = meteroidEnv(t, srv)
	err := cancelRun(&CancelOptions{F: e.f, ID: "che_1"})
	if exitcode.Code(err) != exitcode.Failure {
		t.Fatalf("exit %d (%v), want 1", exitcode.Code(err), err)
	}
	for _, want := range []string{"meteroid: 400", "not found or cannot be cancelled", "still open (CREATED or AWAITING_PAYMENT)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if e.out.Len() != 0 {
		t.Errorf("stdout = %q", e.out)
	}
}

func TestCancelRunConfirmsOnATerminal(t *testing.T) {
	srv := startSandbox(t)
	addMeteroid(srv, "che_1", sandbox.Created)
	e := meteroidEnv(t, srv, "-o", "id")
	e.f.IO.StderrTTY = true
	if err := cancelRun(&CancelOptions{F: e.f, ID: "che_1"}); err != nil {
		t.Fatal(err)
	}
	if e.out.String() != "che_1\n" || e.err.String() != "Cancelled checkout session che_1.\n" {
		t.Errorf("stdout %q, stderr %q", e.out, e.err)
	}
}
