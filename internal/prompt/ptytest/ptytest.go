//go:build linux

// Package ptytest runs a program on a pseudo-terminal for tests, as a
// person at a terminal would: it types keys, waits for text, and checks
// afterwards that the terminal's modes are as they were.
package ptytest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Keys as a terminal sends them.
const (
	Enter     = "\r"
	CtrlC     = "\x03"
	Esc       = "\x1b"
	Down      = "\x1b[B"
	Up        = "\x1b[A"
	Space     = " "
	Backspace = "\x7f"
)

// Timeout is how long Expect and Wait wait.
const Timeout = 15 * time.Second

// Session is a program running on a pseudo-terminal.
type Session struct {
	t      testing.TB
	ptm    *os.File // the other end: what the person types and sees
	tty    *os.File // the program's terminal, kept open to read its modes
	cmd    *exec.Cmd
	before *unix.Termios

	mu   sync.Mutex
	out  bytes.Buffer
	seen int // output up to here has been matched
}

// Start runs cmd with its three streams on a new 120x40 terminal, in its
// own session with that terminal as the controlling one, as a shell runs
// a command: so Ctrl-C in line mode is a SIGINT to it.
func Start(t testing.TB, cmd *exec.Cmd) *Session {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(ptm, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{t: t, ptm: ptm, tty: tty, cmd: cmd, before: before}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = ptm.Close()
		_ = tty.Close()
	})
	return s
}

// Expect waits until the output after the last match holds want.
func (s *Session) Expect(want string) {
	s.t.Helper()
	deadline := time.Now().Add(Timeout)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		rest := s.out.String()[s.seen:]
		if i := strings.Index(rest, want); i >= 0 {
			s.seen += i + len(want)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("never saw %q; output after the last match:\n%q", want, s.Output()[s.seen:])
}

// Env is the environment the program ran with.
func (s *Session) Env() []string { return s.cmd.Env }

// Output is everything the program wrote so far.
func (s *Session) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// Send types keys, one read's worth each, as a person types.
func (s *Session) Send(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if _, err := s.ptm.Write([]byte(k)); err != nil {
			s.t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Wait waits for the program to end and returns its exit status; being
// killed by a signal fails the test.
func (s *Session) Wait() int {
	s.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- s.cmd.Wait() }()
	select {
	case err := <-errc:
		time.Sleep(50 * time.Millisecond) // the last output arrives
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				s.t.Fatalf("the program was killed by %v; output:\n%q", ws.Signal(), s.Output())
			}
			return ee.ExitCode()
		}
		if err != nil {
			s.t.Fatal(err)
		}
		return 0
	case <-time.After(Timeout):
		s.t.Fatalf("the program did not end; output:\n%q", s.Output())
	}
	return -1
}

// Restored checks that the terminal's modes are those it had before the
// program ran (echo, line editing and signals on, output processed) and
// that the cursor was not left hidden.
func (s *Session) Restored() {
	s.t.Helper()
	now, err := unix.IoctlGetTermios(int(s.tty.Fd()), unix.TCGETS)
	if err != nil {
		s.t.Fatal(err)
	}
	if now.Lflag != s.before.Lflag || now.Iflag != s.before.Iflag || now.Oflag != s.before.Oflag || now.Cflag != s.before.Cflag {
		s.t.Errorf("terminal modes not restored: before %+v, after %+v", *s.before, *now)
	}
	if now.Lflag&unix.ECHO == 0 || now.Lflag&unix.ICANON == 0 {
		s.t.Errorf("echo or line editing left off: lflag %#x", now.Lflag)
	}
	out := s.Output()
	if strings.LastIndex(out, "\x1b[?25h") < strings.LastIndex(out, "\x1b[?25l") {
		s.t.Error("cursor left hidden")
	}
}
