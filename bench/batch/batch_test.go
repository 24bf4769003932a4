package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// BenchmarkBatch is a whole `checkout create -f` of 1,000 documents at
// --parallel 16 inside one process, its requests handed straight to the
// sandbox (memory store, no latency): with -cpuprofile, the client's work
// per document (check, spool, journal, send, print) and the server's side
// by side, without a process start or a socket.
//
//	go test ./bench/batch -run '^$' -bench Batch -benchtime 5x -cpuprofile cpu.out
func BenchmarkBatch(b *testing.B) {
	st, err := sandbox.Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := sandbox.New(context.Background(), sandbox.Options{Store: st, APIs: sandboxtest.APIs()})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	docs := filepath.Join(dir, "docs.yaml")
	if err := writeDocs(docs, 1000); err != nil {
		b.Fatal(err)
	}
	run := 0
	for b.Loop() {
		run++
		// A state directory of its own each time, or the batch resumes.
		state := filepath.Join(dir, fmt.Sprint(run))
		env := map[string]string{"HOME": dir, "XDG_STATE_HOME": state, "BILLCTL_TOKEN": "sk_bench"}
		io, _, out, errb := outputtest.Streams()
		f := &cmdutil.Factory{
			IO:        io,
			Getenv:    func(k string) string { return env[k] },
			Build:     cmdutil.BuildInfo{Version: "bench", Commit: "bench", Date: "bench"},
			Context:   context.Background(),
			Transport: srv.Transport(),
		}
		code := cli.Run(f, []string{"checkout", "create", "--provider", "meteroid", "--base-url", "http://127.0.0.1:1",
			"-f", docs, "--parallel", "16", "-o", "id"})
		if code != 0 || bytes.Count(out.Bytes(), []byte("\n")) != 1000 {
			b.Fatalf("exit %d, %d lines\n%s", code, bytes.Count(out.Bytes(), []byte("\n")), errb)
		}
		os.RemoveAll(state)
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "sessions/s")
}
