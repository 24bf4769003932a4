package checkout

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// recordingBrowser stands in for the user's browser.
type recordingBrowser struct {
	opened []string
	err    error
}

func (b *recordingBrowser) Open(u string) error {
	b.opened = append(b.opened, u)
	return b.err
}

type testEnv struct {
	f        *cmdutil.Factory
	out, err *bytes.Buffer
	browser  *recordingBrowser
}

// newTestEnv is a Factory whose settings come from flags (global ones such
// as --provider) and env, with no config file and buffers for streams.
func newTestEnv(t *testing.T, env map[string]string, flags ...string) *testEnv {
	t.Helper()
	fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
	config.AddFlags(fs, cmdutil.Catalogue())
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"BILLCTL_CONFIG": filepath.Join(t.TempDir(), "config.yaml")}
	for k, v := range env {
		vars[k] = v
	}
	io, _, out, errb := outputtest.Streams()
	b := &recordingBrowser{}
	return &testEnv{
		f: &cmdutil.Factory{
			IO:      io,
			Getenv:  func(k string) string { return vars[k] },
			Flags:   fs,
			Context: context.Background(),
			Browser: b,
		},
		out: out, err: errb, browser: b,
	}
}

func meteroidEnv(t *testing.T, srv *sandboxtest.API, flags ...string) *testEnv {
	return newTestEnv(t, map[string]string{"BILLCTL_TOKEN": "sk_test"}, append([]string{"--provider", "meteroid", "--base-url", srv.URL}, flags...)...)
}

func mapleEnv(t *testing.T, srv *sandboxtest.API, flags ...string) *testEnv {
	return newTestEnv(t, map[string]string{"BILLCTL_TOKEN": "mpl_test"}, append([]string{"--provider", "maple", "--company", "cmp_1", "--base-url", srv.URL}, flags...)...)
}

func startSandbox(t *testing.T) *sandboxtest.API {
	return sandboxtest.StartAPI(t)
}

// addMeteroid stores a Meteroid session of cus_1 created 2020-05-01 at
// noon; an EXPIRED one expired an hour later, the others do not expire.
func addMeteroid(srv *sandboxtest.API, id string, status sandbox.Status) {
	created := time.Date(2020, 5, 1, 12, 0, 0, 0, time.UTC)
	ss := &sandbox.Session{ID: id, Customer: "cus_1", Request: []byte(`{"plan_version_id":"plv_1"}`), Status: status, CreatedAt: created}
	if status == sandbox.Expired {
		exp := created.Add(time.Hour)
		ss.ExpiresAt = &exp
	}
	srv.AddSession(ss)
}

// pageOf is the checkout URL the sandbox gives an open session.
func pageOf(id string) string { return sandboxtest.CheckoutBase + "/checkout/" + id }

func TestNewCmdGetArgs(t *testing.T) {
	cases := []struct {
		args    []string
		wantID  string
		open    bool
		wantErr string
	}{
		{args: []string{"che_1"}, wantID: "che_1"},
		{args: []string{"che_1", "--open"}, wantID: "che_1", open: true},
		{args: []string{}, wantErr: "give the checkout session ID: get ID"},
		{args: []string{"a", "b"}, wantErr: "takes one checkout session ID, got 2 arguments"},
		{args: []string{" "}, wantErr: "the checkout session ID is empty"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var got *GetOptions
			cmd := NewCmdGet(&cmdutil.Factory{}, func(o *GetOptions) error { got = o; return nil })
			cmd.SetArgs(c.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if c.wantErr != "" {
				var fe *cmdutil.FlagError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want a FlagError containing %q", err, c.wantErr)
				}
				if got != nil {
					t.Fatal("the run function ran despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != c.wantID || got.Open != c.open {
				t.Fatalf("got ID %q open %v, want %q %v", got.ID, got.Open, c.wantID, c.open)
			}
		})
	}
}

func TestGetRunPrintsAndOpens(t *testing.T) {
	srv := startSandbox(t)
	addMeteroid(srv, "che_1", sandbox.Created)
	e := meteroidEnv(t, srv, "-o", "id")
	if err := getRun(&GetOptions{F: e.f, ID: "che_1", Open: true}); err != nil {
		t.Fatal(err)
	}
	if e.out.String() != "che_1\n" {
		t.Errorf("stdout = %q", e.out)
	}
	if len(e.browser.opened) != 1 || e.browser.opened[0] != pageOf("che_1") {
		t.Errorf("opened %q", e.browser.opened)
	}
	if e.err.Len() != 0 {
		t.Errorf("stderr = %q", e.err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/api/v1/checkout-sessions/che_1" {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestGetRunWithoutOpenLeavesTheBrowser(t *testing.T) {
	srv := startSandbox(t)
	addMeteroid(srv, "che_1", sandbox.Created)
	e := meteroidEnv(t, srv)
	if err := getRun(&GetOptions{F: e.f, ID: "che_1"}); err != nil {
		t.Fatal(err)
	}
	if len(e.browser.opened) != 0 {
		t.Errorf("opened %q without --open", e.browser.opened)
	}
}

func TestGetRunNotFound(t *testing.T) {
	srv := startSandbox(t)
	for name, e := range map[string]*testEnv{"meteroid": meteroidEnv(t, srv), "maple": mapleEnv(t, srv)} {
		t.Run(name, func(t *testing.T) {
			err := getRun(&GetOptions{F: e.f, ID: "che_nope", Open: true})
			if exitcode.Code(err) != exitcode.Failure {
				t.Fatalf("exit %d (%v), want 1", exitcode.Code(err), err)
			}
			if !strings.Contains(err.Error(), name+": 404") || !strings.Contains(err.Error(), "No checkout session che_nope") {
				t.Errorf("error = %v", err)
			}
			if e.out.Len() != 0 || len(e.browser.opened) != 0 {
				t.Errorf("stdout %q, opened %q", e.out, e.browser.opened)
			}
		})
	}
}

func TestGetRunWithoutTokenSendsNothing(t *testing.T) {
	srv := startSandbox(t)
	e := newTestEnv(t, nil, "--provider", "maple", "--company", "cmp_1", "--base-url", srv.URL)
	err := getRun(&GetOptions{F: e.f, ID: "che_1"})
	if exitcode.Code(err) != exitcode.Auth {
		t.Fatalf("exit %d (%v), want 3", exitcode.Code(err), err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d request(s) sent", n)
	}
}

func TestPrinterTimesFollowTheTerminal(t *testing.T) {
	srv := startSandbox(t)
	addMeteroid(srv, "che_1", sandbox.Created)
	cases := []struct {
		name         string
		tty, noColor bool
		wantRFC3339  bool
	}{
		{"piped", false, false, true},
		{"terminal", true, false, false},
		{"terminal with NO_COLOR", true, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := meteroidEnv(t, srv)
			e.f.IO.StdoutTTY, e.f.IO.NoColor = c.tty, c.noColor
			if err := getRun(&GetOptions{F: e.f, ID: "che_1"}); err != nil {
				t.Fatal(err)
			}
			out := e.out.String()
			if got := strings.Contains(out, "2020-05-01T12:00:00Z"); got != c.wantRFC3339 {
				t.Errorf("RFC 3339 creation time shown: %v, want %v:\n%s", got, c.wantRFC3339, out)
			}
			// The fixed times are in the past of any run of this test.
			if got := strings.Contains(out, " ago"); got == c.wantRFC3339 {
				t.Errorf("relative time shown: %v, want %v:\n%s", got, !c.wantRFC3339, out)
			}
			if got := strings.Contains(out, "\x1b["); got != (c.tty && !c.noColor) {
				t.Errorf("colour: %v:\n%q", got, out)
			}
		})
	}
}

func TestGetWaitInterruptedPrintsTheSession(t *testing.T) {
	srv := startSandbox(t)
	addMeteroid(srv, "che_4Qh5L7lvEqL7VRB7pZf7p6", sandbox.Created)
	e := meteroidEnv(t, srv, "-o", "id")
	ctx, cancel := context.WithCancel(context.Background())
	e.f.Context = ctx
	time.AfterFunc(100*time.Millisecond, cancel)
	err := getRun(&GetOptions{F: e.f, ID: "che_4Qh5L7lvEqL7VRB7pZf7p6", wait: shared.NewWaitFlags(time.Minute)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the interruption", err)
	}
	if e.out.String() != "che_4Qh5L7lvEqL7VRB7pZf7p6\n" {
		t.Errorf("stdout = %q, want the session", e.out)
	}
}
