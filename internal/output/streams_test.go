package output

import "bytes"

// testStreams returns streams backed by buffers: stdin, stdout, stderr.
func testStreams() (*IO, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errb := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IO{In: in, Out: out, Err: errb}, in, out, errb
}
