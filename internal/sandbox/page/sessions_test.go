package page_test

import (
	"testing"

	"github.com/billctl/billctl/internal/sandbox/page"
	"github.com/billctl/billctl/internal/sandbox/page/pagetest"
)

func TestMemSessions(t *testing.T) {
	pagetest.TestSessions(t, func(t *testing.T) pagetest.Store {
		m := page.NewMemForTest()
		return pagetest.Store{
			Sessions:    m,
			Create:      func(*testing.T) string { return m.CreateForTest() },
			Expire:      func(_ *testing.T, id string) { m.ExpireForTest(id) },
			Completions: func(_ *testing.T, id string) int { return m.CompletionsForTest(id) },
		}
	})
}
