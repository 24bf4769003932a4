package profile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/output"
)

// Prompter asks the person at the terminal.
type Prompter interface {
	// Secret reads a line without echoing it.
	Secret(prompt string) (string, error)
	// Confirm asks a yes/no question; the default is no.
	Confirm(question string) (bool, error)
}

// TerminalPrompter asks on the process's terminal: questions on stderr,
// answers from stdin. A Ctrl-C while it waits ends the command with status
// 130 and the terminal's echo restored.
func TerminalPrompter(ctx context.Context, streams *output.IO) Prompter {
	if ctx == nil {
		ctx = context.Background()
	}
	return &terminal{ctx: ctx, io: streams}
}

type terminal struct {
	ctx context.Context
	io  *output.IO
}

func (t *terminal) stdin() (*os.File, error) {
	in, ok := t.io.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, exitcode.Usagef("cannot prompt: stdin is not a terminal; pipe the token in or pass --token-file PATH")
	}
	return in, nil
}

func (t *terminal) Secret(prompt string) (string, error) {
	in, err := t.stdin()
	if err != nil {
		return "", err
	}
	fd := int(in.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	fmt.Fprint(t.io.Err, prompt)
	line, err := t.wait(func() (string, error) {
		b, err := term.ReadPassword(fd)
		if errors.Is(err, io.EOF) {
			err = nil // Ctrl-D: an empty answer, refused as such by the caller
		}
		return string(b), err
	}, func() { _ = term.Restore(fd, state) })
	// The user's Enter was not echoed either.
	fmt.Fprintln(t.io.Err)
	return line, err
}

func (t *terminal) Confirm(question string) (bool, error) {
	in, err := t.stdin()
	if err != nil {
		return false, err
	}
	fmt.Fprintf(t.io.Err, "%s [y/N] ", question)
	line, err := t.wait(func() (string, error) {
		return bufio.NewReader(in).ReadString('\n')
	}, func() { fmt.Fprintln(t.io.Err) })
	if err != nil && line == "" {
		if errors.Is(err, io.EOF) {
			return false, nil // Ctrl-D: the default answer
		}
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// wait runs read, giving up when the context ends (Ctrl-C): the read
// itself cannot be interrupted, and the process is about to exit anyway.
func (t *terminal) wait(read func() (string, error), onCancel func()) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := read()
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-t.ctx.Done():
		onCancel()
		return "", exitcode.New(exitcode.Interrupted, errors.New("interrupted; the config file was not changed"))
	}
}
