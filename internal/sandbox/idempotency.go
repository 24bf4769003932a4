package sandbox

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// KeyTTL is how long an idempotency key's first answer is replayed.
const KeyTTL = 24 * time.Hour

// Answer is a stored response: status and body.
type Answer struct {
	Status int
	Body   []byte
}

// ErrKeyReused: the key was used before with another request body.
var ErrKeyReused = errors.New("idempotency key reused with a different request")

// Replay looks key up in scope: the first answer given for it within
// KeyTTL, or nil. A different body gives ErrKeyReused.
func (tx *Tx) Replay(scope, key string, body []byte) (*Answer, error) {
	var hash, answer []byte
	var status int
	var created int64
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT body_hash, status, answer, created_at FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key).
		Scan(&hash, &status, &answer, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if tx.Now().Sub(FromMicros(created)) >= KeyTTL {
		return nil, nil // expired: the key is free again
	}
	sum := bodyHash(body)
	if !bytes.Equal(hash, sum[:]) {
		return nil, ErrKeyReused
	}
	return &Answer{Status: status, Body: answer}, nil
}

// Remember stores the first answer given for key in scope.
func (tx *Tx) Remember(scope, key string, body []byte, a Answer) error {
	sum := bodyHash(body)
	_, err := tx.Exec(`INSERT OR REPLACE INTO idempotency_keys (scope, key, body_hash, status, answer, created_at) VALUES (?,?,?,?,?,?)`,
		scope, key, sum[:], a.Status, a.Body, Micros(tx.Now()))
	return err
}

// bodyHash identifies a request body by its parsed JSON, so that a repeat
// that differs only in whitespace or key order is the same request: Maple's
// documentation speaks of the same request, not the same bytes. Numbers
// keep their text; a body that is not JSON is hashed as it is.
func bodyHash(body []byte) [32]byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err == nil && !d.More() {
		if b, err := json.Marshal(v); err == nil {
			return sha256.Sum256(b)
		}
	}
	return sha256.Sum256(body)
}
