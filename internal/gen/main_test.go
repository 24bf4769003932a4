package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output/outputtest"
)

const committed = "../../completions"

// completions/ is what the command tree generates today; a flag or command
// added without regenerating fails here.
func TestCompletionsAreCurrent(t *testing.T) {
	scripts, err := Scripts()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(committed)
	if err != nil {
		t.Fatalf("%v: run go generate ./...", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if _, ok := scripts[e.Name()]; !ok {
			t.Errorf("completions/%s is not generated any more: remove it", e.Name())
		}
	}
	for name, want := range scripts {
		got, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Errorf("completions/%s is missing: run go generate ./...", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("completions/%s is stale: run go generate ./...", name)
		}
	}
	sort.Strings(names)
	if len(names) != len(cli.Shells) {
		t.Errorf("completions/ holds %v, want one script for each of %v", names, cli.Shells)
	}
}

// `billctl completion SHELL` prints exactly the committed script, whatever
// version the binary was built as.
func TestCompletionCommandPrintsTheCommittedScripts(t *testing.T) {
	for _, shell := range cli.Shells {
		t.Run(shell, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(committed, ScriptFiles[shell]))
			if err != nil {
				t.Fatal(err)
			}
			streams, _, stdout, stderr := outputtest.Streams()
			f := &cmdutil.Factory{
				IO:     streams,
				Getenv: func(string) string { return "" },
				Build:  cmdutil.BuildInfo{Version: "9.8.7", Commit: "abcdef123456", Date: "2026-01-02T03:04:05Z"},
			}
			if code := cli.Run(f, []string{"completion", shell}); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				t.Errorf("billctl completion %s differs from completions/%s", shell, ScriptFiles[shell])
			}
			if strings.Contains(stdout.String(), "9.8.7") {
				t.Errorf("the %s script names the version", shell)
			}
		})
	}
}

func TestUnknownShellIsAUsageError(t *testing.T) {
	streams, _, stdout, _ := outputtest.Streams()
	f := &cmdutil.Factory{IO: streams, Getenv: func(string) string { return "" }}
	if code := cli.Run(f, []string{"completion", "tcsh"}); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %s", stdout)
	}
}

func TestManPages(t *testing.T) {
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := WriteManPages(dir, "1.2.3", &date); err != nil {
		t.Fatal(err)
	}
	page := func(name string) string {
		t.Helper()
		fh, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		z, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(z)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	root := page("billctl.1.gz")
	if !strings.Contains(root, `.TH "BILLCTL" "1" "Jan 2026" "billctl 1.2.3"`) {
		t.Errorf("billctl.1 header:\n%.300s", root)
	}
	create := page("billctl-checkout-create.1.gz")
	for _, want := range []string{"--customer", "--config-item", "--dry-run", "--provider"} {
		if !strings.Contains(create, want) {
			t.Errorf("billctl-checkout-create.1 does not mention %s", want)
		}
	}
	for _, name := range []string{"billctl-completion-bash.1.gz", "billctl-profile-add.1.gz", "billctl-version.1.gz"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	// The hidden __complete command has no page.
	if matches, _ := filepath.Glob(filepath.Join(dir, "*__complete*")); len(matches) > 0 {
		t.Errorf("pages for hidden commands: %v", matches)
	}

	// The same commit gives the same bytes.
	again := t.TempDir()
	if err := WriteManPages(again, "1.2.3", &date); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "billctl-checkout-create.1.gz"))
	b, _ := os.ReadFile(filepath.Join(again, "billctl-checkout-create.1.gz"))
	if !bytes.Equal(a, b) {
		t.Error("two runs gave different billctl-checkout-create.1.gz")
	}
}
