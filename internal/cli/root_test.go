package cli

import (
	"reflect"
	"testing"
)

func TestCommandWords(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		// Values of a subcommand's own flags are kept (only the leading
		// words choose commands, and a subcommand's flags follow its name).
		{[]string{"checkout", "create", "--customer", "c"}, []string{"checkout", "create", "c"}},
		// The values of the root's flags are not command words, even when
		// they look like one; boolean flags take no value.
		{[]string{"--profile", "checkout", "profile", "list"}, []string{"profile", "list"}},
		{[]string{"-o", "json", "--debug", "checkout", "get", "che_1"}, []string{"checkout", "get", "che_1"}},
		{[]string{"--output=json", "checkout", "list"}, []string{"checkout", "list"}},
		{[]string{"--version"}, []string{"version"}},
		{[]string{"-v"}, []string{"version"}},
		{[]string{"checkout", "--", "create"}, []string{"checkout"}},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := commandWords(tt.args); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("commandWords(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
