package sandbox

import "crypto/rand"

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomID is prefix plus n random base62 characters: IDs that carry no
// time, as some APIs write theirs.
func RandomID(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = base62Digits[int(b[i])%62]
	}
	return prefix + string(b)
}
