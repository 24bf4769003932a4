package lockfile

import (
	"errors"
	"fmt"
	"os"
)

// ErrHeld is TryLock's answer when another process holds the lock.
var ErrHeld = errors.New("held by another process")

// TryLock is Lock that does not wait: when another process holds the
// lock it returns an error that wraps ErrHeld. It is for work that two
// processes must never do at once, where waiting would only make the
// second one repeat what the first did.
func TryLock(path string) (release func(), err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file %s: %w", name, err)
	}
	if err := tryLock(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock file %s: %w", name, err)
	}
	return func() {
		_ = unlock(f)
		_ = f.Close()
	}, nil
}
