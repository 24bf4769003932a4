package page

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
)

// SandboxSessions is Sessions on the sandbox's store: sessions as the
// store keeps them, described from the demo catalogue.
type SandboxSessions struct {
	Store   *sandbox.Store
	Catalog *purchase.Catalog
	// StatusName is a status in the words of the API the session was
	// made on (COMPLETE for one, COMPLETED for another); nil or "": the
	// store's word.
	StatusName func(provider string, s sandbox.Status) string
}

var _ Sessions = (*SandboxSessions)(nil)

// Checkout implements Sessions.
func (s *SandboxSessions) Checkout(ctx context.Context, id string) (Checkout, error) {
	ss, err := s.Store.Session(ctx, id)
	return s.view(ss, err)
}

// Opened implements Sessions; the store's ErrState for a session that is no
// longer open is no error here: its page shows how it ended.
func (s *SandboxSessions) Opened(ctx context.Context, id string) (Checkout, error) {
	ss, err := s.Store.Opened(ctx, id)
	if errors.Is(err, sandbox.ErrState) && ss != nil {
		err = nil
	}
	return s.view(ss, err)
}

// Pay implements Sessions.
func (s *SandboxSessions) Pay(ctx context.Context, id string) (Checkout, error) {
	ss, err := s.Store.Pay(ctx, id)
	return s.view(ss, err)
}

// Cancel implements Sessions.
func (s *SandboxSessions) Cancel(ctx context.Context, id string) (Checkout, error) {
	ss, err := s.Store.Cancel(ctx, id)
	return s.view(ss, err)
}

func (s *SandboxSessions) view(ss *sandbox.Session, err error) (Checkout, error) {
	switch {
	case errors.Is(err, sandbox.ErrNotFound):
		return Checkout{}, fmt.Errorf("%w: %v", ErrNotFound, err)
	case errors.Is(err, sandbox.ErrState):
		c, _ := s.describe(ss)
		return c, fmt.Errorf("%w: %v", ErrState, err)
	case err != nil:
		return Checkout{}, err
	}
	return s.describe(ss)
}

func (s *SandboxSessions) describe(ss *sandbox.Session) (Checkout, error) {
	if ss == nil {
		return Checkout{}, nil
	}
	p, err := s.Catalog.Of(ss)
	if err != nil {
		return Checkout{}, err
	}
	c := Checkout{
		ID: ss.ID, Provider: ss.Provider, Status: Status(ss.Status), StatusText: string(ss.Status),
		CustomerName: p.CustomerName, CustomerID: p.CustomerID,
		Term: p.Term, Trial: p.Trial,
		Total:               Money{Minor: p.Total, Currency: p.Currency},
		SuccessURL:          p.SuccessURL,
		CancelURL:           p.CancelURL,
		RedirectURL:         p.RedirectURL,
		ConfirmationMessage: p.ConfirmationMessage,
		CompletionAction:    p.CompletionAction,
	}
	if s.StatusName != nil {
		if w := s.StatusName(ss.Provider, ss.Status); w != "" {
			c.StatusText = w
		}
	}
	if ss.ExpiresAt != nil {
		c.ExpiresAt = *ss.ExpiresAt
	}
	if p.FreeTrial() {
		c.FreeTrial = true
		c.TrialEnds = trialEnds(ss, p, time.Now())
	}
	if c.CustomerName == c.CustomerID {
		c.CustomerID = ""
	}
	for _, l := range p.Lines {
		it := Item{Kind: l.Kind, Name: l.Name, Detail: l.Detail}
		if l.Priced {
			it.Amount = Money{Minor: l.Minor, Currency: p.Currency}
		}
		c.Items = append(c.Items, it)
	}
	return c, nil
}

// trialEnds is the day a free trial ends: its length after the day the
// subscription starts (billing_start_date, else the day it is paid; today
// while it is not).
func trialEnds(ss *sandbox.Session, p purchase.Purchase, now time.Time) time.Time {
	if ss.CompletedAt != nil {
		now = *ss.CompletedAt
	}
	start := now.UTC().Truncate(24 * time.Hour)
	if d, err := time.Parse(time.DateOnly, p.BillingStartDate); err == nil {
		start = d
	}
	return start.AddDate(0, 0, p.TrialDays)
}
