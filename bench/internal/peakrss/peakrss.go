// Package peakrss reads the peak resident memory of a finished child
// process, where the system reports it: the benchmarks print it beside
// their timings, and must still build (and run, without the figure) where
// it is not reported, such as Windows.
package peakrss

import "os"

// KiB is the peak resident set size of the process that ps describes, in
// KiB, and whether the system reported one (0, false where it does not).
func KiB(ps *os.ProcessState) (int64, bool) {
	if ps == nil {
		return 0, false
	}
	return kib(ps)
}
