package cmdutil

import (
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// FinishTree sets what every command of the built tree should have and
// that cobra leaves out:
//   - a command that only groups subcommands (checkout, profile) refuses a
//     word that names none of them, with exit 2 and a suggestion, where
//     cobra prints the group's help and exits 0 (`billctl checkout craete`,
//     with or without --help);
//   - a command with no completion of its own for its arguments completes
//     none, rather than the shell's file names, since no billctl command
//     takes a file as an argument (files come with -f);
//   - a typed flag given a bad value says which values it takes, in words,
//     rather than `strconv.ParseBool: parsing "yes": invalid syntax`.
func FinishTree(root *cobra.Command) {
	walk(root, func(c *cobra.Command) {
		if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return cmd.Help()
				}
				return unknownSubcommand(cmd, args[0])
			}
			// With --help cobra shows the help instead of running the
			// command: `checkout craete --help` would show the group's help
			// and exit 0, so the mistake is kept for Run to report.
			group, help := c, c.HelpFunc()
			c.SetHelpFunc(func(cmd *cobra.Command, args []string) {
				if words := cmd.Flags().Args(); cmd == group && len(words) > 0 {
					helpErrs.Store(cmd.Root(), unknownSubcommand(cmd, words[0]))
					return
				}
				help(cmd, args)
			})
		}
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
		explainFlags(c.LocalFlags())
		explainFlags(c.PersistentFlags())
	})
}

// helpErrs holds, for each command tree (by its root), the mistyped
// subcommand that a --help run found. Keyed by root so that trees built
// side by side (tests) never see each other's.
var helpErrs sync.Map // *cobra.Command -> error

// HelpError is, once root has run, the mistyped subcommand that --help
// was asked of (`billctl checkout craete --help`), or nil.
func HelpError(root *cobra.Command) error {
	if err, ok := helpErrs.LoadAndDelete(root); ok {
		return err.(error)
	}
	return nil
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// unknownSubcommand is the error for a word under cmd that is no
// subcommand of it, suggesting the near ones.
func unknownSubcommand(cmd *cobra.Command, word string) error {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own, which it sets only on the root
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	} else {
		var names []string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		msg += " (commands: " + strings.Join(names, ", ") + ")"
	}
	return &FlagError{Err: fmt.Errorf("%s", msg)}
}
