//go:build !unix

package peakrss

import "os"

// kib: Windows and the other systems report no peak RSS in the process
// state.
func kib(*os.ProcessState) (int64, bool) { return 0, false }
