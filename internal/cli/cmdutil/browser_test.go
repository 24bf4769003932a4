package cmdutil

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The Factory's Browser is an interface so that tests can replace it; the
// real one must also be replaceable from outside, through $BROWSER.
var _ Browser = (*SystemBrowser)(nil)

func TestBrowserArgs(t *testing.T) {
	const u = "https://pay.example/che_1?a=1"
	cases := []struct {
		entry string
		want  []string
	}{
		{"firefox", []string{"firefox", u}},
		{"  firefox  --new-tab ", []string{"firefox", "--new-tab", u}},
		{"open -a %s", []string{"open", "-a", u}},
		{"x --url=%s --flag", []string{"x", "--url=" + u, "--flag"}},
		{"x 100%% %s", []string{"x", "100%", u}},
		{"x %%s", []string{"x", "%s", u}}, // an escaped %s is no placeholder
		{"   ", nil},
	}
	for _, c := range cases {
		if got := browserArgs(c.entry, u); !slices.Equal(got, c.want) {
			t.Errorf("browserArgs(%q) = %q, want %q", c.entry, got, c.want)
		}
	}
}

// recorder writes a shell script that appends its arguments, one per line,
// to a file, and returns both paths.
func recorder(t *testing.T) (script, log string) {
	t.Helper()
	dir := t.TempDir()
	script, log = filepath.Join(dir, "browser.sh"), filepath.Join(dir, "opened.txt")
	body := "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\" >> '" + log + "'; done\necho launched\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, log
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestSystemBrowserRunsBROWSER(t *testing.T) {
	script, log := recorder(t)
	var stderr bytes.Buffer
	b := &SystemBrowser{Getenv: env(map[string]string{"BROWSER": "/nonexistent/browser:" + script + " --new-window %s"}), Stderr: &stderr}
	if err := b.Open("https://pay.example/che_1"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "--new-window\nhttps://pay.example/che_1\n" {
		t.Errorf("the browser got %q", got)
	}
	// What the browser prints goes to stderr, never to stdout.
	if stderr.String() != "launched\n" {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestSystemBrowserReportsEveryFailure(t *testing.T) {
	b := &SystemBrowser{Getenv: env(map[string]string{"BROWSER": "/nonexistent/one:false"}), Stderr: &bytes.Buffer{}}
	err := b.Open("https://pay.example/che_1")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/one") || !strings.Contains(err.Error(), "$BROWSER false: exit status 1") {
		t.Errorf("err = %v", err)
	}
}

func TestSystemBrowserOpensOnlyWebURLs(t *testing.T) {
	script, log := recorder(t)
	b := &SystemBrowser{Getenv: env(map[string]string{"BROWSER": script}), Stderr: &bytes.Buffer{}}
	for _, u := range []string{"file:///etc/passwd", "javascript:alert(1)", "ms-settings:", "https://", "/relative", ""} {
		if err := b.Open(u); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
			t.Errorf("Open(%q) = %v, want a refusal", u, err)
		}
	}
	if _, err := os.Stat(log); !os.IsNotExist(err) {
		t.Errorf("the browser ran for a refused URL (%v)", err)
	}
}
