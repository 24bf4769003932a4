// Package config resolves the settings of one invocation (flag >
// environment > profile > defaults) and keeps the profiles file.
package config

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/sandbox/endpoint"
)

// Settings is what one invocation runs with. Token is a secret: never print it.
type Settings struct {
	ConfigPath string
	Profile    string
	Provider   string
	BaseURL    string
	Company    string
	Token      string
	Output     string
	Timeout    time.Duration
	Retries    int
	Debug      bool
	NoColor    bool
	// Sandbox: the local sandbox answers, not an account (--sandbox).
	Sandbox bool
	// Providers is the catalogue the settings were resolved against.
	Providers Catalogue

	// origins says where a value came from ("--base-url",
	// "BILLCTL_BASE_URL", `profile "prod"`), so that a refusal points at
	// the thing to change.
	origins map[string]string
}

// OutputFormats are the values -o accepts here. "curl" is only meaningful
// for a dry run; the command that has one decides whether to allow it.
var OutputFormats = append(slices.Clone(format.Results), format.DryRunOnly...)

// The defaults of the settings table.
const (
	DefaultOutput  = format.Table
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 3
)

// AddFlags registers the persistent flags of the settings table, the
// providers of c in their help.
func AddFlags(fs *pflag.FlagSet, c Catalogue) {
	fs.String("profile", "", "profile of the config file to use")
	fs.String("provider", "", "API shape: "+c.join(" or "))
	fs.String("base-url", "", "API root, without /api/v1")
	fs.String("company", "", tenantUsage(c))
	fs.String("token-file", "", "read the API token from this file (- for stdin)")
	// The list is the formats', so a new format shows here by itself.
	fs.StringP("output", "o", "", "output format: "+strings.Join(format.Results, ", ")+"; "+strings.Join(format.DryRunOnly, ", ")+" with --dry-run")
	fs.Duration("timeout", DefaultTimeout, "time limit per attempt, reading the answer included; all attempts of a request, with the pauses between them, get timeout × (retries+1)")
	fs.Int("retries", DefaultRetries, "retries after the first attempt, for 429, 502, 503, 504 and connection failures (0 = one attempt)")
	fs.Bool("debug", false, "log HTTP requests and responses on stderr, secrets redacted")
	fs.String("config", "", "config file (default $XDG_CONFIG_HOME/billctl/config.yaml)")
	fs.Bool("no-color", false, "plain output without colour")
	fs.Bool("sandbox", false, "run against the local sandbox (billctl sandbox --help): no account, no token, no network")
}

// binding ties a setting to its flag and environment variable (either may
// be absent).
type binding struct{ key, flag, env string }

var bindings = []binding{
	{"config", "config", "BILLCTL_CONFIG"},
	{"profile", "profile", "BILLCTL_PROFILE"},
	{"provider", "provider", "BILLCTL_PROVIDER"},
	{"base_url", "base-url", "BILLCTL_BASE_URL"},
	{"company", "company", "BILLCTL_COMPANY"},
	{"output", "output", "BILLCTL_OUTPUT"},
	{"timeout", "timeout", ""},
	{"retries", "retries", ""},
	{"debug", "debug", "BILLCTL_DEBUG"},
	{"no_color", "no-color", "NO_COLOR"},
	{"sandbox", "sandbox", "BILLCTL_SANDBOX"},
}

// given is a setting as the invocation itself states it: its flag when the
// flag was passed, else its environment variable. It is bound to viper as
// the flag layer, which viper consults before its config layer (the
// profile) and its defaults. Viper's own environment layer is not used
// because it reads the process environment directly; going through getenv
// keeps the caller (the factory, a test) in charge of what the environment
// holds, with the flag still winning over the variable.
type given struct {
	key    string
	kind   string // the flag's type, so viper converts the value alike
	set    bool
	value  string
	def    string
	source string // "--base-url" or "BILLCTL_BASE_URL"
}

func (g given) HasChanged() bool { return g.set }
func (g given) Name() string     { return g.key }
func (g given) ValueType() string {
	if g.kind == "" {
		return "string"
	}
	return g.kind
}
func (g given) ValueString() string {
	if g.set {
		return g.value
	}
	return g.def
}

// newViper builds the flag and default layers of one invocation; the
// profile is merged in later as the config layer. The token file is read
// here because its content, not its path, is the setting.
func newViper(fs *pflag.FlagSet, getenv func(string) string, stdin io.Reader, readToken bool) (*viper.Viper, map[string]given, error) {
	v := viper.New()
	v.SetDefault("output", DefaultOutput)
	v.SetDefault("timeout", DefaultTimeout)
	v.SetDefault("retries", DefaultRetries)
	v.SetDefault("config", DefaultPath(getenv))
	all := make(map[string]given, len(bindings)+1)
	for _, b := range bindings {
		g := given{key: b.key}
		f := lookup(fs, b.flag)
		if f != nil {
			g.kind, g.def = f.Value.Type(), f.DefValue
		}
		switch {
		case f != nil && f.Changed:
			g.set, g.value, g.source = true, f.Value.String(), "--"+b.flag
		case b.env != "":
			if val := envValue(b.key, getenv(b.env)); val != "" {
				g.set, g.value, g.source = true, val, b.env
			}
		}
		all[b.key] = g
	}
	tok := given{key: "token"}
	if f := lookup(fs, "token-file"); readToken && f != nil && f.Changed && f.Value.String() != "" {
		t, err := ReadTokenFile(f.Value.String(), stdin)
		if err != nil {
			return nil, nil, err
		}
		tok.set, tok.value, tok.source = true, t, "--token-file"
	} else if t := getenv("BILLCTL_TOKEN"); t != "" {
		tok.set, tok.value, tok.source = true, t, "BILLCTL_TOKEN"
	}
	all["token"] = tok
	for key, g := range all {
		if err := v.BindFlagValue(key, g); err != nil {
			return nil, nil, err
		}
	}
	return v, all, nil
}

func lookup(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil {
		return nil
	}
	return fs.Lookup(name)
}

// envValue reads a variable the way its convention says: NO_COLOR is on
// whenever set (no-color.org), BILLCTL_DEBUG takes 1/true/0/false and any
// other non-empty value as on.
func envValue(key, val string) string {
	if val == "" {
		return ""
	}
	switch key {
	case "no_color":
		return "true"
	case "debug":
		if b, err := strconv.ParseBool(val); err == nil {
			return strconv.FormatBool(b)
		}
		return "true"
	}
	return val
}

// ReadTokenFile reads a token from a file or, for "-", from stdin, as
// CleanToken accepts it.
func ReadTokenFile(path string, stdin io.Reader) (string, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		if stdin == nil {
			return "", exitcode.Usagef("--token-file -: no standard input")
		}
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", exitcode.Usagef("--token-file %s: %v", path, unwrapPath(err))
	}
	return CleanToken(string(b), "--token-file "+path)
}

// CleanToken trims a token read from a file, a pipe or a prompt and
// refuses one that is empty or spans several lines; from names the source
// for the message. Only surrounding white space is dropped (the newline of
// `echo`): a line break inside would make an invalid Authorization header.
func CleanToken(raw, from string) (string, error) {
	t := strings.TrimSpace(raw)
	if t == "" {
		return "", exitcode.Usagef("%s: the token is empty", from)
	}
	if strings.ContainsAny(t, "\r\n") {
		return "", exitcode.Usagef("%s: the token spans several lines; give one token on one line", from)
	}
	return t, nil
}

// ConfigPath is the config file of this invocation: --config, else
// BILLCTL_CONFIG, else DefaultPath. It is "" when no place is known.
func ConfigPath(fs *pflag.FlagSet, getenv func(string) string) string {
	v, _, _ := newViper(fs, getenv, nil, false)
	if p := v.GetString("config"); p != "" {
		return p
	}
	return DefaultPath(getenv)
}

// Resolve computes the settings of this invocation with a fresh viper:
// flags (and --token-file), then BILLCTL_* variables, then the selected
// profile of the config file, then defaults, for a provider of c. A config
// file that others can read is reported on warn (stderr) and made private.
func Resolve(c Catalogue, fs *pflag.FlagSet, getenv func(string) string, stdin io.Reader, warn io.Writer) (*Settings, error) {
	v, flagEnv, err := newViper(fs, getenv, stdin, true)
	if err != nil {
		return nil, err
	}
	s := &Settings{ConfigPath: v.GetString("config"), Providers: c}
	if s.ConfigPath == "" {
		s.ConfigPath = DefaultPath(getenv)
	}
	if err := CheckFile(s.ConfigPath, warn); err != nil {
		return nil, err
	}
	file, err := Load(s.ConfigPath)
	if err != nil {
		return nil, err
	}
	if file.CurrentProfile != "" {
		if err := v.MergeConfigMap(map[string]any{"profile": file.CurrentProfile}); err != nil {
			return nil, err
		}
	}
	s.Profile = v.GetString("profile")
	var layer map[string]any
	if s.Profile != "" {
		p, ok := file.Profiles[s.Profile]
		if !ok {
			return nil, file.NotFound(s.Profile, s.ConfigPath, c)
		}
		if layer, err = profileLayer(s.Profile, p); err != nil {
			return nil, err
		}
		if err := v.MergeConfigMap(layer); err != nil {
			return nil, err
		}
	}
	origin := func(key string) string {
		if g := flagEnv[key]; g.set {
			return g.source
		}
		if _, ok := layer[key]; ok {
			return fmt.Sprintf("profile %q", s.Profile)
		}
		return "default"
	}
	s.origins = map[string]string{}
	for _, key := range []string{"provider", "base_url", "company", "token"} {
		s.origins[key] = origin(key)
	}

	s.Provider = strings.ToLower(strings.TrimSpace(v.GetString("provider")))
	if s.Provider != "" && c.Get(s.Provider) == nil {
		return nil, exitcode.FlagUsagef("unknown provider %q (from %s): use %s", s.Provider, origin("provider"), c.join(" or "))
	}
	s.BaseURL = strings.TrimRight(strings.TrimSpace(v.GetString("base_url")), "/")
	if s.BaseURL == "" {
		if p := c.Get(s.Provider); p != nil {
			s.BaseURL = p.DefaultBaseURL
		}
		s.origins["base_url"] = "default"
	}
	s.Company = strings.TrimSpace(v.GetString("company"))
	if s.Sandbox = v.GetBool("sandbox"); s.Sandbox {
		if err := s.toSandbox(getenv, origin); err != nil {
			return nil, err
		}
	} else if s.Token, err = NormalToken(v.GetString("token"), origin("token"), warn); err != nil {
		return nil, err
	}

	s.Output = v.GetString("output")
	if s.Output == "" {
		// An explicit empty -o "" or BILLCTL_OUTPUT= means the default.
		s.Output = DefaultOutput
	}
	if !slices.Contains(OutputFormats, s.Output) {
		return nil, exitcode.FlagUsagef("invalid output format %q (from %s): use one of %s", s.Output, origin("output"), strings.Join(format.Results, ", "))
	}
	s.Timeout = v.GetDuration("timeout")
	if s.Timeout < 0 {
		return nil, exitcode.Usagef("invalid timeout %s (from %s): it must not be negative", s.Timeout, origin("timeout"))
	}
	s.Retries = v.GetInt("retries")
	if s.Retries < 0 {
		return nil, exitcode.Usagef("invalid retries %d (from %s): use 0 to disable retries", s.Retries, origin("retries"))
	}
	s.Debug = v.GetBool("debug")
	s.NoColor = v.GetBool("no_color")
	return s, nil
}

// profileLayer is a profile as viper's config layer, with its timeout and
// retries checked and converted: a bad value names the profile and the key.
func profileLayer(name string, p *Profile) (map[string]any, error) {
	m := map[string]any{}
	for key, val := range map[string]string{
		"provider": p.Provider,
		"base_url": p.BaseURL,
		"company":  p.Company,
		"token":    p.Token,
		"output":   p.Output,
	} {
		if val != "" {
			m[key] = val
		}
	}
	if p.Timeout != "" {
		d, err := time.ParseDuration(p.Timeout)
		if err != nil || d < 0 {
			return nil, exitcode.Usagef("profile %q: timeout: %q is not a duration such as 30s or 2m", name, p.Timeout)
		}
		m["timeout"] = d
	}
	if p.Retries != nil {
		if *p.Retries < 0 {
			return nil, exitcode.Usagef("profile %q: retries: %d is negative; use 0 to disable retries", name, *p.Retries)
		}
		m["retries"] = *p.Retries
	}
	return m, nil
}

// Secret is the token as output must hide it: "" for the sandbox's
// placeholder (endpoint.Token, which every sandbox takes and the help
// prints), which is no secret, else the token itself.
func (s *Settings) Secret() string {
	if s.Token == endpoint.Token {
		return ""
	}
	return s.Token
}

// from is " (from SOURCE)" for a setting Resolve produced, "" otherwise.
func (s *Settings) from(key string) string {
	if o := s.origins[key]; o != "" {
		return " (from " + o + ")"
	}
	return ""
}

// tenantUsage is the help of --company: what each provider that addresses
// requests to a tenant calls it.
func tenantUsage(c Catalogue) string {
	var parts []string
	for _, d := range c {
		if d.Tenant != nil {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", titleCase(d.Name), d.Tenant.What, d.Tenant.Example))
		}
	}
	return strings.Join(parts, "; ")
}

// titleCase is name with its first letter upper-cased, as prose names a
// provider.
func titleCase(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// toSandbox points s at the local sandbox: its address, a token it takes,
// the first-ranked provider unless --provider or BILLCTL_PROVIDER names
// one, and the demo tenant unless one is given on the command line or in
// the environment. A profile describes a real account: the sandbox takes
// none of its account settings, its provider included, so that a profile
// cannot half-apply (its provider without its company).
//
// A provider the sandbox does not speak is refused here, before anything
// is sent: the sandbox would answer it with a page of its own.
func (s *Settings) toSandbox(getenv func(string) string, origin func(string) string) error {
	var with []string
	for _, p := range s.Providers {
		if p.Sandbox {
			with = append(with, p.Name)
		}
	}
	if len(with) == 0 {
		return exitcode.FlagUsagef("--sandbox: no provider has a local sandbox")
	}
	if s.Provider == "" || strings.HasPrefix(origin("provider"), "profile") {
		s.Provider = with[0]
		s.origins["provider"] = "--sandbox"
	}
	if p := s.Providers.Get(s.Provider); p != nil && !p.Sandbox {
		return exitcode.FlagUsagef("--sandbox: the local sandbox has no %s side (from %s): it answers as %s", s.Provider, origin("provider"), strings.Join(with, " or "))
	}
	s.BaseURL = endpoint.BaseURL(getenv)
	s.origins["base_url"] = "--sandbox"
	s.Token = endpoint.ClientToken(getenv)
	s.origins["token"] = "--sandbox"
	if d := s.Providers.Get(s.Provider); d != nil && d.Tenant != nil {
		if o := origin("company"); s.Company == "" || strings.HasPrefix(o, "profile") {
			s.Company = d.SandboxTenant
			s.origins["company"] = "--sandbox"
		}
	} else {
		s.Company = ""
	}
	return nil
}
