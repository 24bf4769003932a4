package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/exitcode"
)

// resolveWith parses args into a fresh flag set and resolves against env
// and a config file holding cfg (none when cfg is "").
func resolveWith(t *testing.T, args []string, env map[string]string, cfg string) (*Settings, string, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if cfg != "" {
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
	AddFlags(fs, providers)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	all := map[string]string{"BILLCTL_CONFIG": path}
	for k, v := range env {
		all[k] = v
	}
	var warn bytes.Buffer
	s, err := Resolve(providers, fs, func(k string) string { return all[k] }, strings.NewReader(""), &warn)
	return s, warn.String(), err
}

// TestPrecedence sets each setting from each of its sources in turn and
// checks that flag > environment > profile > default, one layer at a time.
func TestPrecedence(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("sk_from_flag\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		get  func(*Settings) any
		def  any
		// Each source with the value the setting must then have; a source
		// the setting does not have is left zero.
		flag    []string
		flagVal any
		env     [2]string
		envVal  any
		prof    string
		profVal any
	}{
		{
			name: "provider", get: func(s *Settings) any { return s.Provider }, def: "",
			flag: []string{"--provider", "maple"}, flagVal: "maple",
			env: [2]string{"BILLCTL_PROVIDER", "meteroid"}, envVal: "meteroid",
			prof: "provider: maple", profVal: "maple",
		},
		{
			name: "base_url", get: func(s *Settings) any { return s.BaseURL }, def: "",
			flag: []string{"--base-url", "https://flag.example.com/"}, flagVal: "https://flag.example.com",
			env: [2]string{"BILLCTL_BASE_URL", "https://env.example.com"}, envVal: "https://env.example.com",
			prof: "base_url: https://profile.example.com", profVal: "https://profile.example.com",
		},
		{
			name: "company", get: func(s *Settings) any { return s.Company }, def: "",
			flag: []string{"--company", "cmp_flag"}, flagVal: "cmp_flag",
			env: [2]string{"BILLCTL_COMPANY", "cmp_env"}, envVal: "cmp_env",
			prof: "company: cmp_profile", profVal: "cmp_profile",
		},
		{
			name: "token", get: func(s *Settings) any { return s.Token }, def: "",
			flag: []string{"--token-file", tokenFile}, flagVal: "sk_from_flag",
			env: [2]string{"BILLCTL_TOKEN", "sk_from_env"}, envVal: "sk_from_env",
			prof: "token: sk_from_profile", profVal: "sk_from_profile",
		},
		{
			name: "output", get: func(s *Settings) any { return s.Output }, def: "table",
			flag: []string{"-o", "json"}, flagVal: "json",
			env: [2]string{"BILLCTL_OUTPUT", "yaml"}, envVal: "yaml",
			prof: "output: id", profVal: "id",
		},
		{
			name: "timeout", get: func(s *Settings) any { return s.Timeout }, def: 30 * time.Second,
			flag: []string{"--timeout", "5s"}, flagVal: 5 * time.Second,
			prof: "timeout: 2m", profVal: 2 * time.Minute,
		},
		{
			// A flag given with the default's value still wins over the profile.
			name: "timeout flag equal to default", get: func(s *Settings) any { return s.Timeout }, def: 30 * time.Second,
			flag: []string{"--timeout", "30s"}, flagVal: 30 * time.Second,
			prof: "timeout: 2m", profVal: 2 * time.Minute,
		},
		{
			name: "retries", get: func(s *Settings) any { return s.Retries }, def: 3,
			flag: []string{"--retries", "0"}, flagVal: 0,
			prof: "retries: 7", profVal: 7,
		},
		{
			name: "retries flag equal to default", get: func(s *Settings) any { return s.Retries }, def: 3,
			flag: []string{"--retries", "3"}, flagVal: 3,
			prof: "retries: 0", profVal: 0,
		},
		{
			name: "debug", get: func(s *Settings) any { return s.Debug }, def: false,
			flag: []string{"--debug"}, flagVal: true,
			env: [2]string{"BILLCTL_DEBUG", "1"}, envVal: true,
		},
		{
			name: "debug flag off over env on", get: func(s *Settings) any { return s.Debug }, def: false,
			flag: []string{"--debug=false"}, flagVal: false,
			env: [2]string{"BILLCTL_DEBUG", "1"}, envVal: true,
		},
		{
			name: "no_color", get: func(s *Settings) any { return s.NoColor }, def: false,
			flag: []string{"--no-color"}, flagVal: true,
			env: [2]string{"NO_COLOR", "anything"}, envVal: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := func(line string) string {
				return "current_profile: p\nprofiles:\n  p:\n    " + line + "\n"
			}
			check := func(t *testing.T, args []string, env map[string]string, line string, want any) {
				t.Helper()
				c := "current_profile: p\nprofiles:\n  p: {}\n"
				if line != "" {
					c = cfg(line)
				}
				s, _, err := resolveWith(t, args, env, c)
				if err != nil {
					t.Fatal(err)
				}
				if got := tt.get(s); got != want {
					t.Errorf("got %v, want %v", got, want)
				}
			}
			var env map[string]string
			if tt.env[0] != "" {
				env = map[string]string{tt.env[0]: tt.env[1]}
			}
			t.Run("default", func(t *testing.T) { check(t, nil, nil, "", tt.def) })
			if tt.prof != "" {
				t.Run("profile over default", func(t *testing.T) { check(t, nil, nil, tt.prof, tt.profVal) })
			}
			if tt.env[0] != "" {
				t.Run("env over profile", func(t *testing.T) { check(t, nil, env, tt.prof, tt.envVal) })
				below := tt.def
				if tt.prof != "" {
					below = tt.profVal
				}
				t.Run("empty env is unset", func(t *testing.T) {
					check(t, nil, map[string]string{tt.env[0]: ""}, tt.prof, below)
				})
			}
			t.Run("flag over env and profile", func(t *testing.T) { check(t, tt.flag, env, tt.prof, tt.flagVal) })
		})
	}
}

func TestProfileSelection(t *testing.T) {
	cfg := `current_profile: cur
profiles:
  cur: {base_url: "https://cur.example.com"}
  env: {base_url: "https://env.example.com"}
  flag: {base_url: "https://flag.example.com"}
`
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		cfg     string
		profile string
		url     string
	}{
		{"no file", nil, nil, "", "", ""},
		{"current_profile", nil, nil, cfg, "cur", "https://cur.example.com"},
		{"BILLCTL_PROFILE over current", nil, map[string]string{"BILLCTL_PROFILE": "env"}, cfg, "env", "https://env.example.com"},
		{"--profile over BILLCTL_PROFILE", []string{"--profile", "flag"}, map[string]string{"BILLCTL_PROFILE": "env"}, cfg, "flag", "https://flag.example.com"},
		{"--profile '' uses none", []string{"--profile", ""}, nil, cfg, "", ""},
		{"no current profile", nil, nil, "profiles:\n  a: {token: x}\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, err := resolveWith(t, tt.args, tt.env, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if s.Profile != tt.profile || s.BaseURL != tt.url {
				t.Errorf("profile %q base URL %q, want %q %q", s.Profile, s.BaseURL, tt.profile, tt.url)
			}
		})
	}
}

func TestDefaultBaseURLFollowsProvider(t *testing.T) {
	for _, p := range providers {
		provider, want := p.Name, p.DefaultBaseURL
		s, _, err := resolveWith(t, []string{"--provider", provider}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if s.BaseURL != want {
			t.Errorf("%s: base URL %q, want %q", provider, s.BaseURL, want)
		}
	}
}

func TestConfigPath(t *testing.T) {
	fsWith := func(args ...string) *pflag.FlagSet {
		fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
		AddFlags(fs, providers)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name string
		fs   *pflag.FlagSet
		env  map[string]string
		want string
	}{
		{"XDG", fsWith(), map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/xdg"}, "/xdg/billctl/config.yaml"},
		{"HOME", fsWith(), map[string]string{"HOME": "/home/u"}, "/home/u/.config/billctl/config.yaml"},
		{"relative XDG is ignored", fsWith(), map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "rel"}, "/home/u/.config/billctl/config.yaml"},
		{"nothing known", fsWith(), nil, ""},
		{"BILLCTL_CONFIG over default", fsWith(), map[string]string{"HOME": "/home/u", "BILLCTL_CONFIG": "/env.yaml"}, "/env.yaml"},
		{"--config over BILLCTL_CONFIG", fsWith("--config", "/flag.yaml"), map[string]string{"BILLCTL_CONFIG": "/env.yaml"}, "/flag.yaml"},
		{"nil flag set", nil, map[string]string{"BILLCTL_CONFIG": "/env.yaml"}, "/env.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ConfigPath(tt.fs, env(tt.env)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolveTokenFileStdin(t *testing.T) {
	fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
	AddFlags(fs, providers)
	if err := fs.Parse([]string{"--token-file", "-"}); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		return map[string]string{"BILLCTL_TOKEN": "sk_env", "BILLCTL_CONFIG": os.DevNull}[k]
	}
	s, err := Resolve(providers, fs, getenv, strings.NewReader("  sk_stdin_token\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != "sk_stdin_token" {
		t.Errorf("token %q", s.Token)
	}
}

func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	blank := filepath.Join(dir, "blank")
	twoLines := filepath.Join(dir, "two")
	_ = os.WriteFile(blank, []byte("\n"), 0o600)
	_ = os.WriteFile(twoLines, []byte("a\nb\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		cfg  string
		want []string
	}{
		{"unknown profile", []string{"--profile", "nope"}, nil, "profiles:\n  a: {}\n  b: {}\n",
			[]string{`profile "nope" not found in `, "(profiles: a, b)"}},
		{"unknown profile, empty file", nil, map[string]string{"BILLCTL_PROFILE": "prod"}, "",
			[]string{`profile "prod" not found`, "billctl profile add prod"}},
		{"current profile missing", nil, nil, "current_profile: gone\nprofiles:\n  a: {}\n",
			[]string{`profile "gone" not found`}},
		{"unknown provider from flag", []string{"--provider", "stripe"}, nil, "",
			[]string{`unknown provider "stripe" (from --provider): use ` + providers.join(" or ")}},
		{"unknown provider from env", nil, map[string]string{"BILLCTL_PROVIDER": "stripe"}, "",
			[]string{`(from BILLCTL_PROVIDER)`}},
		{"unknown provider from profile", nil, nil, "current_profile: p\nprofiles:\n  p: {provider: stripe}\n",
			[]string{`(from profile "p")`}},
		{"bad profile timeout", nil, nil, "current_profile: p\nprofiles:\n  p: {timeout: 30}\n",
			[]string{`profile "p": timeout: "30" is not a duration`}},
		{"negative profile timeout", nil, nil, "current_profile: p\nprofiles:\n  p: {timeout: -1s}\n",
			[]string{`profile "p": timeout`}},
		{"bad profile retries", nil, nil, "current_profile: p\nprofiles:\n  p: {retries: many}\n",
			[]string{"config file ", `profile "p": line 3: retries: want a whole number, got "many"`}},
		{"negative profile retries", nil, nil, "current_profile: p\nprofiles:\n  p: {retries: -1}\n",
			[]string{`profile "p": retries: -1 is negative`}},
		{"negative --retries", []string{"--retries", "-2"}, nil, "",
			[]string{"invalid retries -2 (from --retries)"}},
		{"negative --timeout", []string{"--timeout", "-1s"}, nil, "",
			[]string{"invalid timeout -1s (from --timeout)"}},
		{"bad output from env", nil, map[string]string{"BILLCTL_OUTPUT": "xml"}, "",
			[]string{`invalid output format "xml" (from BILLCTL_OUTPUT): use one of table, json, yaml, id, url`}},
		{"bad output from profile", nil, nil, "current_profile: p\nprofiles:\n  p: {output: xml}\n",
			[]string{`(from profile "p")`}},
		{"malformed file", nil, nil, "profiles: [unclosed\n",
			[]string{"config file ", "config.yaml: "}},
		{"unknown key", nil, nil, "current_profile: p\nprofiles:\n  p:\n    base-url: x\n",
			[]string{`profile "p": line 4: unknown key "base-url"`}},
		{"unknown top-level key", nil, nil, "current: p\n",
			[]string{`line 1: unknown key "current"`}},
		{"empty token file", []string{"--token-file", blank}, nil, "",
			[]string{"--token-file " + blank + ": the token is empty"}},
		{"two-line token file", []string{"--token-file", twoLines}, nil, "",
			[]string{"the token spans several lines"}},
		{"missing token file", []string{"--token-file", filepath.Join(dir, "none")}, nil, "",
			[]string{"no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := resolveWith(t, tt.args, tt.env, tt.cfg)
			if err == nil {
				t.Fatal("no error")
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Errorf("exit %d, want %d", code, exitcode.Usage)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestResolveUnreadableFile(t *testing.T) {
	dir := t.TempDir() // a directory where the file should be
	fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
	AddFlags(fs, providers)
	_, err := Resolve(providers, fs, func(k string) string { return map[string]string{"BILLCTL_CONFIG": dir}[k] }, nil, nil)
	if err == nil || exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "config file "+dir) {
		t.Fatalf("got %v", err)
	}
}

// The environment a Resolve reads is the one it is given, not the
// process's: a test or the factory decides.
func TestResolveReadsOnlyGetenv(t *testing.T) {
	t.Setenv("BILLCTL_PROVIDER", "maple")
	t.Setenv("BILLCTL_TOKEN", "sk_process_env")
	s, _, err := resolveWith(t, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Provider != "" || s.Token != "" {
		t.Errorf("process environment leaked in: provider %q token %q", s.Provider, s.Token)
	}
}
