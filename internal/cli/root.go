// Package cli is billctl's command tree and the one place where errors
// become exit statuses.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/checkout"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/cli/profile"
	sandboxcmd "github.com/billctl/billctl/internal/cli/sandbox"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/safetext"
)

// Set by the release build (-ldflags "-X ...").
var (
	version = ""
	commit  = ""
	date    = ""
)

// Main runs billctl with the process's arguments and returns its exit status.
func Main() int {
	ctx, stop := stopContext()
	defer stop()
	f := &cmdutil.Factory{
		IO:      output.System(os.Getenv),
		Getenv:  os.Getenv,
		Build:   buildInfo(),
		Browser: &cmdutil.SystemBrowser{Getenv: os.Getenv, Stderr: os.Stderr},
		Context: ctx,
	}
	return Run(f, os.Args[1:])
}

// stopContext is cancelled by the first Ctrl-C (SIGINT) or SIGTERM, with
// exitcode.ErrTerminated as the cause for the latter: a CI system stops a
// job with SIGTERM, and it is handled as Ctrl-C is, but exits 143.
func stopContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal only: c stays registered, so that a second
		// does not kill the process; whoever listens then acts on it (a
		// batch aborts its requests in flight).
		sig := <-c
		if sig == syscall.SIGTERM {
			cancel(exitcode.ErrTerminated)
		} else {
			cancel(context.Canceled)
		}
	}()
	return ctx, func() { signal.Stop(c); cancel(nil) }
}

// Run executes args against f and maps the outcome to an exit status.
func Run(f *cmdutil.Factory, args []string) int {
	if f.Words == nil {
		f.Words = commandWords(args)
	}
	// Everything printed, in any format and by any part, goes through
	// writers that mask the API token once the settings name it
	// (Factory.Settings): a server may quote the token back anywhere.
	out, errw := safetext.NewWriter(f.IO.Out), safetext.NewWriter(f.IO.Err)
	f.IO.Out, f.IO.Err = out, errw
	defer out.Flush()
	defer errw.Flush()
	root := NewRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.Err)
	started := false
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	cmd, err := root.ExecuteContextC(f.Context)
	if err == nil {
		err = cmdutil.HelpError(root)
	}
	if err == nil {
		return exitcode.OK
	}
	code := exitcode.Code(err)
	terminated := false
	if f.Context != nil && f.Context.Err() != nil {
		// Ctrl-C: whatever the interrupted request returned, the user
		// asked to stop.
		code = exitcode.Interrupted
		terminated = errors.Is(context.Cause(f.Context), exitcode.ErrTerminated)
	}
	var ee interface{ ExitCode() int }
	if !errors.As(err, &ee) && !started {
		// cobra's own complaints (unknown command, wrong number of
		// arguments) come before the command runs: they are usage errors.
		code = exitcode.Usage
	}
	// An error's text holds the API's (codes, messages, IDs): its control
	// characters are shown escaped, its lines kept.
	if code == exitcode.Interrupted {
		if c := exitcode.Code(err); c == exitcode.Interrupted || c == exitcode.Terminated {
			fmt.Fprintln(f.IO.Err, safetext.Text(err.Error())) // it says what may exist
		} else {
			fmt.Fprintln(f.IO.Err, "interrupted")
		}
		if terminated {
			return exitcode.Terminated
		}
		return code
	}
	var fe *cmdutil.FlagError
	var ue interface{ ShowsUsage() bool }
	usage := (errors.As(err, &fe) || (errors.As(err, &ue) && ue.ShowsUsage()) || !started) && cmd != nil
	if usage && cmd == root && len(f.Words) > 0 && strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra's own wording for the root, which differs from the
		// groups' (a blank line more, no list of commands without a
		// suggestion): the groups' is used for all.
		err = cmdutil.UnknownCommand(root, f.Words[0])
	}
	printError(f.IO.Err, f.ExplainSandbox(err), usage, cmd)
	return code
}

// printError is the one shape of an error on stderr: "error: " and the
// text, its control characters escaped and no blank line at its end, and
// for a usage error the line that points at the command's help.
func printError(w io.Writer, err error, usage bool, cmd *cobra.Command) {
	fmt.Fprintln(w, "error: "+strings.TrimRight(safetext.Text(err.Error()), "\n"))
	if usage {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
}

// NewRoot builds the command tree.
func NewRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "billctl",
		Short: "Create and manage billing checkout sessions on " + providerList(),
		Long: strings.TrimSpace(`
billctl creates checkout sessions (the hosted page where a customer enters a
payment method and a subscription starts) on ` + providerList() + `, from flags
or from YAML/JSON files, checks every field before anything is sent, and
never creates a session twice.

Settings come from flags, then BILLCTL_* environment variables, then the
current profile of the config file, then defaults.`),
		Example: cmdutil.Example(`
  # See the request a create would send; needs no account
  ` + firstExample("checkout create", "") + ` --dry-run

  # Keep an account as a profile (the token is read from stdin)
  ` + firstExample("profile add", "<") + `

  # One session per document of a file, printing only the URLs
  billctl checkout create -f customers.yaml -o url`),
		Version:       f.Build.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		// billctl has its own completion command; cobra would otherwise
		// build its default one on every run.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetVersionTemplate(versionText(f.Build) + "\n")
	config.AddFlags(root.PersistentFlags(), cmdutil.Catalogue())
	f.Flags = root.PersistentFlags()
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err}
	})
	f.AddSubcommands(root, 0,
		cmdutil.Sub{Name: "checkout", Build: func() *cobra.Command { return checkout.NewCmd(f) }},
		cmdutil.Sub{Name: "profile", Build: func() *cobra.Command { return profile.NewCmd(f) }},
		cmdutil.Sub{Name: "sandbox", Build: func() *cobra.Command { return sandboxcmd.NewCmd(f) }},
		cmdutil.Sub{Name: "version", Build: func() *cobra.Command { return newVersionCmd(f) }},
		cmdutil.Sub{Name: "completion", Build: newCompletionCmd},
	)
	addCompletion(root, f)
	cmdutil.FinishTree(root)
	return root
}

// commandWords picks the command words out of args: what is left once
// flags and the values of the root's flags are skipped. Values of a
// subcommand's own flags may follow; only the leading words choose
// commands. `--version` alone needs only the version command.
func commandWords(args []string) []string {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	config.AddFlags(fs, cmdutil.Catalogue())
	var words []string
	version := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			words = append(words, a)
			continue
		}
		if a == "--version" || a == "-v" {
			version = true
		}
		if strings.Contains(a, "=") {
			continue
		}
		var fl *pflag.Flag
		if strings.HasPrefix(a, "--") {
			fl = fs.Lookup(a[2:])
		} else if len(a) == 2 {
			fl = fs.ShorthandLookup(a[1:])
		}
		if fl != nil && fl.Value.Type() != "bool" {
			i++ // the flag's value
		}
	}
	if len(words) == 0 && version {
		return []string{"version"}
	}
	return words
}

func newVersionCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(f.IO.Out, versionText(f.Build))
			return err
		},
	}
}

func versionText(b cmdutil.BuildInfo) string {
	return fmt.Sprintf("billctl %s (commit %s, built %s)", b.Version, b.Commit, b.Date)
}

// buildInfo prefers what the release build injected and falls back to the
// module's build information (go install, go build from a checkout).
func buildInfo() cmdutil.BuildInfo {
	b := cmdutil.BuildInfo{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = strings.TrimPrefix(info.Main.Version, "v")
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
				if len(b.Commit) > 12 {
					b.Commit = b.Commit[:12]
				}
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

// providerList names the providers as prose does: "A, B and C".
func providerList() string {
	var names []string
	for _, d := range registry.All() {
		names = append(names, strings.ToUpper(d.Name[:1])+d.Name[1:])
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// firstExample is the first provider example for command that holds want
// and fits on one line.
func firstExample(command, want string) string {
	for _, d := range registry.All() {
		if ex := d.Examples[command]; ex != "" && strings.Contains(ex, want) && !strings.Contains(ex, "\n") {
			return ex
		}
	}
	return "billctl " + command + " --help"
}
