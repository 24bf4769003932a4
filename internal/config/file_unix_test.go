//go:build unix

package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/pflag"
)

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestSaveModesAndRoundTrip(t *testing.T) {
	// A permissive umask must not loosen what Save writes.
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	dir := filepath.Join(t.TempDir(), "a", "billctl")
	path := filepath.Join(dir, "config.yaml")
	three := 3
	want := &File{
		CurrentProfile: "prod",
		Profiles: map[string]*Profile{
			"prod":  {Provider: "maple", Company: "cmp_2MkGNwZq", Token: "sk: with # yaml: chars"},
			"local": {Provider: "meteroid", BaseURL: "http://127.0.0.1:8080", Token: "t", Timeout: "2m", Retries: &three, Output: "json"},
		},
	}
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	if p := perm(t, path); p != 0o600 {
		t.Errorf("file mode %04o, want 0600", p)
	}
	for d := dir; d != filepath.Dir(filepath.Dir(dir)); d = filepath.Dir(d) {
		if p := perm(t, d); p != 0o700 {
			t.Errorf("%s: mode %04o, want 0700", d, p)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip: got %+v, want %+v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// Saving again over a file that was loosened leaves it 0600.
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	if p := perm(t, path); p != 0o600 {
		t.Errorf("after a second save: mode %04o, want 0600", p)
	}
}

func TestSaveKeepsASymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "billctl.yaml")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := Save(link, &File{CurrentProfile: "a", Profiles: map[string]*Profile{"a": {Provider: "meteroid"}}}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", info, err)
	}
	b, _ := os.ReadFile(real)
	if !strings.Contains(string(b), "current_profile: a") {
		t.Errorf("the link's target holds %q", b)
	}
}

func TestCheckFileTightens(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	if err := CheckFile(path, &warn); err != nil {
		t.Fatal(err)
	}
	if warn.Len() != 0 {
		t.Errorf("a private file was reported: %q", warn.String())
	}
	for _, loose := range []os.FileMode{0o644, 0o640, 0o604, 0o400 | 0o044} {
		if err := os.Chmod(path, loose); err != nil {
			t.Fatal(err)
		}
		warn.Reset()
		if err := CheckFile(path, &warn); err != nil {
			t.Fatal(err)
		}
		if p := perm(t, path); p != 0o600 {
			t.Errorf("%04o: now %04o, want 0600", loose, p)
		}
		if !strings.Contains(warn.String(), "warning: config file "+path) || !strings.Contains(warn.String(), "changed it to 0600") {
			t.Errorf("%04o: warning %q", loose, warn.String())
		}
	}
	// Not a regular file, or none at all: left alone, silently.
	warn.Reset()
	for _, p := range []string{os.DevNull, filepath.Join(dir, "missing"), ""} {
		if err := CheckFile(p, &warn); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	if warn.Len() != 0 {
		t.Errorf("warned: %q", warn.String())
	}
}

func TestResolveTightensTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("profiles:\n  a: {token: sk_x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("billctl", pflag.ContinueOnError)
	AddFlags(fs, providers)
	var warn bytes.Buffer
	if _, err := Resolve(providers, fs, func(k string) string { return map[string]string{"BILLCTL_CONFIG": path}[k] }, nil, &warn); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "had mode 0644") {
		t.Errorf("warning %q", warn.String())
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o", info.Mode().Perm())
	}
}

func TestCheckFileRefusesAnotherUsersFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	me := os.Getuid()
	if me == 0 {
		// root can give the file away; root's own files are trusted.
		if err := os.Chown(path, 4242, 4242); err != nil {
			t.Fatal(err)
		}
	} else {
		defer func(f func() int) { myUID = f }(myUID)
		myUID = func() int { return me + 1 }
	}
	err := CheckFile(path, nil)
	if err == nil || !strings.Contains(err.Error(), "belongs to another user") || !strings.Contains(err.Error(), "sudo chown") {
		t.Fatalf("CheckFile: %v", err)
	}
	if err := Update(path, nil, func(*File) error { t.Error("changed a file another user owns"); return nil }); err == nil {
		t.Error("Update took a file another user owns")
	}
}

func TestCheckFileRefusesWritableByOthers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, m := range []os.FileMode{0o620, 0o602, 0o666} {
		if err := os.Chmod(path, m); err != nil {
			t.Fatal(err)
		}
		err := CheckFile(path, nil)
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Errorf("%04o: %v", m, err)
		}
		if p := perm(t, path); p != m {
			t.Errorf("%04o: changed to %04o", m, p)
		}
	}
}

// Only the check is called: were it to let a device through, nothing is
// written to it.
func TestWriteTargetRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "null.yaml")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		os.DevNull: "is a device, not a regular file",
		link:       "is a device, not a regular file",
		fifo:       "is a named pipe (FIFO), not a regular file",
		dir:        "is a directory, not a regular file",
	} {
		_, err := writeTarget(path)
		if err == nil || !strings.Contains(err.Error(), "config file "+path+" "+want) {
			t.Errorf("%s: %v", path, err)
		}
	}
	regular := filepath.Join(dir, "config.yaml")
	if got, err := writeTarget(regular); err != nil || got != regular {
		t.Errorf("a file yet to be made: %q, %v", got, err)
	}
}
