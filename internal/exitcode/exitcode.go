// Package exitcode carries the process exit status inside errors, so that
// every package can say what kind of failure it met and one place (cli.Main)
// turns it into the status that scripts rely on.
package exitcode

import (
	"errors"
	"fmt"
)

// The exit statuses of the command-line contract.
const (
	OK          = 0
	Failure     = 1 // the API or the network failed, or batch items failed
	Usage       = 2 // invalid usage or input: nothing was sent
	Auth        = 3 // 401/403 or no token configured
	Interrupted = 130
	Terminated  = 143 // SIGTERM, as CI systems stop a job; handled as Ctrl-C
)

// ErrTerminated is the cause of a context cancelled by SIGTERM
// (context.Cause), which tells it from Ctrl-C.
var ErrTerminated = errors.New("terminated")

// Error is an error with an exit status.
type Error struct {
	Code int
	Err  error
	// Help: a flag or setting was given wrongly, so the message ends with
	// the line that points at the command's --help, as every usage error
	// of the command line does.
	Help bool
}

// ShowsUsage reports whether the error is shown with the --help line.
func (e *Error) ShowsUsage() bool { return e.Help }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode is the status the process ends with.
func (e *Error) ExitCode() int { return e.Code }

// New wraps err with code; a nil err stays nil.
func New(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Usagef is an invalid-input error (exit 2).
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// FlagUsagef is Usagef for a flag or setting given wrongly: it is shown
// with the command's `Run 'billctl … --help' for usage.` line.
func FlagUsagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...), Help: true}
}

// Authf is an authentication error (exit 3).
func Authf(format string, args ...any) error {
	return &Error{Code: Auth, Err: fmt.Errorf(format, args...)}
}

// Code is the exit status for err: that of the first error in its chain
// that has an ExitCode method, else 1.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var e interface{ ExitCode() int }
	if errors.As(err, &e) {
		return e.ExitCode()
	}
	return Failure
}
