package profile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/output/outputtest"
)

// fakePrompter answers from a script and records what was asked.
type fakePrompter struct {
	secret  string
	confirm bool
	err     error
	asked   []string
}

func (p *fakePrompter) Secret(prompt string) (string, error) {
	p.asked = append(p.asked, prompt)
	return p.secret, p.err
}

func (p *fakePrompter) Confirm(q string) (bool, error) {
	p.asked = append(p.asked, q)
	return p.confirm, p.err
}

// run executes args against a root that has billctl's persistent flags
// and the command build returns, as cli.Run would.
func run(t *testing.T, env map[string]string, stdin string, args []string, build func(*cmdutil.Factory) *cobra.Command) (*bytes.Buffer, *bytes.Buffer, error) {
	t.Helper()
	io, in, out, errb := outputtest.Streams()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IO: io, Getenv: func(k string) string { return env[k] }}
	root := &cobra.Command{Use: "billctl", SilenceErrors: true, SilenceUsage: true}
	config.AddFlags(root.PersistentFlags(), cmdutil.Catalogue())
	f.Flags = root.PersistentFlags()
	root.AddCommand(build(f))
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(errb)
	_, err := root.ExecuteC()
	return out, errb, err
}

func TestAddFlagsStoreOnlyWhatIsGiven(t *testing.T) {
	env := map[string]string{"BILLCTL_PROVIDER": "maple", "BILLCTL_COMPANY": "cmp_env", "BILLCTL_BASE_URL": "https://env"}
	var got *AddOptions
	_, _, err := run(t, env, "", []string{"add", "dev", "--provider", "meteroid", "--base-url", "http://localhost:1", "--retries", "0", "--force", "--config", "/x.yaml"},
		func(f *cmdutil.Factory) *cobra.Command {
			return NewCmdAdd(f, func(o *AddOptions) error { got = o; return nil })
		})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "dev" || got.Provider != "meteroid" || got.BaseURL != "http://localhost:1" || got.Company != "" ||
		got.Timeout != "" || got.Retries == nil || *got.Retries != 0 || !got.Force || got.ConfigPath != "/x.yaml" {
		t.Errorf("options %+v", got)
	}
}

func newAdd(t *testing.T, tty bool, stdin string, p Prompter) (*AddOptions, *bytes.Buffer) {
	io, in, _, errb := outputtest.Streams()
	in.WriteString(stdin)
	io.StdinTTY = tty
	return &AddOptions{
		IO:         io,
		ConfigPath: filepath.Join(t.TempDir(), "billctl", "config.yaml"),
		Prompter:   p,
		Name:       "dev",
		Provider:   "meteroid",
	}, errb
}

func TestAddPromptsOnATerminal(t *testing.T) {
	p := &fakePrompter{secret: " sk_typed_token_123456 \n"}
	opts, _ := newAdd(t, true, "", p)
	if err := addRun(opts); err != nil {
		t.Fatal(err)
	}
	if len(p.asked) != 1 || !strings.Contains(p.asked[0], "API token for dev (input hidden)") {
		t.Errorf("asked %q", p.asked)
	}
	f, _ := config.Load(opts.ConfigPath)
	if f.Profiles["dev"].Token != "sk_typed_token_123456" || f.CurrentProfile != "dev" {
		t.Errorf("file %+v %+v", f, f.Profiles["dev"])
	}

	// An empty answer is refused.
	p = &fakePrompter{secret: "\n"}
	opts, _ = newAdd(t, true, "", p)
	if err := addRun(opts); err == nil || !strings.Contains(err.Error(), "the token is empty") {
		t.Errorf("empty answer: %v", err)
	}
}

func TestAddOverAnExistingName(t *testing.T) {
	setup := func(tty bool, p Prompter) *AddOptions {
		opts, _ := newAdd(t, tty, "sk_new_token_abcdefgh", p)
		if err := writeConfig(opts.ConfigPath, &config.File{CurrentProfile: "dev", Profiles: map[string]*config.Profile{
			"dev": {Provider: "meteroid", Token: "sk_old"},
		}}); err != nil {
			t.Fatal(err)
		}
		return opts
	}
	token := func(opts *AddOptions) string {
		f, err := config.Load(opts.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		return f.Profiles["dev"].Token
	}

	// Not a terminal, no --force: refused, nothing read.
	opts := setup(false, nil)
	err := addRun(opts)
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "pass --force to replace it") || token(opts) != "sk_old" {
		t.Errorf("no --force: %v, token %q", err, token(opts))
	}

	// --force replaces.
	opts = setup(false, nil)
	opts.Force = true
	if err := addRun(opts); err != nil || token(opts) != "sk_new_token_abcdefgh" {
		t.Errorf("--force: %v, token %q", err, token(opts))
	}

	// A terminal asks; no keeps the profile and asks for no token.
	p := &fakePrompter{confirm: false, secret: "sk_typed"}
	opts = setup(true, p)
	err = addRun(opts)
	if exitcode.Code(err) != exitcode.Usage || token(opts) != "sk_old" || len(p.asked) != 1 || !strings.Contains(p.asked[0], `Profile "dev" already exists. Replace it?`) {
		t.Errorf("answered no: %v, token %q, asked %q", err, token(opts), p.asked)
	}

	// Yes replaces, then asks for the token.
	p = &fakePrompter{confirm: true, secret: "sk_typed_after_yes"}
	opts = setup(true, p)
	if err := addRun(opts); err != nil || token(opts) != "sk_typed_after_yes" || len(p.asked) != 2 {
		t.Errorf("answered yes: %v, token %q, asked %q", err, token(opts), p.asked)
	}

	// Ctrl-C while asking ends with the prompter's error.
	p = &fakePrompter{err: exitcode.New(exitcode.Interrupted, context.Canceled)}
	opts = setup(true, p)
	if err := addRun(opts); exitcode.Code(err) != exitcode.Interrupted {
		t.Errorf("interrupted: %v", err)
	}
}

func TestAddPipedTokenWinsOverPrompt(t *testing.T) {
	// stdin is not a terminal: read it, never prompt.
	p := &fakePrompter{err: errors.New("must not prompt")}
	opts, _ := newAdd(t, false, "sk_piped_token_0001\n", p)
	if err := addRun(opts); err != nil {
		t.Fatal(err)
	}
	// --token-file wins over a terminal.
	dir := t.TempDir()
	tf := filepath.Join(dir, "tok")
	if err := os.WriteFile(tf, []byte("sk_file_token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, _ = newAdd(t, true, "", p)
	opts.TokenFile = tf
	if err := addRun(opts); err != nil {
		t.Fatal(err)
	}
	f, _ := config.Load(opts.ConfigPath)
	if f.Profiles["dev"].Token != "sk_file_token" {
		t.Errorf("token %q", f.Profiles["dev"].Token)
	}
}

func TestShowNeverPrintsTheToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	const token = "sk_live_secret_value_WXYZ"
	if err := writeConfig(path, &config.File{CurrentProfile: "p", Profiles: map[string]*config.Profile{
		"p": {Provider: "meteroid", Token: token},
	}}); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"table", "json", "yaml", "id"} {
		for _, args := range [][]string{{"show"}, {"list"}} {
			args := append([]string{"profile"}, append(args, "-o", format)...)
			env := map[string]string{"BILLCTL_CONFIG": path}
			out, errb, err := run(t, env, "", args, func(f *cmdutil.Factory) *cobra.Command { return NewCmd(f) })
			if err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			if strings.Contains(out.String()+errb.String(), "secret_value") {
				t.Errorf("%v printed the token: %s", args, out)
			}
			if args[1] == "show" && (format == "table" || format == "json" || format == "yaml") && !strings.Contains(out.String(), "****WXYZ") {
				t.Errorf("%v: no masked token in %s", args, out)
			}
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  string
		want string
		err  bool
	}{
		{nil, "", "table", false},
		{nil, "json", "json", false},
		{nil, "url", "table", false}, // meant for checkout results
		{[]string{"-o", "yaml"}, "json", "yaml", false},
		{[]string{"-o", "url"}, "", "", true},
	} {
		var got *ListOptions
		_, _, err := run(t, map[string]string{"BILLCTL_OUTPUT": tt.env, "BILLCTL_CONFIG": os.DevNull}, "", append([]string{"list"}, tt.args...),
			func(f *cmdutil.Factory) *cobra.Command {
				return NewCmdList(f, func(o *ListOptions) error { got = o; return nil })
			})
		if tt.err {
			var fe *cmdutil.FlagError
			if !errors.As(err, &fe) {
				t.Errorf("%v %q: got %v, want a flag error", tt.args, tt.env, err)
			}
			continue
		}
		if err != nil || got.Format != tt.want {
			t.Errorf("%v %q: %v %+v, want %s", tt.args, tt.env, err, got, tt.want)
		}
	}
}

// writeConfig makes the config file at path hold f, as `profile add`
// would have written it.
func writeConfig(path string, f *config.File) error {
	return config.Update(path, io.Discard, func(cur *config.File) error {
		*cur = *f
		return nil
	})
}
