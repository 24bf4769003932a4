package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/cli/profile"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/output"
)

// The scripts in completions/ are what `billctl completion SHELL` prints;
// a test fails when they are stale.
//go:generate go run github.com/billctl/billctl/internal/gen -completions ../../completions

// Shells are the shells `billctl completion` writes a script for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// CompletionScript writes root's completion script for shell, with
// descriptions unless noDesc. The script holds nothing that depends on the
// build (no version), so the committed copies stay current across releases.
func CompletionScript(root *cobra.Command, shell string, w io.Writer, noDesc bool) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, !noDesc)
	case "zsh":
		if noDesc {
			return root.GenZshCompletionNoDesc(w)
		}
		return root.GenZshCompletion(w)
	case "fish":
		return fishCompletion(root, w, !noDesc)
	case "powershell":
		if noDesc {
			return root.GenPowerShellCompletion(w)
		}
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return cmdutil.FlagErrorf("unknown shell %q: use %s", shell, strings.Join(Shells, ", "))
}

// fishNoFilter is the part of cobra's fish script that gives up on a list
// of file extensions (-f, --config) or on directories only, and offers
// every file instead.
const fishNoFilter = `    if test $filefilter -eq 1; or test $dirfilter -eq 1
        __%[1]s_debug "File extension filtering or directory filtering not supported"
        # Do full file completion instead
        return 1
    end
`

// fishFilter does in fish what bash and zsh do: the completions are the
// extensions, and the files offered are those with one of them, with the
// directories to walk into.
const fishFilter = `    if test $filefilter -eq 1
        set --global __%[1]s_comp_results (__%[1]s_files_with_ext $__%[1]s_comp_results)
        return 0
    end
    if test $dirfilter -eq 1
        set --global __%[1]s_comp_results (__fish_complete_directories (commandline -ct) '')
        return 0
    end
`

// fishFilesWithExt lists, for the word being completed, the directories
// and the regular files that end in one of the extensions given. A glob
// that matches nothing is empty in a for loop, not an error.
const fishFilesWithExt = `
# The directories, and the files ending in one of the extensions given,
# that complete the current word.
function __%[1]s_files_with_ext
    set -l token (commandline -ct)
    __fish_complete_directories $token ''
    for ext in $argv
        for f in $token*.$ext
            test -f $f; and echo $f
        end
    end
end
`

// fishCompletion is cobra's fish script with extension and directory
// filtering, which cobra's leaves out (it offers every file for -f).
func fishCompletion(root *cobra.Command, w io.Writer, desc bool) error {
	var b strings.Builder
	if err := root.GenFishCompletion(&b, desc); err != nil {
		return err
	}
	name := root.Name()
	script := b.String()
	from := fmt.Sprintf(fishNoFilter, name)
	if !strings.Contains(script, from) {
		return fmt.Errorf("fish completion: cobra's script has changed; update fishNoFilter")
	}
	script = strings.Replace(script, from, fmt.Sprintf(fishFilter, name), 1)
	_, err := io.WriteString(w, script+fmt.Sprintf(fishFilesWithExt, name))
	return err
}

// install says how to load each shell's script, for the commands' help.
var install = map[string]string{
	"bash": `Needs the bash-completion package (most distributions install it with bash;
on macOS: brew install bash-completion@2).

Load it in the current shell:
  source <(billctl completion bash)

Load it in every new shell, for you alone:
  mkdir -p ~/.local/share/bash-completion/completions
  billctl completion bash > ~/.local/share/bash-completion/completions/billctl

or for everyone (Linux; on macOS use $(brew --prefix)/etc/bash_completion.d):
  billctl completion bash | sudo tee /usr/share/bash-completion/completions/billctl`,
	"zsh": `Needs compinit; if completion is not enabled yet, run once:
  echo 'autoload -U compinit; compinit' >> ~/.zshrc

Load it in the current shell:
  source <(billctl completion zsh)

Load it in every new shell: write it as _billctl to a directory of $fpath
that comes before the system's, then start a new shell:
  mkdir -p ~/.zfunc
  billctl completion zsh > ~/.zfunc/_billctl
  echo 'fpath=(~/.zfunc $fpath)' >> ~/.zshrc   # before compinit

(macOS with Homebrew: billctl completion zsh > $(brew --prefix)/share/zsh/site-functions/_billctl)`,
	"fish": `Load it in the current shell:
  billctl completion fish | source

Load it in every new shell:
  billctl completion fish > ~/.config/fish/completions/billctl.fish`,
	"powershell": `Load it in the current shell:
  billctl completion powershell | Out-String | Invoke-Expression

Load it in every new shell: add that line to your profile ($PROFILE).`,
}

// newCompletionCmd builds `billctl completion`, one subcommand per shell so
// that each one's help says how to install its script.
func newCompletionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long: strings.TrimSpace(`
Print the script that makes TAB complete billctl's commands, flags, flag
values, files and profile names, and the IDs of your own customers, plans,
add-ons, coupons, product pricings and checkout sessions, fetched from the
API of the active profile (at most 2 seconds, cached for a few minutes in
$XDG_CACHE_HOME/billctl, and silent when offline).

The deb and rpm packages install the scripts for bash, zsh and fish; the
release archives hold them in completions/. Otherwise see the help of each
shell's subcommand, e.g. billctl completion bash --help.`),
		// A shell that has no subcommand lands here.
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("name a shell: billctl completion %s", strings.Join(Shells, "|"))
			}
			return cmdutil.FlagErrorf("unknown shell %q: use %s", args[0], strings.Join(Shells, ", "))
		},
		ValidArgsFunction: cobra.NoFileCompletions,
	}
	for _, shell := range Shells {
		var noDesc bool
		sub := &cobra.Command{
			Use:               shell,
			Short:             fmt.Sprintf("Print the completion script for %s", shell),
			Long:              fmt.Sprintf("Print the completion script for %s.\n\n%s", shell, install[shell]),
			Args:              cobra.NoArgs,
			ValidArgsFunction: cobra.NoFileCompletions,
			RunE: func(c *cobra.Command, _ []string) error {
				return CompletionScript(c.Root(), shell, c.OutOrStdout(), noDesc)
			},
		}
		sub.Flags().BoolVar(&noDesc, "no-descriptions", false, "leave out the descriptions of completions")
		cmd.AddCommand(sub)
	}
	return cmd
}

// addCompletion adds `billctl completion` to root and makes TAB complete
// the values of the persistent flags from the lists their validation uses.
func addCompletion(root *cobra.Command, f *cmdutil.Factory) {

	_ = root.RegisterFlagCompletionFunc("provider", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, p := range cmdutil.Catalogue() {
			out = append(out, p.Name+"\t"+strings.TrimPrefix(p.DefaultBaseURL, "https://"))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	_ = root.RegisterFlagCompletionFunc("output", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range OutputFormats(cmd) {
			out = append(out, v+"\t"+output.Help(v))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	_ = root.RegisterFlagCompletionFunc("profile", completeProfiles(f))
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml", "json")
	// --token-file keeps the shell's file completion: a token file is
	// plain text under any name.
	for _, name := range []string{"base-url", "company", "timeout", "retries"} {
		_ = root.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
}

// OutputFormats are the values of -o that cmd prints: profile commands
// have their own list, and curl exists only for a dry run.
func OutputFormats(cmd *cobra.Command) []string {
	for c := cmd; c != nil; c = c.Parent() {
		if c.Name() == "profile" && c.HasParent() && !c.Parent().HasParent() {
			return profile.Formats
		}
	}
	formats := slices.Clone(output.Formats)
	if fl := cmd.Flags().Lookup("dry-run"); fl != nil && fl.Changed {
		formats = append(formats, output.DryRunOnly...)
	}
	return formats
}

// completeProfiles offers the profile names of the config file that this
// command line points at (--config, BILLCTL_CONFIG, default), described by
// provider and company, never by token. A file that cannot be read offers
// nothing.
func completeProfiles(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		file, err := config.Load(config.ConfigPath(f.Flags, f.Getenv))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, name := range file.Names() {
			p := file.Profiles[name]
			desc := strings.TrimSpace(p.Provider + " " + p.Company)
			if name == file.CurrentProfile {
				desc = strings.TrimSpace(desc + " (current)")
			}
			out = append(out, strings.TrimRight(name+"\t"+desc, "\t"))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
