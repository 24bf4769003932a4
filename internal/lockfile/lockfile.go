// Package lockfile serialises the read-modify-write of a file between
// processes: the config file when two terminals add a profile at the same
// moment, the completion cache when two shells complete at once. The lock
// is taken on a separate file beside the data (path + ".lock"), because
// the data file itself is replaced by a rename on every write and a lock
// on the old file would not hold the new one.
package lockfile

import (
	"fmt"
	"os"
)

// Lock waits for an exclusive lock on path+".lock", creating it with mode
// 0600 (its directory must exist), and returns the function that releases
// it. The lock file is left in place: removing it would let a process that
// has just opened it lock a file no one else sees. The operating system
// drops the lock when the process ends, so a crash never leaves it held.
func Lock(path string) (release func(), err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file %s: %w", name, err)
	}
	if err := lock(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock file %s: %w", name, err)
	}
	return func() {
		_ = unlock(f)
		_ = f.Close()
	}, nil
}
