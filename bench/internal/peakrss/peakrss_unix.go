//go:build unix

package peakrss

import (
	"os"
	"runtime"
	"syscall"
)

func kib(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	rss := int64(ru.Maxrss)
	// getrusage(2) counts KiB on Linux and the BSDs, bytes on macOS.
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		rss /= 1024
	}
	return rss, true
}
