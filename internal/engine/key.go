package engine

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// Key is the Idempotency-Key of document index (0 = a lone document):
// base, or base-N in a batch; a fresh UUID each when base is empty.
func Key(base string, index int) string {
	switch {
	case base == "":
		return NewKey()
	case index == 0:
		return base
	default:
		return fmt.Sprintf("%s-%d", base, index)
	}
}

// keyRand draws idempotency keys. A key must never repeat, not stay
// secret: a ChaCha8 stream seeded from the runtime's OS-seeded generator
// gives that without crypto/rand's first-use cost, a noticeable share of
// a command that runs for a few milliseconds.
var keyRand = sync.OnceValue(func() *rand.ChaCha8 {
	var seed [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(seed[i*8:], rand.Uint64())
	}
	return rand.NewChaCha8(seed)
})

var keyMu sync.Mutex

// NewKey is a fresh random (version 4) UUID.
func NewKey() string {
	keyMu.Lock()
	defer keyMu.Unlock()
	return uuid.Must(uuid.NewRandomFromReader(keyRand())).String()
}
