package create

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
)

// sendBatch sends the checked batch c through the engine, on a client
// pooled for --parallel, and prints the results as they come, in input
// order (or, with --wait, as each session is finished), with a progress
// bar on a terminal.
func sendBatch(opts *CreateOptions, s *config.Settings, d *provider.Descriptor, c *engine.Checked) error {
	p, err := opts.Provider(s, opts.Parallel)
	if err != nil {
		return err
	}
	bar := newProgress(opts.IO, c.Total, "creating")
	streams := *opts.IO
	streams.Out = bar.above(opts.IO, opts.IO.Out)
	pr := opts.printer(s, d)
	pr.IO = &streams
	var (
		out engine.Sink
		ws  *waitSink
	)
	switch {
	case opts.wait.On():
		ws = &waitSink{ctx: opts.Context, w: shared.NewWaiter(p, shared.Vocabulary(d), s, opts.wait), next: pr.Stream(), note: bar.printf}
		out = ws
	case c.Cells != nil:
		cr, err := c.Cells.Reader()
		if err != nil {
			return err
		}
		sheet := c.Rows
		out = &rowsCSV{
			csv:   output.NewCSV(pr.IO.Out, output.CSVOptions{Input: sheet.Header, Columns: pr.Columns, Error: true, BOM: sheet.BOM, CRLF: sheet.CRLF}),
			cells: cr,
		}
	default:
		out = pr.Stream()
	}
	b := &engine.Batch{
		Provider:    p,
		Workers:     opts.Parallel,
		FailFast:    opts.FailFast,
		Key:         opts.key,
		ReplaysKeys: replaysKeys(p),
		FixedKeys:   opts.IdempotencyKey != "",
	}
	if c.Rows != nil {
		b.Unit = "row"
	}
	j, err := openJournal(opts, s, c.Requests, c.Total)
	if err != nil {
		return err
	}
	b.Journal = j
	if err := b.Send(opts.Context, c.Requests, c.Total, out, bar, opts.IO.Err); err != nil {
		return err
	}
	if ws != nil {
		return ws.result()
	}
	return nil
}

// openJournal opens the journal of this batch: what defines it is its
// checked requests, the provider, the base URL, the account (the
// company, and a digest of the token, which is never written) and the
// key prefix.
func openJournal(opts *CreateOptions, s *config.Settings, sp *engine.Spool, total int) (*engine.Journal, error) {
	dir := ""
	if opts.Journal == "" {
		d, err := stateDir(opts.Getenv)
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

// rowsCSV prints the results of --rows -o csv: each row's cells as they
// were read, then its session's columns and its error.
type rowsCSV struct {
	csv   *output.CSV
	cells *engine.SpoolReader
}

func (o *rowsCSV) Add(it output.Item) error {
	c, err := o.cells.Next()
	if err != nil {
		return fmt.Errorf("reading back row %d: %w", it.Index, err)
	}
	var in []string
	if err := json.Unmarshal(c.Body, &in); err != nil {
		return fmt.Errorf("reading back row %d: %w", it.Index, err)
	}
	line := output.CSVLine{Input: in}
	if it.Session != nil {
		line.Session = it.Session.Raw
		// The provider's own names may differ (checkout_url): the
		// default columns come from what every session has.
		line.Values = map[string]string{"id": it.Session.ID, "status": it.Session.Status, "url": it.Session.URL}
	} else if it.Err != nil {
		line.Err = firstLine(it.Err.Error())
	}
	return o.csv.Write(line)
}

func (o *rowsCSV) Flush() error { return o.csv.Flush() }

// Close writes the rows that were not sent (--fail-fast, Ctrl-C), each
// in its place with "not sent" for error, so that the file still lines
// up with the sheet, and ends the output.
func (o *rowsCSV) Close() error {
	for {
		c, err := o.cells.Next()
		if err != nil {
			break // the end of the spool
		}
		var in []string
		if err := json.Unmarshal(c.Body, &in); err != nil {
			break
		}
		if err := o.csv.Write(output.CSVLine{Input: in, Err: "not sent"}); err != nil {
			return err
		}
	}
	return o.csv.Close()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
