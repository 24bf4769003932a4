// Command typecheck type-checks the module's packages for the GOOS and
// GOARCH in its environment, from source: what a cross-build would report
// about the module's own code (a field a system lacks, a file a build tag
// leaves out) without compiling every dependency for every system, which
// on a 2-core machine costs minutes per target. Dependencies are checked
// from source without their function bodies, as an editor does.
//
//	go build -o /tmp/typecheck ./.ci/typecheck
//	GOOS=windows GOARCH=amd64 /tmp/typecheck ./...
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Error      *struct{ Err string }
}

func main() {
	args := append([]string{"list", "-e", "-json=ImportPath,Dir,GoFiles,Error"}, os.Args[1:]...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go list:", err)
		os.Exit(1)
	}
	// The source importer finds the standard library through go/build's
	// GOROOT, which comes from the binary's own record of it; a tool built
	// with -trimpath (as CI builds everything) has none, so ask go.
	if build.Default.GOROOT == "" {
		root, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "go env GOROOT:", err)
			os.Exit(1)
		}
		build.Default.GOROOT = strings.TrimSpace(string(root))
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	failed := 0
	dec := json.NewDecoder(bytes.NewReader(out))
	n := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if p.Error != nil {
			fmt.Fprintf(os.Stderr, "%s: %s\n", p.ImportPath, p.Error.Err)
			failed++
			continue
		}
		if len(p.GoFiles) == 0 {
			continue
		}
		n++
		var files []*ast.File
		for _, f := range p.GoFiles {
			af, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, parser.SkipObjectResolution)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				failed++
				continue
			}
			files = append(files, af)
		}
		conf := types.Config{Importer: imp, Error: func(err error) {
			fmt.Fprintln(os.Stderr, err)
			failed++
		}}
		_, _ = conf.Check(p.ImportPath, fset, files, nil)
	}
	fmt.Printf("%d packages type-checked for %s/%s, %d errors\n", n, goenv("GOOS"), goenv("GOARCH"), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func goenv(k string) string {
	out, _ := exec.Command("go", "env", k).Output()
	return string(bytes.TrimSpace(out))
}
