package lockfile

import (
	"errors"
	"path/filepath"
	"testing"
)

// A second TryLock of a held lock fails at once with ErrHeld, and
// succeeds once the first is released.
func TestTryLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "batch.journal")
	release, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(path); !errors.Is(err, ErrHeld) {
		t.Fatalf("second TryLock: %v, want ErrHeld", err)
	}
	release()
	again, err := TryLock(path)
	if err != nil {
		t.Fatalf("TryLock after release: %v", err)
	}
	again()
}
