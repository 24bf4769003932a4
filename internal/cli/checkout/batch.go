package checkout

import (
	"net/http"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
)

// withPool gives the HTTP client a connection pool that keeps an idle
// connection for every worker. The usual pool keeps only a few per host:
// with more workers than that, each request beyond them would open a
// connection and close it after, a TCP and TLS handshake per session and
// sockets piling up in TIME_WAIT on a long batch. Tests that replace the
// transport keep theirs.
func withPool(f *cmdutil.Factory, workers int) *cmdutil.Factory {
	if f.Transport != nil {
		return f
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(workers, 2)
	t.MaxIdleConns = max(t.MaxIdleConns, workers)
	g := *f
	g.Transport = t
	return &g
}

// sendBatch sends the total bodies of sp through the engine and prints
// the results in input order, with a progress bar on a terminal.
func sendBatch(opts *CreateOptions, s *config.Settings, p provider.Provider, sp *engine.Spool, total int) error {
	return sendBatchTo(opts, s, p, sp, total, func(pr *output.Printer) engine.Sink { return pr.Stream() })
}

// sendBatchTo is sendBatch printing through the sink that sink makes
// from the printer.
func sendBatchTo(opts *CreateOptions, s *config.Settings, p provider.Provider, sp *engine.Spool, total int, sink func(*output.Printer) engine.Sink) error {
	f := opts.F
	bar := newProgress(f.IO, total, "creating")
	streams := *f.IO
	streams.Out = bar.above(f.IO, f.IO.Out)
	pr := opts.format.on(f, printer(f, s))
	pr.IO = &streams
	out := sink(pr)
	b := &engine.Batch{
		Provider:    p,
		Workers:     opts.Parallel,
		FailFast:    opts.FailFast,
		Key:         opts.key,
		ReplaysKeys: registry.Get(s.Provider).Caps.ReplaysKeys,
		FixedKeys:   opts.IdempotencyKey != "",
	}
	if opts.Rows != "" {
		b.Unit = "row"
	}
	return b.Send(f.Context, sp, total, out, bar, f.IO.Err)
}
