package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/exitcode"
)

func TestNormalTokenTakesPastedTokens(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"sk_live_1", "sk_live_1"},
		{"  sk_live_1\n", "sk_live_1"},
		{"\ufeffsk_live_1\r\n", "sk_live_1"},
		{"\ufeff  sk_live_1", "sk_live_1"},
		{"Bearer sk_live_1", "sk_live_1"},
		{"bearer\tsk_live_1", "sk_live_1"},
		{"\ufeffBearer   sk_live_1 \n", "sk_live_1"},
		{"Bearersk_1", "Bearersk_1"}, // a token may start with those letters
		{"", ""},
	} {
		var note bytes.Buffer
		got, err := NormalToken(tc.raw, "BILLCTL_TOKEN", &note)
		if err != nil || got != tc.want {
			t.Errorf("NormalToken(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
		bearer := strings.Contains(strings.ToLower(tc.raw), "bearer ") || strings.Contains(strings.ToLower(tc.raw), "bearer\t")
		if said := strings.Contains(note.String(), `BILLCTL_TOKEN: dropped the leading "Bearer "`); said != bearer {
			t.Errorf("NormalToken(%q): note %q", tc.raw, note.String())
		}
		if strings.Contains(note.String(), "sk_live_1") {
			t.Errorf("the note shows the token: %q", note.String())
		}
	}
}

func TestNormalTokenRefusesInnerSpaceAndControls(t *testing.T) {
	for _, raw := range []string{
		"sk live", "sk\tlive", "sk\u00a0live", "sk\x00live", "sk\x1b[2Jlive", "sk\x7flive",
		"sk\u0085live", "sk\u200blive", "sk\ufefflive", "sk\nlive", "   ", "\ufeff", "Bearer ", "Bearer sk live",
	} {
		_, err := NormalToken(raw, `profile "prod"`, nil)
		var ec interface{ ExitCode() int }
		if err == nil || !errors.As(err, &ec) || ec.ExitCode() != exitcode.Usage {
			t.Errorf("NormalToken(%q): %v, want a usage error", raw, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), `profile "prod": the token`) || strings.Contains(err.Error(), "live") {
			t.Errorf("NormalToken(%q): %q", raw, err)
		}
	}
}

// Every way in goes through the same rule: the environment, a token file,
// a profile.
func TestResolveNormalisesTheToken(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("current_profile: p\nprofiles:\n  p: {provider: meteroid, token: \"Bearer sk_profile\"}\n  bad: {provider: meteroid, token: \"sk pro\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(dir, "tok")
	if err := os.WriteFile(tokFile, []byte("\ufeffBearer sk_file\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resolve := func(env map[string]string, args ...string) (string, string, error) {
		fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
		AddFlags(fs, providers)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		env["BILLCTL_CONFIG"] = cfg
		var warn bytes.Buffer
		s, err := Resolve(providers, fs, func(k string) string { return env[k] }, nil, &warn)
		if err != nil {
			return "", warn.String(), err
		}
		return s.Token, warn.String(), nil
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
		from string
	}{
		{map[string]string{"BILLCTL_TOKEN": " Bearer sk_env\n"}, nil, "sk_env", "BILLCTL_TOKEN"},
		{map[string]string{}, []string{"--token-file", tokFile}, "sk_file", "--token-file"},
		{map[string]string{}, nil, "sk_profile", `profile "p"`},
	} {
		got, warn, err := resolve(tc.env, tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("%s: token %q, %v; want %q", tc.from, got, err, tc.want)
		}
		if !strings.Contains(warn, "note: "+tc.from) {
			t.Errorf("%s: stderr %q", tc.from, warn)
		}
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		from string
	}{
		{map[string]string{"BILLCTL_TOKEN": "sk env"}, nil, "BILLCTL_TOKEN"},
		{map[string]string{"BILLCTL_TOKEN": "sk\x1b]0;x\x07"}, nil, "BILLCTL_TOKEN"},
		{map[string]string{"BILLCTL_PROFILE": "bad"}, nil, `profile "bad"`},
	} {
		_, _, err := resolve(tc.env, tc.args...)
		if err == nil || !strings.HasPrefix(err.Error(), tc.from+": the token holds") {
			t.Errorf("%s: %v", tc.from, err)
		}
	}
}
