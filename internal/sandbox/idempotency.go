package sandbox

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
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
	sum := sha256.Sum256(body)
	if !bytes.Equal(hash, sum[:]) {
		return nil, ErrKeyReused
	}
	return &Answer{Status: status, Body: answer}, nil
}

// Remember stores the first answer given for key in scope.
func (tx *Tx) Remember(scope, key string, body []byte, a Answer) error {
	sum := sha256.Sum256(body)
	_, err := tx.Exec(`INSERT OR REPLACE INTO idempotency_keys (scope, key, body_hash, status, answer, created_at) VALUES (?,?,?,?,?,?)`,
		scope, key, sum[:], a.Status, a.Body, Micros(tx.Now()))
	return err
}
