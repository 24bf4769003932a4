// Package loadavg reads the machine's load average, which every benchmark
// prints beside its figures: on a shared machine a figure means little
// without how busy the machine was when it was taken.
package loadavg

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// String is "load 1.52 0.98 0.61 on 2 CPUs" (the 1, 5 and 15 minute
// averages), or "load unknown on N CPUs" where the system does not say.
func String() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return fmt.Sprintf("load unknown on %d CPUs", runtime.NumCPU())
	}
	return fmt.Sprintf("load %s %s %s on %d CPUs", f[0], f[1], f[2], runtime.NumCPU())
}
