package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestSaveEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := Save(path, &File{Profiles: map[string]*Profile{}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("empty file holds %q", b)
	}
	if err := Save("", &File{}); err == nil || !strings.Contains(err.Error(), "set HOME or XDG_CONFIG_HOME") {
		t.Errorf("no path: %v", err)
	}
}

// Settings that came from the environment or flags are not part of the
// File, so saving the file that Resolve read never writes them.
func TestEnvironmentTokenNeverSaved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := Save(path, &File{CurrentProfile: "p", Profiles: map[string]*Profile{"p": {Provider: "meteroid"}}}); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
	AddFlags(fs, providers)
	_ = fs.Parse([]string{"--company", "cmp_flag"})
	env := map[string]string{"BILLCTL_CONFIG": path, "BILLCTL_TOKEN": "sk_env_secret", "BILLCTL_BASE_URL": "https://env.example.com"}
	s, err := Resolve(providers, fs, func(k string) string { return env[k] }, nil, nil)
	if err != nil || s.Token != "sk_env_secret" {
		t.Fatalf("resolve: %v %+v", err, s)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for _, leak := range []string{"sk_env_secret", "env.example.com", "cmp_flag"} {
		if bytes.Contains(b, []byte(leak)) {
			t.Errorf("%q reached the file:\n%s", leak, b)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f, err := Load(filepath.Join(dir, "missing.yaml"))
	if err != nil || len(f.Profiles) != 0 || f.Profiles == nil {
		t.Errorf("missing file: %+v %v", f, err)
	}
	for _, body := range []string{"", "# only a comment\n", "current_profile:\nprofiles:\n", "profiles:\n  a:\n"} {
		if _, err := Load(write(body)); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
	f, err = Load(write("profiles:\n  a: {provider: meteroid, token: ~, retries: 2}\n"))
	if err != nil || f.Profiles["a"].Token != "" || *f.Profiles["a"].Retries != 2 {
		t.Errorf("nulls and numbers: %+v %v", f.Profiles["a"], err)
	}
	for body, want := range map[string]string{
		"- a\n":                            "want a mapping",
		"profiles: [a]\n":                  "profiles: want a mapping",
		"profiles:\n  a: [x]\n":            `profile "a": line 2: want a mapping of settings`,
		"profiles:\n  a: {token: [x]}\n":   `profile "a": line 2: token: want a single value`,
		"profiles:\n  a: {}\n  a: {}\n":    `profile "a" is defined twice`,
		"current_profile: [a]\n":           "current_profile: want a profile name",
		"profiles:\n  a: {retries: 1.5}\n": "retries: want a whole number",
	} {
		_, err := Load(write(body))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "config file "+filepath.Join(dir, "c.yaml")) {
			t.Errorf("%q: got %v, want %q", body, err, want)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"short":                        "********",
		"sk_live_123456":               "********",
		"sk_live_abcdefghijklmnop1234": "****1234",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"prod", "local-8080", "a.b_c", "1st"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", "a b", "a/b", "é", "a:b"} {
		if err := ValidName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
