package page

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// memSessions is an in-memory Sessions for the page's tests: the same
// rules as the sandbox's store (expiry by time, the allowed moves), and a
// record of completions so a test can see that Pay did its part.
type memSessions struct {
	mu        sync.Mutex
	now       func() time.Time
	sessions  map[string]*Checkout
	completed []string
	fail      error // when set, every call fails with it
}

func newMem() *memSessions {
	return &memSessions{now: time.Now, sessions: map[string]*Checkout{}}
}

func (m *memSessions) add(c Checkout) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.Status == "" {
		c.Status = Created
	}
	m.sessions[c.ID] = &c
}

func (m *memSessions) status(id string) Status {
	c, err := m.Checkout(context.Background(), id)
	if err != nil {
		return Status("error: " + err.Error())
	}
	return c.Status
}

// get returns the session, EXPIRED when its time has passed.
func (m *memSessions) get(id string) (*Checkout, error) {
	if m.fail != nil {
		return nil, m.fail
	}
	c, ok := m.sessions[id]
	if !ok {
		return nil, fmt.Errorf("session %s: %w", id, ErrNotFound)
	}
	if c.Status.Payable() && !c.ExpiresAt.IsZero() && !m.now().Before(c.ExpiresAt) {
		c.Status = Expired
	}
	return c, nil
}

func (m *memSessions) Checkout(_ context.Context, id string) (Checkout, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := m.get(id)
	if err != nil {
		return Checkout{}, err
	}
	return *c, nil
}

func (m *memSessions) Opened(_ context.Context, id string) (Checkout, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := m.get(id)
	if err != nil {
		return Checkout{}, err
	}
	if c.Status == Created {
		c.Status = AwaitingPayment
	}
	return *c, nil
}

func (m *memSessions) move(id string, to Status) (Checkout, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := m.get(id)
	if err != nil {
		return Checkout{}, err
	}
	if !c.Status.Payable() {
		return *c, fmt.Errorf("session %s is %s: %w", id, c.Status, ErrState)
	}
	c.Status = to
	if to == Completed {
		m.completed = append(m.completed, id)
	}
	return *c, nil
}

func (m *memSessions) Pay(_ context.Context, id string) (Checkout, error) {
	return m.move(id, Completed)
}

func (m *memSessions) Cancel(_ context.Context, id string) (Checkout, error) {
	return m.move(id, Cancelled)
}

var errDiskOnFire = errors.New("disk I/O error: /var/lib/secret/sandbox.db")

// demo is a Meteroid session with every part of the page filled in.
func demo(id string) Checkout {
	return Checkout{
		ID:           id,
		Provider:     "meteroid",
		CustomerName: "Acme Corporation",
		CustomerID:   "cus_7n42DGM5Tflk9n8mt7Fhc7",
		Items: []Item{
			{Kind: "Plan", Name: "Pro (version 2)", Detail: "Monthly", Amount: Money{4900, "EUR"}},
			{Kind: "Add-on", Name: "Extra seats", Detail: "× 3", Amount: Money{1500, "EUR"}},
			{Kind: "Coupon", Name: "Launch 10%", Detail: "10% off", Amount: Money{-640, "EUR"}},
		},
		Term:      "Monthly",
		Trial:     "14 days",
		Total:     Money{5760, "EUR"},
		ExpiresAt: time.Date(2099, 1, 2, 3, 4, 0, 0, time.UTC),
	}
}
