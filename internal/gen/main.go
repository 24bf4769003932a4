// Command gen writes the files generated from billctl's command tree: the
// shell completion scripts kept in completions/ (run by `go generate ./...`)
// and the man pages that packages install (run by the release build). It
// is a build tool and is not shipped.
//
// Usage:
//
//	go run ./internal/gen -completions completions
//	go run ./internal/gen -man manpages -version 1.2.3 -date 1767225600
//
// The man pages are dated by -date (Unix seconds, the commit's time in a
// release), else SOURCE_DATE_EPOCH, else today, so a release build gives
// the same pages from the same commit.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output"
)

func main() {
	completions := flag.String("completions", "", "write the completion scripts to this directory")
	man := flag.String("man", "", "write gzipped man pages to this directory")
	version := flag.String("version", "", "version named in the man pages")
	date := flag.Int64("date", 0, "date of the man pages, in Unix seconds")
	flag.Parse()
	if flag.NArg() > 0 || (*completions == "" && *man == "") {
		fmt.Fprintln(os.Stderr, "usage: gen [-completions DIR] [-man DIR [-version V] [-date UNIX]]")
		os.Exit(2)
	}
	if *completions != "" {
		if err := WriteCompletions(*completions); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	if *man != "" {
		var when *time.Time
		if *date > 0 {
			t := time.Unix(*date, 0).UTC()
			when = &t
		}
		if err := WriteManPages(*man, *version, when); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

// ScriptFiles names each shell's script in completions/, as packages and
// archives ship it.
var ScriptFiles = map[string]string{
	"bash":       "billctl.bash",
	"zsh":        "billctl.zsh",
	"fish":       "billctl.fish",
	"powershell": "billctl.ps1",
}

// root is the command tree as a user's binary builds it. version only
// shows in the man pages; nothing reads the environment.
func root(version string) *cobra.Command {
	// Nothing it prints is wanted: help and completion go to files.
	streams := &output.IO{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
	if version == "" {
		version = "dev"
	}
	f := &cmdutil.Factory{
		IO:     streams,
		Getenv: func(string) string { return "" },
		Build:  cmdutil.BuildInfo{Version: version, Commit: "unknown", Date: "unknown"},
	}
	r := cli.NewRoot(f)
	r.DisableAutoGenTag = true
	return r
}

// Scripts returns each shell's completion script by file name.
func Scripts() (map[string][]byte, error) {
	r := root("")
	out := map[string][]byte{}
	for _, shell := range cli.Shells {
		var b bytes.Buffer
		if err := cli.CompletionScript(r, shell, &b, false); err != nil {
			return nil, err
		}
		name, ok := ScriptFiles[shell]
		if !ok {
			return nil, fmt.Errorf("no file name for the %s script", shell)
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

// WriteCompletions writes the completion scripts into dir.
func WriteCompletions(dir string) error {
	scripts, err := Scripts()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteManPages writes one gzipped page per command into dir
// (billctl.1.gz, billctl-checkout-create.1.gz, …), dated date (nil: from
// SOURCE_DATE_EPOCH, else today). The gzip header holds no name or time,
// so the same pages compress to the same bytes.
func WriteManPages(dir, version string, date *time.Time) error {
	tmp, err := os.MkdirTemp("", "billctl-man-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	header := &doc.GenManHeader{
		Section: "1",
		Source:  strings.TrimSpace("billctl " + version),
		Manual:  "billctl manual",
		Date:    date,
	}
	if err := doc.GenManTree(root(version), header, tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pages, err := filepath.Glob(filepath.Join(tmp, "*.1"))
	if err != nil {
		return err
	}
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		if _, err := w.Write(b); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(page)+".gz"), z.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
