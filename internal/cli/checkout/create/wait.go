package create

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/output"
)

// waitSink is a batch's output with --wait: each session created is
// awaited, and printed once it is finished, in the order they finish;
// a failed document passes through at once.
type waitSink struct {
	ctx  context.Context
	w    *shared.Waiter
	next engine.Sink
	// note says on stderr which session is awaited (above the progress
	// bar on a terminal).
	note  func(format string, args ...any)
	mu    sync.Mutex
	wg    sync.WaitGroup
	open  int // sessions not completed (expired, cancelled, timed out)
	first error
}

func (ws *waitSink) Add(it output.Item) error {
	if it.Session == nil {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		return ws.next.Add(it)
	}
	ws.note("%s\n", shared.WaitingLine(it.Session))
	ws.wg.Add(1)
	go func() {
		defer ws.wg.Done()
		final, err := ws.w.Wait(ws.ctx, it.Session)
		ws.mu.Lock()
		defer ws.mu.Unlock()
		// Whatever ended the wait, the session created is printed, as it
		// was last read.
		switch {
		case err != nil && !errors.Is(err, shared.ErrWaitTimeout):
			if ws.first == nil {
				ws.first = err
			}
		case !ws.w.Completed(final.Status):
			ws.open++
		}
		if err := ws.next.Add(output.Item{Index: it.Index, Session: final}); err == nil {
			_ = ws.next.Flush()
		}
	}()
	return nil
}

func (ws *waitSink) Flush() error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.next.Flush()
}

func (ws *waitSink) Close() error {
	ws.wg.Wait()
	return ws.next.Close()
}

// result is the exit status the waits make, after the batch's own.
func (ws *waitSink) result() error {
	if ws.first != nil {
		return ws.first
	}
	if ws.open > 0 {
		return exitcode.New(exitcode.Failure, fmt.Errorf("%d checkout session(s) ended without being paid, or were still open at --wait-timeout", ws.open))
	}
	return nil
}
