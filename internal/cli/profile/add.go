package profile

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider/registry"
)

// AddOptions are the parsed flags and dependencies of `profile add`.
type AddOptions struct {
	IO         *output.IO
	ConfigPath string
	// Prompter asks on the terminal; used only when stdin is one.
	Prompter Prompter

	Name      string
	Provider  string
	BaseURL   string
	Company   string
	Timeout   string // as given, "" when not
	Retries   *int
	TokenFile string
	Force     bool
}

// NewCmdAdd builds `billctl profile add`. runF replaces the run function in
// tests that check flag parsing alone.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "add NAME --provider " + strings.Join(cmdutil.Catalogue().Names(), "|") + " [--base-url URL] [--company ID]",
		Short: "Store an account as a profile (the token is read from stdin or a prompt)",
		Long: strings.TrimSpace(`
Store an account as a profile: the --provider, --base-url and --company given
with this command (and --timeout, --retries when given), and the API token.

The token is never taken from the command line, where other users can see
it in the process list. It is read from --token-file PATH, else from stdin
when stdin is a pipe or a file, else from a prompt that does not echo.

The first profile added becomes the current one. Adding over an existing
name asks for confirmation on a terminal, and needs --force otherwise; the
old profile is replaced as a whole.`),
		Example: providerExamples() + "\n\n" + cmdutil.Example(`
  # Replace a profile from a script
  pass show billing/sandbox | billctl profile add sandbox --provider `+cmdutil.Catalogue()[0].Name+` --force`),
		Annotations: map[string]string{cmdutil.ArgsAnnotation: "the profile's name"},
		Args:        cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.ConfigPath = config.ConfigPath(f.Flags, f.Getenv)
			fs := f.Flags
			// Only what is written on this command line is stored: a
			// BILLCTL_* variable of the shell is not part of the account.
			str := func(name string) string {
				if fl := fs.Lookup(name); fl != nil && fl.Changed {
					return fl.Value.String()
				}
				return ""
			}
			opts.Provider, opts.BaseURL, opts.Company = str("provider"), str("base-url"), str("company")
			opts.Timeout, opts.TokenFile = str("timeout"), str("token-file")
			if fl := fs.Lookup("retries"); fl != nil && fl.Changed {
				r, err := fs.GetInt("retries")
				if err != nil {
					return err
				}
				opts.Retries = &r
			}
			if opts.Prompter == nil {
				opts.Prompter = TerminalPrompter(cmd.Context(), f.IO)
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace a profile of the same name without asking")
	return cmd
}

func addRun(opts *AddOptions) error {
	p, err := opts.profile()
	if err != nil {
		return err
	}
	file, err := load(opts.IO, opts.ConfigPath)
	if err != nil {
		return err
	}
	_, exists := file.Profiles[opts.Name]
	if exists && !opts.Force {
		if !opts.IO.StdinTTY {
			return exitcode.Usagef("profile %q already exists in %s: pass --force to replace it", opts.Name, opts.ConfigPath)
		}
		ok, err := opts.Prompter.Confirm(fmt.Sprintf("Profile %q already exists. Replace it?", opts.Name))
		if err != nil {
			return err
		}
		if !ok {
			return exitcode.Usagef("profile %q left as it was", opts.Name)
		}
	}
	if p.Token, err = opts.token(); err != nil {
		return err
	}

	// The file is read again under its lock: another billctl may have
	// changed it while the token was being read.
	var first bool
	var current string
	err = config.Update(opts.ConfigPath, opts.IO.Err, func(file *config.File) error {
		_, now := file.Profiles[opts.Name]
		if now && !exists && !opts.Force {
			return exitcode.Usagef("profile %q was added to %s meanwhile: pass --force to replace it", opts.Name, opts.ConfigPath)
		}
		exists = now
		first = len(file.Profiles) == 0
		file.Profiles[opts.Name] = p
		if first {
			file.CurrentProfile = opts.Name
		}
		current = file.CurrentProfile
		return nil
	})
	if err != nil {
		return err
	}

	verb := "Added"
	if exists {
		verb = "Replaced"
	}
	fmt.Fprintf(opts.IO.Err, "%s profile %q (%s) in %s.\n", verb, opts.Name, describe(p), opts.ConfigPath)
	switch {
	case first:
		fmt.Fprintf(opts.IO.Err, "It is the current profile.\n")
	case current != opts.Name:
		fmt.Fprintf(opts.IO.Err, "Use it with --profile %s, or make it current with `billctl profile use %s`.\n", opts.Name, opts.Name)
	}
	return nil
}

// profile checks the flags and builds the profile they describe, before
// anything is asked or read: a mistake should not cost the user a token
// typed for nothing.
func (opts *AddOptions) profile() (*config.Profile, error) {
	if err := config.ValidName(opts.Name); err != nil {
		return nil, err
	}
	p := &config.Profile{
		Provider: strings.ToLower(strings.TrimSpace(opts.Provider)),
		BaseURL:  strings.TrimRight(strings.TrimSpace(opts.BaseURL), "/"),
		Company:  strings.TrimSpace(opts.Company),
		Timeout:  opts.Timeout,
		Retries:  opts.Retries,
	}
	tenantErr := cmdutil.Catalogue().CheckTenant(p.Provider, p.Company)
	switch {
	case p.Provider == "":
		return nil, cmdutil.FlagErrorf("a profile needs --provider %s", strings.Join(cmdutil.Catalogue().Names(), "|"))
	case cmdutil.Catalogue().Get(p.Provider) == nil:
		return nil, cmdutil.FlagErrorf("unknown provider %q: use %s", p.Provider, strings.Join(cmdutil.Catalogue().Names(), " or "))
	case tenantErr != nil:
		return nil, &cmdutil.FlagError{Err: tenantErr}
	case p.Retries != nil && *p.Retries < 0:
		return nil, cmdutil.FlagErrorf("--retries must be 0 or more")
	case strings.HasPrefix(p.Timeout, "-"):
		return nil, cmdutil.FlagErrorf("--timeout must not be negative")
	}
	if p.BaseURL != "" {
		if err := config.CheckBaseURL(p.BaseURL, ""); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// token reads the API token: --token-file, else piped stdin, else a hidden
// prompt. Never argv, never the environment.
func (opts *AddOptions) token() (string, error) {
	raw, from, err := opts.rawToken()
	if err != nil {
		return "", err
	}
	// Stored as it will be sent: a pasted "Bearer " or byte order mark is
	// dropped once here rather than noted on every run.
	return config.NormalToken(raw, from, opts.IO.Err)
}

func (opts *AddOptions) rawToken() (token, from string, err error) {
	if opts.TokenFile != "" {
		token, err = config.ReadTokenFile(opts.TokenFile, opts.IO.In)
		return token, "--token-file " + opts.TokenFile, err
	}
	if !opts.IO.StdinTTY {
		b, err := io.ReadAll(opts.IO.In)
		if err != nil {
			return "", "", fmt.Errorf("reading the token from stdin: %w", err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return "", "", exitcode.Usagef("no token: pipe it on stdin (billctl profile add %s … < token.txt) or pass --token-file PATH; it is never taken from the command line", opts.Name)
		}
		token, err = config.CleanToken(string(b), "stdin")
		return token, "stdin", err
	}
	raw, err := opts.Prompter.Secret(fmt.Sprintf("API token for %s (input hidden): ", opts.Name))
	if err != nil {
		return "", "", err
	}
	token, err = config.CleanToken(raw, "prompt")
	return token, "prompt", err
}

// providerExamples are the providers' own examples of a profile, each
// under a comment saying where the token comes from.
func providerExamples() string {
	var parts []string
	for _, d := range registry.All() {
		ex := d.Examples["profile add"]
		if ex == "" {
			continue
		}
		name := strings.ToUpper(d.Name[:1]) + d.Name[1:]
		what := "token from a prompt"
		if strings.Contains(ex, "<") {
			what = "token from a file on stdin"
		}
		parts = append(parts, "  # "+name+", "+what+"\n  "+ex)
	}
	return strings.Join(parts, "\n\n")
}
