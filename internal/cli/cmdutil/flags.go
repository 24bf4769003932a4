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

// accepted says, per flag type, what values a flag of that type takes. The
// parsers' own errors (strconv.ParseBool: parsing "yes": invalid syntax)
// speak of Go, not of the command line.
var accepted = map[string]string{
	"bool":     "true or false",
	"int":      "a whole number such as 3",
	"int8":     "a whole number such as 3",
	"int16":    "a whole number such as 3",
	"int32":    "a whole number such as 3",
	"int64":    "a whole number such as 3",
	"uint":     "a whole number, 0 or more",
	"uint8":    "a whole number, 0 or more",
	"uint16":   "a whole number, 0 or more",
	"uint32":   "a whole number, 0 or more",
	"uint64":   "a whole number, 0 or more",
	"float32":  "a number such as 1.5",
	"float64":  "a number such as 1.5",
	"duration": "a duration such as 30s, 2m or 1h30m",
}

// explained is a typed flag's value whose refusal says what it takes.
type explained struct {
	pflag.Value
	name string
}

func (e *explained) Set(s string) error {
	if err := e.Value.Set(s); err != nil {
		want := accepted[e.Value.Type()]
		if e.Value.Type() == "bool" {
			return fmt.Errorf("use true or false (--%s alone means true; --%s=false turns it off)", e.name, e.name)
		}
		return fmt.Errorf("use %s", want)
	}
	return nil
}

// IsBoolFlag keeps a bool flag usable without a value where that is asked.
func (e *explained) IsBoolFlag() bool { return e.Value.Type() == "bool" }

// explainFlags wraps the typed flags of fs in explained.
func explainFlags(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if _, done := f.Value.(*explained); done {
			return
		}
		if _, ok := accepted[f.Value.Type()]; ok {
			f.Value = &explained{Value: f.Value, name: f.Name}
		}
	})
}
