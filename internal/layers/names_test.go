package layers

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// providerName is how code names a provider it should not know of: the
// name of any package directly under internal/provider of the module at
// root (the registry aside), which is how a provider is imported and named.
func providerName(t *testing.T, root string) *regexp.Regexp {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "internal", "provider"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "registry" {
			names = append(names, regexp.QuoteMeta(e.Name()))
		}
	}
	if len(names) == 0 {
		t.Fatal("no provider package under internal/provider")
	}
	return regexp.MustCompile(`(?i)` + strings.Join(names, "|"))
}

// mayName are the trees whose code may name a provider: the providers
// themselves (each package and its sandbox side, and the registry that
// lists them), and the benchmarks, which measure one provider's wire path
// against a mock of its published spec on purpose.
var mayName = []string{"internal/provider/", "bench/"}

// providerLines are the lines of non-test Go files under root outside
// mayName whose code (comments aside: prose may give an example) names a
// provider (matches name), as "path:line".
func providerLines(t *testing.T, root string, name *regexp.Regexp) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			for _, p := range mayName {
				if rel+"/" == p {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		file := fset.AddFile(rel, -1, len(src))
		var s scanner.Scanner
		s.Init(file, src, nil, 0) // comments are skipped
		seen := map[int]bool{}
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if lit == "" {
				lit = tok.String()
			}
			if line := fset.Position(pos).Line; name.MatchString(lit) && !seen[line] {
				seen[line] = true
				out = append(out, rel+":"+strconv.Itoa(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestOnlyProvidersNameProviders keeps the rest of billctl provider-neutral:
// the command line, settings, output, the sandbox's core and its test kit
// reach a provider through its descriptor and its sandbox side, never by
// name.
func TestOnlyProvidersNameProviders(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range providerLines(t, root, providerName(t, root)) {
		t.Errorf("%s names a provider: reach it through its descriptor (provider.Descriptor) or its sandbox side (sandbox.API)", l)
	}
}

// The scanner sees names in identifiers and strings alike, and not in
// comments.
func TestProviderLinesSeesCodeNotComments(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\n// Meteroid, in prose.\nvar a = \"maple\"\n\nvar meteroidB = 1 // Maple\n"
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package x\n\nvar maple = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(providerLines(t, dir, regexp.MustCompile(`(?i)meteroid|maple`)), " ")
	if got != "x.go:4 x.go:6" {
		t.Fatalf("got %q, want the lines of the string and the identifier", got)
	}
}

// The names looked for are the provider packages', whatever they are.
func TestProviderNameIsEveryProviderPackage(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	re := providerName(t, root)
	entries, err := os.ReadDir(filepath.Join(root, "internal", "provider"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if got := re.MatchString(e.Name()); got != (e.Name() != "registry") {
			t.Errorf("%s matched: %v", e.Name(), got)
		}
		n++
	}
	if n < 2 || re.MatchString("provider") || re.MatchString("sandbox") {
		t.Errorf("%d packages, pattern %s", n, re)
	}
}
