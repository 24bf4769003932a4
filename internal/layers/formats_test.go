package layers

import (
	"go/ast"
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

// formatNames are the values of -o (internal/format).
var formatNames = map[string]bool{"table": true, "json": true, "yaml": true, "id": true, "url": true, "csv": true, "curl": true}

// mayCompareFormats are the trees that may tell formats apart by name:
// the formats themselves, and the leaf that names them.
var mayCompareFormats = []string{"internal/output/", "internal/format/"}

// formatCompares are the places in non-test Go files outside
// mayCompareFormats that tell output formats apart by name, as
// "path:line": a == or != against a constant of internal/format, or
// against a format's name where the other side is a format or an output
// (s.Output, opts.Format), and a switch case of either kind.
func formatCompares(t *testing.T, root string) []string {
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
			for _, p := range mayCompareFormats {
				if rel+"/" == p {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		seen := map[int]bool{}
		hit := func(n ast.Node) {
			if line := fset.Position(n.Pos()).Line; !seen[line] {
				seen[line] = true
				out = append(out, rel+":"+strconv.Itoa(line))
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if n.Op != token.EQL && n.Op != token.NEQ {
					return true
				}
				if formatConst(n.X) || formatConst(n.Y) ||
					(formatName(n.X) && aboutFormat(n.Y)) || (formatName(n.Y) && aboutFormat(n.X)) {
					hit(n)
				}
			case *ast.SwitchStmt:
				for _, st := range n.Body.List {
					for _, e := range st.(*ast.CaseClause).List {
						if formatConst(e) || (n.Tag != nil && aboutFormat(n.Tag) && formatName(e)) {
							hit(e)
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// formatConst is a constant of internal/format: format.JSON.
func formatConst(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "format" && formatNames[strings.ToLower(sel.Sel.Name)]
}

// formatName is a format's name written out: "json".
func formatName(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	s, err := strconv.Unquote(lit.Value)
	return err == nil && formatNames[s]
}

// aboutFormat is an expression that holds an output format by its name:
// format, s.Output, opts.Format, p.Format (not opts.LogFormat).
func aboutFormat(e ast.Expr) bool {
	var name string
	switch e := e.(type) {
	case *ast.Ident:
		name = e.Name
	case *ast.SelectorExpr:
		name = e.Sel.Name
	default:
		return false
	}
	name = strings.ToLower(name)
	return name == "format" || name == "output"
}

// TestOnlyOutputComparesFormats keeps what a format prints in its file of
// internal/output: a command asks the format (output.TakesJQ,
// Printer.EmptyInWords, ...) instead of telling formats apart by name.
func TestOnlyOutputComparesFormats(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range formatCompares(t, root) {
		t.Errorf("%s tells output formats apart by name: ask the format in internal/output", l)
	}
}

// The scanner sees compares and cases by constant and by name, and leaves
// alone names compared with something that is not a format, and tests.
func TestFormatComparesSeesNamesAndConstants(t *testing.T) {
	dir := t.TempDir()
	src := `package x

func f(s struct{ Output, LogFormat string }, format, tag string) bool {
	if s.Output == "json" {
		return true
	}
	switch format {
	case "csv":
	}
	switch {
	case tag == format.YAML:
	}
	return s.LogFormat == "json" || tag == "id"
}
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package x\n\nvar _ = format == \"json\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(formatCompares(t, dir), " ")
	if got != "x.go:11 x.go:4 x.go:8" {
		t.Fatalf("got %q, want the compare with s.Output, the case on format and the compare with format.YAML", got)
	}
}
