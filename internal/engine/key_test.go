package engine

import (
	"testing"

	"github.com/google/uuid"
)

func TestNewKeyIsAFreshVersion4UUID(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		k := NewKey()
		u, err := uuid.Parse(k)
		if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || len(k) != 36 {
			t.Fatalf("NewKey() = %q: not a version 4 UUID (%v)", k, err)
		}
		if seen[k] {
			t.Fatalf("NewKey() repeated %q", k)
		}
		seen[k] = true
	}
}

func TestKeyOfBatchDocuments(t *testing.T) {
	if got := Key("job-42", 0); got != "job-42" {
		t.Errorf("lone document: key %q", got)
	}
	if got := Key("job-42", 7); got != "job-42-7" {
		t.Errorf("document 7: key %q", got)
	}
	if ka, kb := Key("", 0), Key("", 0); ka == kb {
		t.Errorf("two creates without --idempotency-key got the same key %q", ka)
	}
}
