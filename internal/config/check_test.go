package config

import (
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
)

func TestCheckBaseURL(t *testing.T) {
	ok := []string{
		"https://api.meteroid.com",
		"https://api.example.com:8443/prefix",
		"http://localhost:8080",
		"http://LOCALHOST",
		"http://127.0.0.1:8080",
		"http://127.9.9.9",
		"http://[::1]:8080",
		"http://[::1]",
		"HTTP://127.0.0.1",
		"https://[2001:db8::1]:443",
	}
	for _, u := range ok {
		if err := CheckBaseURL(u, ""); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	refused := map[string]string{
		"http://api.meteroid.com":       "refusing plain http:// to api.meteroid.com",
		"http://10.0.0.1:8080":          "refusing plain http:// to 10.0.0.1",
		"http://0.0.0.0:8080":           "refusing plain http:// to 0.0.0.0",
		"http://[::2]:8080":             "refusing plain http:// to [::2]",
		"http://[fe80::1]":              "refusing plain http:// to [fe80::1]",
		"http://localhost.evil.com":     "refusing plain http://",
		"http://127.0.0.1.nip.io":       "refusing plain http://",
		"http://user:pw@localhost:8080": "must not hold a user or password",
		"https://localhost/?x=1":        "without query or fragment",
		"api.meteroid.com":              "invalid base URL",
		"ftp://localhost":               "invalid base URL",
		"http://:8080":                  "invalid base URL",
		"https://":                      "invalid base URL",
		"http://[::1":                   "invalid base URL",
	}
	for u, want := range refused {
		err := CheckBaseURL(u, " (from --base-url)")
		if err == nil {
			t.Errorf("%s: accepted", u)
			continue
		}
		if exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%s: exit %d", u, exitcode.Code(err))
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "(from --base-url)") {
			t.Errorf("%s: %q lacks %q and the source", u, err, want)
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: the password is in the message: %q", u, err)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want string
	}{
		{"meteroid", Settings{Providers: providers, Provider: "meteroid", BaseURL: "https://api.meteroid.com"}, ""},
		{"maple", Settings{Providers: providers, Provider: "maple", Company: "cmp_1", BaseURL: "https://api.maplebilling.com"}, ""},
		{"local meteroid", Settings{Providers: providers, Provider: "meteroid", BaseURL: "http://127.0.0.1:8080"}, ""},
		{"no base URL is the default", Settings{Providers: providers, Provider: "meteroid"}, ""},
		{"no provider", Settings{Providers: providers}, "no provider: pass --provider " + providers.join("|")},
		{"unknown provider", Settings{Providers: providers, Provider: "stripe"}, `unknown provider "stripe"`},
		{"maple without company", Settings{Providers: providers, Provider: "maple"}, "maple needs a company ID"},
		{"maple company not cmp_", Settings{Providers: providers, Provider: "maple", Company: "acme"}, `company "acme" is not a Maple company ID: it starts with cmp_`},
		{"maple company bare prefix", Settings{Providers: providers, Provider: "maple", Company: "cmp_"}, "is not a Maple company ID"},
		{"maple company with a slash", Settings{Providers: providers, Provider: "maple", Company: "cmp_1/../cmp_2"}, `holds "/"`},
		{"maple company with ..", Settings{Providers: providers, Provider: "maple", Company: "cmp_1..2"}, `holds ".."`},
		{"maple company with a query", Settings{Providers: providers, Provider: "maple", Company: "cmp_1?x"}, `holds "?"`},
		{"maple company with a control character", Settings{Providers: providers, Provider: "maple", Company: "cmp_1\x1b"}, "control character"},
		{"remote http", Settings{Providers: providers, Provider: "meteroid", BaseURL: "http://192.168.1.5:8080"}, "refusing plain http:// to 192.168.1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if exitcode.Code(err) != exitcode.Usage {
				t.Errorf("exit %d", exitcode.Code(err))
			}
		})
	}
}

func TestCheckNamesTheSource(t *testing.T) {
	s, _, err := resolveWith(t, nil, map[string]string{"BILLCTL_PROVIDER": "meteroid"},
		"current_profile: p\nprofiles:\n  p: {base_url: \"http://example.com\"}\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), `(from profile "p")`) {
		t.Fatalf("got %v", err)
	}
}

func TestRequireToken(t *testing.T) {
	if err := (&Settings{Providers: providers, Token: "sk"}).RequireToken(); err != nil {
		t.Fatal(err)
	}
	err := (&Settings{Providers: providers, Provider: "maple"}).RequireToken()
	if exitcode.Code(err) != exitcode.Auth {
		t.Fatalf("exit %d", exitcode.Code(err))
	}
	for _, want := range []string{"no API token", "billctl profile add NAME --provider maple", "BILLCTL_TOKEN", "--token-file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	err = (&Settings{Providers: providers, Provider: "meteroid", Profile: "dev"}).RequireToken()
	if exitcode.Code(err) != exitcode.Auth || !strings.Contains(err.Error(), `profile "dev" has none`) {
		t.Errorf("got %v", err)
	}
}

// A provider the local sandbox does not speak is refused with --sandbox
// when settings are resolved, exit 2, before any request; without
// --provider the sandbox takes the first provider it speaks.
func TestSandboxRefusesProviderWithoutSandboxSide(t *testing.T) {
	c := Catalogue{{Name: "plain", DefaultBaseURL: "https://api.example.com"}, {Name: "spoken", DefaultBaseURL: "https://api.example.org", Sandbox: true}}
	s := &Settings{Providers: c, Provider: "plain", origins: map[string]string{}}
	err := s.toSandbox(func(string) string { return "" }, func(string) string { return "--provider" })
	if err == nil || exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "no plain side") || !strings.Contains(err.Error(), "spoken") {
		t.Fatalf("--sandbox --provider plain: %v (exit %d), want a usage error naming spoken", err, exitcode.Code(err))
	}
	s = &Settings{Providers: c, origins: map[string]string{}}
	if err := s.toSandbox(func(string) string { return "" }, func(string) string { return "default" }); err != nil || s.Provider != "spoken" {
		t.Fatalf("--sandbox alone: provider %q, %v; want spoken", s.Provider, err)
	}
}
