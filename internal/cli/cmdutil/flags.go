package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/exitcode"
)

// enumValue is a string flag that takes one of a fixed set of values.
type enumValue struct {
	value   *string
	allowed []string
}

func (e *enumValue) String() string { return *e.value }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(s string) error {
	for _, a := range e.allowed {
		if s == a {
			*e.value = s
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", s, strings.Join(e.allowed, ", "))
}

// StringEnumFlag registers a flag that accepts only values, lists them in
// its help, and completes them: one list, so the three cannot drift.
func StringEnumFlag(cmd *cobra.Command, fs *pflag.FlagSet, p *string, name, short, def string, values []string, usage string) *pflag.Flag {
	*p = def
	fs.VarP(&enumValue{value: p, allowed: values}, name, short, fmt.Sprintf("%s: {%s}", usage, strings.Join(values, "|")))
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	})
	return fs.Lookup(name)
}

// FlagError is a usage mistake; the command's usage line is shown with it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }
func (e *FlagError) ExitCode() int { return exitcode.Usage }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// Example trims the blank lines around a command's examples but keeps the
// indentation of the first one, which strings.TrimSpace would eat.
func Example(s string) string {
	return strings.TrimRight(strings.TrimLeft(s, "\n"), " \n")
}
