package page

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// tokens makes and checks the CSRF token each form carries: an HMAC of the
// form's action and the session ID under a server secret. Another site can
// make a browser post to the page, but cannot read the page to learn the
// token, nor compute it without the secret; and a token for one session's
// Cancel does not pay another session.
type tokens struct{ secret []byte }

func (t tokens) make(action, id string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(action))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (t tokens) valid(action, id, got string) bool {
	return hmac.Equal([]byte(t.make(action, id)), []byte(got))
}
