package page

import (
	"fmt"
	"sync/atomic"
	"time"
)

// What the external tests (package page_test) use of the in-memory store.

// MemForTest is the in-memory Sessions.
type MemForTest = memSessions

// NewMemForTest returns an empty in-memory store.
func NewMemForTest() *MemForTest { return newMem() }

var memSeq atomic.Int64

// CreateForTest adds a new CREATED session and returns its ID.
func (m *memSessions) CreateForTest() string {
	id := fmt.Sprintf("che_mem%d", memSeq.Add(1))
	m.add(demo(id))
	return id
}

// ExpireForTest sets a session's expiry in the past.
func (m *memSessions) ExpireForTest(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[id].ExpiresAt = m.now().Add(-time.Second)
}

// CompletionsForTest counts the completions of a session.
func (m *memSessions) CompletionsForTest(id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.completed {
		if c == id {
			n++
		}
	}
	return n
}
