// Package webhook sends the sandbox's webhooks: the events a checkout
// session's API emits when the session completes (each provider's sandbox
// side builds its own, e.g. Meteroid's subscription.created), signed as
// Standard Webhooks (and Svix, which Meteroid sends through) sign them,
// delivered from a durable outbox with retries and backoff.
//
// Scheme (standardwebhooks.com, "Signature scheme"):
//
//	webhook-id:        the message ID, the same on every retry
//	webhook-timestamp: Unix seconds of this attempt
//	webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
//
// where the secret is written "whsec_" + base64(key) and the key is the
// decoded bytes, as Svix's and Standard Webhooks' own libraries read it.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts a written secret.
const SecretPrefix = "whsec_"

// Secret is a signing key: the bytes that "whsec_…" encodes.
type Secret []byte

// ParseSecret reads a secret as Standard Webhooks libraries do: an
// optional "whsec_" prefix, then standard base64. A receiver given the same
// string then verifies what the sandbox signs.
func ParseSecret(s string) (Secret, error) {
	b64 := strings.TrimPrefix(s, SecretPrefix)
	if b64 == "" {
		return nil, errors.New("empty: a secret is " + SecretPrefix + " followed by base64, e.g. " + SecretPrefix + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("not %s followed by base64 (%v), as Standard Webhooks secrets are written", SecretPrefix, err)
	}
	return key, nil
}

// NewSecret makes a random secret, written as ParseSecret reads it.
func NewSecret() string {
	key := make([]byte, 24) // Svix's size
	rand.Read(key)          // never fails (crypto/rand's contract)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// Sign returns the webhook-signature value for one attempt.
func (k Secret) Sign(id string, at time.Time, body []byte) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(at.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Header sets the three signature headers of one attempt on h.
func (k Secret) Header(h http.Header, id string, at time.Time, body []byte) {
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", k.Sign(id, at, body))
}
