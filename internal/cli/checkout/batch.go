package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
)

// sendBatch sends the total bodies of sp through the engine and prints
// the results in input order, with a progress bar on a terminal.
func sendBatch(opts *CreateOptions, s *config.Settings, p provider.Provider, sp *engine.Spool, total int) error {
	return sendBatchTo(opts, s, p, sp, total, func(pr *output.Printer, _ *progress) engine.Sink { return pr.Stream() })
}

// sendBatchTo is sendBatch printing through the sink that sink makes
// from the printer.
func sendBatchTo(opts *CreateOptions, s *config.Settings, p provider.Provider, sp *engine.Spool, total int, sink func(*output.Printer, *progress) engine.Sink) error {
	f := opts.F
	bar := newProgress(f.IO, total, "creating")
	streams := *f.IO
	streams.Out = bar.above(f.IO, f.IO.Out)
	pr := opts.format.on(f, printer(f, s))
	pr.IO = &streams
	out := sink(pr, bar)
	b := &engine.Batch{
		Provider:    p,
		Workers:     opts.Parallel,
		FailFast:    opts.FailFast,
		Key:         opts.key,
		ReplaysKeys: replaysKeys(p),
		FixedKeys:   opts.IdempotencyKey != "",
	}
	if opts.Rows != "" {
		b.Unit = "row"
	}
	j, err := openJournal(opts, s, sp, total)
	if err != nil {
		return err
	}
	b.Journal = j
	return b.Send(f.Context, sp, total, out, bar, f.IO.Err)
}

// openJournal opens the journal of this batch: what defines it is its
// checked requests, the provider, the base URL, the account (the
// company, and a digest of the token, which is never written) and the
// key prefix.
func openJournal(opts *CreateOptions, s *config.Settings, sp *engine.Spool, total int) (*engine.Journal, error) {
	dir := ""
	if opts.Journal == "" {
		d, err := stateDir(opts.F.Getenv)
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(d, "billctl", "batches")
	}
	account := sha256.Sum256([]byte(s.Token))
	return engine.OpenJournal(engine.JournalSpec{
		Dir:       dir,
		Path:      opts.Journal,
		Restart:   opts.Restart,
		Provider:  s.Provider,
		BaseURL:   s.BaseURL,
		Tenant:    s.Company + "\x00" + hex.EncodeToString(account[:]),
		KeyPrefix: opts.IdempotencyKey,
		Source:    opts.source,
		Sum:       sp.Sum(),
		Total:     total,
		Secret:    s.Token,
	})
}

// stateDir is $XDG_STATE_HOME, else ~/.local/state.
func stateDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("a batch keeps a journal, and there is no home directory for it: set XDG_STATE_HOME or give --journal PATH")
		}
	}
	return filepath.Join(home, ".local", "state"), nil
}

// replaysKeys: p answers a key it has seen with the session made then.
func replaysKeys(p provider.Provider) bool {
	r, ok := p.(provider.KeyReplayer)
	return ok && r.ReplaysKeys()
}
