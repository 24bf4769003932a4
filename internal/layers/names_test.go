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

// providerName is how code names a provider it should not know of.
var providerName = regexp.MustCompile(`(?i)meteroid|maple`)

// mayName are the trees whose code may name a provider: the providers
// themselves (each package and its sandbox side, and the registry that
// lists them), and the benchmarks, which measure one provider's wire path
// against a mock of its published spec on purpose.
var mayName = []string{"internal/provider/", "bench/"}

// providerLines are the lines of non-test Go files outside mayName whose
// code (comments aside: prose may give an example) names a provider, as
// "path:line".
func providerLines(t *testing.T, root string) []string {
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
			if line := fset.Position(pos).Line; providerName.MatchString(lit) && !seen[line] {
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
	for _, l := range providerLines(t, root) {
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
	got := strings.Join(providerLines(t, dir), " ")
	if got != "x.go:4 x.go:6" {
		t.Fatalf("got %q, want the lines of the string and the identifier", got)
	}
}
