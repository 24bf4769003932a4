package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/format"
)

// --output's help names every format -o takes, the dry run's included.
func TestOutputHelpNamesEveryFormat(t *testing.T) {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	AddFlags(fs, providers)
	usage := fs.Lookup("output").Usage
	for _, f := range OutputFormats {
		if !strings.Contains(usage, f) {
			t.Errorf("--output's help %q lacks %q", usage, f)
		}
	}
	if want := format.DryRunOnly[0] + " with --dry-run"; !strings.Contains(usage, want) {
		t.Errorf("--output's help %q does not say %q", usage, want)
	}
}
