// Package startup holds the in-process half of the start-up benchmark:
// what billctl does after package initialisation, before it exits. The
// process half (exec, page faults, init) is bench/startup.sh.
package startup

import (
	"bytes"
	"context"
	"testing"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output/outputtest"
)

const requestFile = "../../testdata/requests/meteroid/all-session-options.yaml"

// newFactory is a fresh factory (it caches the settings it resolves) with
// buffered streams and an environment of env alone.
func newFactory(env map[string]string) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	io, _, out, errb := outputtest.Streams()
	return &cmdutil.Factory{
		IO:      io,
		Getenv:  func(k string) string { return env[k] },
		Build:   cmdutil.BuildInfo{Version: "bench", Commit: "bench", Date: "bench"},
		Context: context.Background(),
	}, out, errb
}

// BenchmarkNewRoot is the cost of building the command tree, which every
// invocation pays.
func BenchmarkNewRoot(b *testing.B) {
	f, _, _ := newFactory(map[string]string{"HOME": b.TempDir()})
	for b.Loop() {
		cli.NewRoot(f)
	}
}

func benchmarkRun(b *testing.B, args ...string) {
	env := map[string]string{"HOME": b.TempDir()}
	for b.Loop() {
		f, out, errb := newFactory(env)
		if code := cli.Run(f, args); code != 0 || out.Len() == 0 {
			b.Fatalf("billctl %v: exit %d, %d bytes out\n%s", args, code, out.Len(), errb)
		}
	}
}

func BenchmarkVersion(b *testing.B) {
	benchmarkRun(b, "--version")
}

func BenchmarkDryRun(b *testing.B) {
	benchmarkRun(b, "checkout", "create", "--provider", "meteroid", "--dry-run", "-f", requestFile)
}
