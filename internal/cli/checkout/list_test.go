package checkout

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
)

func TestNewCmdListFlags(t *testing.T) {
	var got *ListOptions
	cmd := NewCmdList(&cmdutil.Factory{}, func(o *ListOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--customer", "cus_1", "--status", "AWAITING_PAYMENT"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Customer != "cus_1" || got.Status != "AWAITING_PAYMENT" {
		t.Errorf("got %+v", got)
	}

	cmd = NewCmdList(&cmdutil.Factory{}, func(*ListOptions) error { t.Error("ran with a bad --status"); return nil })
	cmd.SetArgs([]string{"--status", "PAID"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), `"PAID" is not one of CREATED, AWAITING_PAYMENT, COMPLETED, EXPIRED, CANCELLED`) {
		t.Errorf("err = %v", err)
	}
}

func TestListStatusCompletesTheSpecValues(t *testing.T) {
	cmd := NewCmdList(&cmdutil.Factory{}, nil)
	fn, ok := cmd.GetFlagCompletionFunc("status")
	if !ok {
		t.Fatal("--status has no completion")
	}
	got, _ := fn(cmd, nil, "")
	if want := meteroid.CheckoutSessionStatus("").Values(); !slices.Equal(got, want) {
		t.Errorf("completions %q, want %q", got, want)
	}
}

func TestListRunFiltersAndPrints(t *testing.T) {
	srv := startSandbox(t)
	addMeteroid(srv, "che_1", sandbox.Expired)
	addMeteroid(srv, "che_2", sandbox.Created)
	e := meteroidEnv(t, srv, "-o", "url")
	if err := listRun(&ListOptions{F: e.f, Customer: "cus_1", Status: "CREATED"}); err != nil {
		t.Fatal(err)
	}
	if got, want := e.out.String(), pageOf("che_2")+"\n"; got != want {
		t.Errorf("stdout = %q", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/v1/checkout-sessions" || reqs[0].Query != "customer_id=cus_1&status=CREATED" {
		t.Errorf("requests = %+v", reqs)
	}
}

// The list endpoint is not paginated: a tenant's whole history comes in
// one answer, far past the 1 MiB a session answer may take. It is read as
// a stream and printed as it is read.
func TestListRunReadsALongList(t *testing.T) {
	srv := startSandbox(t)
	const n = 8000 // about 2 MiB of sessions
	for i := range n {
		addMeteroid(srv, fmt.Sprintf("che_%06d", i), sandbox.Created)
	}
	for _, format := range []string{"id", "json", "table"} {
		e := meteroidEnv(t, srv, "-o", format)
		if err := listRun(&ListOptions{F: e.f}); err != nil {
			t.Fatalf("-o %s: %v", format, err)
		}
		if got := strings.Count(e.out.String(), "che_"); got < n {
			t.Errorf("-o %s: %d sessions printed, want %d", format, got, n)
		}
	}
}

func TestListRunEmpty(t *testing.T) {
	srv := startSandbox(t)
	for format, want := range map[string]string{"table": "", "json": "[]\n", "yaml": "[]\n", "id": "", "url": ""} {
		t.Run(format, func(t *testing.T) {
			e := meteroidEnv(t, srv, "-o", format)
			if err := listRun(&ListOptions{F: e.f, Status: "COMPLETED"}); err != nil {
				t.Fatal(err)
			}
			if e.out.String() != want {
				t.Errorf("stdout = %q, want %q", e.out, want)
			}
			wantNote := ""
			if format == "table" {
				wantNote = "no checkout sessions with status COMPLETED\n"
			}
			if e.err.String() != wantNote {
				t.Errorf("stderr = %q, want %q", e.err, wantNote)
			}
		})
	}
}

// Maple cannot list or cancel: the answer is a usage error before any
// request, and needs neither token nor company.
func TestMapleListAndCancelAreRefusedUpFront(t *testing.T) {
	srv := startSandbox(t)
	runs := map[string]func(*cmdutil.Factory) error{
		"list":   func(f *cmdutil.Factory) error { return listRun(&ListOptions{F: f}) },
		"cancel": func(f *cmdutil.Factory) error { return cancelRun(&CancelOptions{F: f, ID: "che_1"}) },
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t, nil, "--provider", "maple", "--base-url", srv.URL)
			err := run(e.f)
			if exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("exit %d (%v), want 2", exitcode.Code(err), err)
			}
			if !strings.Contains(err.Error(), "the maple API has no such endpoint") {
				t.Errorf("error = %v", err)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d request(s) sent", n)
			}
		})
	}
}

func TestSessionIDArg(t *testing.T) {
	cmd := &cobra.Command{Use: "cancel"}
	for _, args := range [][]string{nil, {"a", "b"}, {""}, {"che_1/cancel"}, {"che_1?x=1"}, {"che_1#x"}, {".."}, {"che_..1"}, {"che_1\x1b[2J"}, {"che_1\n"}, {"che_\u0085"}} {
		var fe *cmdutil.FlagError
		if err := sessionIDArg(cmd, args); !errors.As(err, &fe) {
			t.Errorf("sessionIDArg(%q) = %v, want a FlagError", args, err)
		}
	}
	if err := sessionIDArg(cmd, []string{"che_1"}); err != nil {
		t.Errorf("sessionIDArg(che_1) = %v", err)
	}
}
