package cmdutil

import (
	"errors"
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
//     rather than `strconv.ParseBool: parsing "yes": invalid syntax`;
//   - a command given too few or too many arguments says which, in the
//     words of its usage line, rather than cobra's `accepts 1 arg(s),
//     received 0`.
func FinishTree(root *cobra.Command) {
	walk(root, func(c *cobra.Command) {
		if c.Args != nil && !c.HasSubCommands() {
			explainArgs(c)
		}
		if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return cmd.Help()
				}
				return UnknownCommand(cmd, args[0])
			}
			// With --help cobra shows the help instead of running the
			// command: `checkout craete --help` would show the group's help
			// and exit 0, so the mistake is kept for Run to report.
			group, help := c, c.HelpFunc()
			c.SetHelpFunc(func(cmd *cobra.Command, args []string) {
				if words := cmd.Flags().Args(); cmd == group && len(words) > 0 {
					helpErrs.Store(cmd.Root(), UnknownCommand(cmd, words[0]))
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

// ArgsAnnotation is the key, in a command's Annotations, of what its
// argument is in words ("the checkout session ID"), for the error that
// says it is missing.
const ArgsAnnotation = "billctl/args"

// explainArgs words c's argument errors from its usage line. An error
// that is already a FlagError says what it means and is kept.
func explainArgs(c *cobra.Command) {
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		var fe *FlagError
		if err == nil || errors.As(err, &fe) {
			return err
		}
		return &FlagError{Err: argsError(cmd, args)}
	}
}

// argsError says what is wrong with the number of args, from the
// arguments cmd's usage line names: NAME is required, [NAME] optional;
// flags (--provider P, [--company ID]) are no arguments.
func argsError(cmd *cobra.Command, args []string) error {
	need, may := usageArgs(cmd.Use)
	usage := strings.Join(append(append([]string{cmd.CommandPath()}, need...), may...), " ")
	switch {
	case len(args) < len(need):
		what := cmd.Annotations[ArgsAnnotation]
		if what == "" {
			what = strings.Join(need[len(args):], " ")
		}
		return fmt.Errorf("give %s: %s", what, usage)
	case len(need)+len(may) == 0:
		return fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	n := len(need) + len(may)
	takes := fmt.Sprintf("%d arguments", n)
	if n == 1 {
		takes = "one argument"
	}
	if len(may) > 0 {
		takes = "at most " + takes
	}
	return fmt.Errorf("%s takes %s, got %d: %s", cmd.CommandPath(), takes, len(args), usage)
}

// usageArgs splits the arguments of a usage line ("add NAME --provider
// P [--base-url URL]") into required and optional ones.
func usageArgs(use string) (need, may []string) {
	words := strings.Fields(use)
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "[flags]":
		case strings.HasPrefix(w, "[-"):
			for i < len(words) && !strings.HasSuffix(words[i], "]") {
				i++
			}
		case strings.HasPrefix(w, "-"):
			if i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") && !strings.HasPrefix(words[i+1], "[") {
				i++ // the flag's value
			}
		case strings.HasPrefix(w, "["):
			may = append(may, w)
		default:
			need = append(need, w)
		}
	}
	return need, may
}

// UnknownCommand is the error for a word under cmd that is no subcommand
// of it, suggesting the near ones: one wording for the root and the
// groups alike.
func UnknownCommand(cmd *cobra.Command, word string) error {
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
