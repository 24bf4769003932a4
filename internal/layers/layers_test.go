package layers

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/billctl/billctl/"

// layer places every package of the module: a package imports only
// packages of a lower layer. A new package must be placed here, so that its
// place is decided rather than found.
var layer = map[string]int{
	// Leaves: they import nothing of billctl.
	"internal/exitcode":         0,
	"internal/safetext":         0,
	"internal/lockfile":         0,
	"internal/loopback":         0,
	"internal/format":           0,
	"internal/prompt":           0,
	"internal/prompt/ptytest":   0,
	"internal/httpx/httpxtest":  0,
	"internal/sandbox/endpoint": 0,
	"internal/journal":          0,
	"bench/internal/peakrss":    0,
	"bench/internal/loadavg":    0,

	// The building blocks of a request and its transport.
	"internal/request":  1,
	"internal/httpx":    1,
	"internal/rows":     2,
	"internal/contract": 2,
	"internal/config":   2,

	// The sandbox core, below the providers that describe their side of it.
	"internal/sandbox":                     3,
	"internal/sandbox/page/purchase":       4,
	"internal/sandbox/page":                5,
	"internal/sandbox/page/pagetest":       6,
	"internal/sandbox/page/browsertest":    0,
	"internal/sandbox/webhook":             5,
	"internal/sandbox/webhook/webhooktest": 6,
	"internal/sandbox/local":               5,

	// The provider contract, the providers, the one list of them.
	"internal/provider": 7,
	// Each provider package (internal/provider/NAME), its sandbox side
	// (internal/provider/NAME/sandbox) and that side's test-kit cases
	// (…/sandbox/kit) are placed by layerOf, so that adding a provider
	// touches no table: providerLayer, sandboxLayer, kitLayer.
	"internal/provider/registry":      10,
	"internal/provider/registry/kits": 10,
	// The sandbox's test kit runs every provider's side of it.
	"internal/sandbox/sandboxtest": 11,

	// What commands are made of, side by side: output, the work of create,
	// completion (each takes what it needs of the others from its caller).
	"internal/output":            8,
	"internal/output/outputtest": 9,
	"internal/engine":            8,
	"internal/completion":        8,

	// The command line.
	"internal/cli/cmdutil":         12,
	"internal/cli/checkout/shared": 13,
	"internal/cli/checkout/create": 14,
	"internal/cli/checkout":        15,
	"internal/cli/profile":         13,
	"internal/cli/sandbox":         13,
	"internal/cli":                 16,

	// Programs and tools on top.
	"cmd/billctl":           17,
	"internal/gen":          17,
	"internal/image":        17,
	"internal/layers":       17,
	"bench/batch":           17,
	"bench/check":           17,
	"bench/crash":           17,
	"bench/list":            17,
	"bench/rows":            17,
	"bench/sandbox":         17,
	"bench/startup/hello":   17,
	"bench/startup/measure": 17,
}

// providerLayer is the layer of every provider package: above the
// contract, below its sandbox side and the registry that links them. The
// kit's cases read the provider's wire types and the sandbox core, and
// only the registry's kits list links them.
const (
	providerLayer = 8
	sandboxLayer  = 9
	kitLayer      = 9
)

// layerOf is p's layer: from the table, or providerLayer for a package
// directly under internal/provider that the table does not name,
// sandboxLayer for its sandbox subpackage and kitLayer for that one's kit.
func layerOf(p string) (int, bool) {
	if l, ok := layer[p]; ok {
		return l, true
	}
	name, ok := strings.CutPrefix(p, "internal/provider/")
	if !ok || name == "" {
		return 0, false
	}
	if !strings.Contains(name, "/") {
		return providerLayer, true
	}
	switch _, sub, _ := strings.Cut(name, "/"); sub {
	case "sandbox":
		return sandboxLayer, true
	case "sandbox/kit":
		return kitLayer, true
	}
	return 0, false
}

// imports are the module's packages each package's non-test files import,
// read from the source (every build tag's files alike).
func imports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, s := range f.Imports {
			p, _ := strconv.Unquote(s.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok {
				out[pkg] = append(out[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportsPointDown(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	graph := imports(t, root)
	var pkgs []string
	for p := range graph {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		lp, ok := layerOf(p)
		if !ok {
			t.Errorf("%s has no layer: place it in the table of layers_test.go", p)
			continue
		}
		seen := map[string]bool{}
		for _, dep := range graph[p] {
			if seen[dep] {
				continue
			}
			seen[dep] = true
			if ld, ok := layerOf(dep); ok && ld >= lp {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports point down", p, lp, dep, ld)
			}
		}
	}
	for p := range layer {
		if _, ok := graph[p]; !ok {
			t.Errorf("%s is in the table but not in the module", p)
		}
	}
}

// A provider the table does not name takes its layers by rule, its sandbox
// side and kit included; any other package under it must be placed.
func TestLayerOfPlacesAProviderByRule(t *testing.T) {
	for p, want := range map[string]int{
		"internal/provider/acme":             providerLayer,
		"internal/provider/acme/sandbox":     sandboxLayer,
		"internal/provider/acme/sandbox/kit": kitLayer,
		"internal/provider/registry":         layer["internal/provider/registry"],
	} {
		if got, ok := layerOf(p); !ok || got != want {
			t.Errorf("layerOf(%s) = %d, %v; want %d", p, got, ok, want)
		}
	}
	for _, p := range []string{"internal/provider/acme/wire", "internal/provider/acme/sandbox/more", "internal/providers"} {
		if got, ok := layerOf(p); ok {
			t.Errorf("layerOf(%s) = %d: a package outside the rule is placed only by the table", p, got)
		}
	}
}
