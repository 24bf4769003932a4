// Package outputtest gives tests the command's streams backed by buffers,
// so that what a command prints can be read back.
package outputtest

import (
	"bytes"

	"github.com/billctl/billctl/internal/output"
)

// Streams returns streams backed by buffers: stdin, stdout, stderr.
func Streams() (*output.IO, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errb := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &output.IO{In: in, Out: out, Err: errb}, in, out, errb
}
