package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/lockfile"
)

// Profile is one account in the config file. Timeout is kept as the text
// the user wrote (a Go duration) so that a bad value can be reported with
// the profile's name when the profile is used, not when the file is read.
type Profile struct {
	Provider string `yaml:"provider,omitempty"`
	BaseURL  string `yaml:"base_url,omitempty"`
	Company  string `yaml:"company,omitempty"`
	Token    string `yaml:"token,omitempty"`
	Output   string `yaml:"output,omitempty"`
	Timeout  string `yaml:"timeout,omitempty"`
	Retries  *int   `yaml:"retries,omitempty"`
}

// File is the config file. It is the only thing ever written to disk, so
// that values from flags or the environment (a CI token) never end up there.
type File struct {
	CurrentProfile string              `yaml:"current_profile,omitempty"`
	Profiles       map[string]*Profile `yaml:"profiles,omitempty"`
}

// Names lists the profiles in a stable order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NotFound is the error for a profile name the file does not hold; it lists
// what the file does hold, so the fix is in the message (or, for an empty
// file, how to add a profile for one of providers).
func (f *File) NotFound(name, path string, providers Catalogue) error {
	if len(f.Profiles) == 0 {
		return exitcode.Usagef("profile %q not found: %s has no profiles; add one with `billctl profile add %s --provider %s`", name, path, name, providers.join("|"))
	}
	return exitcode.Usagef("profile %q not found in %s (profiles: %s)", name, path, strings.Join(f.Names(), ", "))
}

// ValidName refuses profile names that would be awkward on a command line
// or in YAML: it takes ^[A-Za-z0-9][A-Za-z0-9._-]*$.
func ValidName(name string) error {
	ok := name != ""
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return exitcode.Usagef("invalid profile name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	return nil
}

// DefaultPath is where the config file lives unless --config or
// BILLCTL_CONFIG says otherwise: $XDG_CONFIG_HOME/billctl/config.yaml, else
// ~/.config/billctl/config.yaml. It is "" when neither variable is set.
func DefaultPath(getenv func(string) string) string {
	// The XDG specification says relative values are to be ignored.
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "billctl", "config.yaml")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "billctl", "config.yaml")
	}
	return ""
}

// Load reads the config file; a missing file is an empty one. Errors name
// the file and exit with status 2.
func Load(path string) (*File, error) {
	f := &File{Profiles: map[string]*Profile{}}
	if path == "" {
		return f, nil
	}
	// A FIFO would wait for a writer and a device may never end: only a
	// regular file is read, and /dev/null, the usual way to say "no file".
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		if path == os.DevNull {
			return f, nil
		}
		return nil, exitcode.Usagef("config file %s is %s, not a regular file: pass --config PATH (or set BILLCTL_CONFIG) to a file", path, kind(info.Mode()))
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, exitcode.Usagef("config file %s: %v", path, unwrapPath(err))
	}
	if err := yaml.Unmarshal(b, f); err != nil {
		return nil, exitcode.Usagef("config file %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if f.Profiles == nil {
		f.Profiles = map[string]*Profile{}
	}
	return f, nil
}

// unwrapPath drops the path from an *fs.PathError, since the message
// already names the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// UnmarshalYAML reads the file strictly: a misspelt key (base-url for
// base_url) would otherwise be dropped silently and requests would go to
// the default API.
func (f *File) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping with current_profile and profiles", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "current_profile":
			if v.Tag == "!!null" {
				continue
			}
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: current_profile: want a profile name", v.Line)
			}
			f.CurrentProfile = v.Value
		case "profiles":
			if v.Tag == "!!null" {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: profiles: want a mapping of profile names to settings", v.Line)
			}
			f.Profiles = make(map[string]*Profile, len(v.Content)/2)
			for j := 0; j+1 < len(v.Content); j += 2 {
				name, body := v.Content[j].Value, v.Content[j+1]
				if _, dup := f.Profiles[name]; dup {
					return fmt.Errorf("line %d: profile %q is defined twice", v.Content[j].Line, name)
				}
				p := &Profile{}
				if err := p.UnmarshalYAML(body); err != nil {
					return fmt.Errorf("profile %q: %w", name, err)
				}
				f.Profiles[name] = p
			}
		default:
			return fmt.Errorf("line %d: unknown key %q (known: current_profile, profiles)", k.Line, k.Value)
		}
	}
	return nil
}

// UnmarshalYAML reads one profile, naming the key of any bad value.
func (p *Profile) UnmarshalYAML(n *yaml.Node) error {
	if n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping of settings (provider, base_url, company, token, output, timeout, retries)", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		null := v.Tag == "!!null"
		var dst *string
		switch k.Value {
		case "provider":
			dst = &p.Provider
		case "base_url":
			dst = &p.BaseURL
		case "company":
			dst = &p.Company
		case "token":
			dst = &p.Token
		case "output":
			dst = &p.Output
		case "timeout":
			dst = &p.Timeout
		case "retries":
			if null {
				continue
			}
			r, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				return fmt.Errorf("line %d: retries: want a whole number, got %q", v.Line, v.Value)
			}
			p.Retries = &r
			continue
		default:
			return fmt.Errorf("line %d: unknown key %q (known: provider, base_url, company, token, output, timeout, retries)", k.Line, k.Value)
		}
		if null {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: want a single value", v.Line, k.Value)
		}
		*dst = v.Value
	}
	return nil
}

// Update is the read-modify-write of the config file: it locks the file
// (a lock file beside it), checks and reads it, lets change edit the
// profiles and writes them back. Two billctl run at the same moment (two
// terminals, a script adding profiles in parallel) take turns, so no change
// is ever lost. A change that returns an error leaves the file as it was.
func Update(path string, warn io.Writer, change func(*File) error) error {
	target, err := writeTarget(path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return fmt.Errorf("config file %s: %w", path, unwrapPath(err))
	}
	release, err := lockfile.Lock(target)
	if err != nil {
		return exitcode.Usagef("config file %s: %v", path, err)
	}
	defer release()
	if err := CheckFile(path, warn); err != nil {
		return err
	}
	f, err := Load(target)
	if err != nil {
		return err
	}
	if err := change(f); err != nil {
		return err
	}
	return save(path, target, f)
}

// writeTarget is the file that writing path replaces: path itself, or the
// file a symbolic link at path leads to (a dotfiles manager), so that the
// link is kept and the target replaced atomically. Only a regular file, or
// none yet, is ever replaced: BILLCTL_CONFIG=/dev/null, a FIFO or a socket
// must not become a file holding tokens, and a dangling link is reported
// rather than replaced by a file.
func writeTarget(path string) (string, error) {
	if path == "" {
		return "", exitcode.Usagef("no place for the config file: set HOME or XDG_CONFIG_HOME, or pass --config PATH")
	}
	target := path
	if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(path)
		if err != nil {
			dest, _ := os.Readlink(path)
			return "", exitcode.Usagef("config file %s is a symbolic link to %s, which does not exist: create the file it points to (touch %s) or remove the link, then try again", path, dest, dest)
		}
		target = t
	}
	info, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return target, nil
	case err != nil:
		return "", exitcode.Usagef("config file %s: %v", path, unwrapPath(err))
	case !info.Mode().IsRegular():
		return "", exitcode.Usagef("config file %s is %s, not a regular file: billctl writes profiles only to a regular file; pass --config PATH (or set BILLCTL_CONFIG) to a file", path, kind(info.Mode()))
	}
	return target, nil
}

// kind names a file type that is not a regular file, for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// save writes f to target with mode 0600, creating its directory with mode
// 0700. The file is written beside its final place and renamed over it, so
// a crash or a full disk never leaves half a file, and a concurrent reader
// sees either the old profiles or the new ones. path is what the user
// named, for messages.
func save(path, target string, f *File) error {
	var body bytes.Buffer
	if len(f.Profiles) > 0 || f.CurrentProfile != "" { // else yaml writes "{}"
		enc := yaml.NewEncoder(&body)
		enc.SetIndent(2)
		if err := enc.Encode(f); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config file %s: %w", path, unwrapPath(err))
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, unwrapPath(err))
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; say so anyway, whatever the umask.
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if _, err := tmp.Write(body.Bytes()); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	done = true
	return nil
}

// CheckFile is ssh's StrictModes for the config file, which decides where
// the token is sent: a file that another user owns, or that group or
// others can write, is refused, since whoever can change it can point
// base_url at a server of theirs. A directory on its path that others can
// write (and that is not sticky like /tmp) gets a warning on warn
// (stderr): someone could replace the file. A file that others can only
// read is made private, with a warning. Only regular files are checked, so
// BILLCTL_CONFIG=/dev/null stays a way to run without profiles.
func CheckFile(path string, warn io.Writer) error {
	// Windows has no such mode bits (Go reports 0666 for every writable
	// file); the user's profile directory is private by its ACL instead.
	if path == "" || runtime.GOOS == "windows" {
		return nil
	}
	if warn == nil {
		warn = io.Discard
	}
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return nil // Load reports what is wrong with it
	}
	if err := strict(path, info, myUID()); err != nil {
		return err
	}
	warnDirs(path, warn)
	tighten(path, info.Mode().Perm(), warn)
	return nil
}

// strict refuses a file that uid (this user) should not trust.
func strict(path string, info fs.FileInfo, uid int) error {
	if o, ok := owner(info); ok && o != uid && o != 0 {
		return exitcode.Usagef("config file %s belongs to another user (uid %d), who could send your token anywhere by changing it: use a file of your own (--config PATH), or take it over with: sudo chown %d %s && chmod 600 %s", path, o, uid, path, path)
	}
	if mode := info.Mode().Perm(); mode&0o022 != 0 {
		return exitcode.Usagef("config file %s has mode %04o: other users can change it and send your token to a server of theirs; make it yours alone with: chmod 600 %s", path, mode, path)
	}
	return nil
}

// warnDirs warns about each directory on path's way that others can
// write: they can rename the config file away and put their own there.
func warnDirs(path string, warn io.Writer) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if info, err := os.Stat(dir); err == nil {
			m := info.Mode()
			if m.Perm()&0o002 != 0 && m&fs.ModeSticky == 0 {
				fmt.Fprintf(warn, "warning: directory %s, which holds config file %s, can be changed by any user (mode %04o), who could replace the file; fix it with: chmod o-w %s\n", dir, path, m.Perm(), dir)
			}
		}
		if parent := filepath.Dir(dir); parent == dir {
			return
		}
	}
}

// tighten changes mode to 0600 when others can read. A failure to change it
// is a warning: the file can still be read, and refusing to run would not
// protect it.
func tighten(path string, mode fs.FileMode, warn io.Writer) {
	if mode&0o077 == 0 {
		return
	}
	if err := os.Chmod(path, 0o600); err != nil {
		fmt.Fprintf(warn, "warning: config file %s has mode %04o, which gives other users access to its tokens, and it could not be changed: %v\n", path, mode, unwrapPath(err))
		return
	}
	fmt.Fprintf(warn, "warning: config file %s had mode %04o, which gave other users access to its tokens; changed it to 0600\n", path, mode)
}

// Mask shows enough of a token to tell two apart, never the token: its
// last four characters, and only when it is long enough for them to give
// little away.
func Mask(token string) string {
	if token == "" {
		return ""
	}
	r := []rune(token)
	if len(r) < 16 {
		return "********"
	}
	return "****" + string(r[len(r)-4:])
}
