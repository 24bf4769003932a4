package meteroid

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"math/bits"
	"strings"
	"time"
)

// Meteroid's IDs are a UUIDv7 rotated left by 67 bits (so that IDs made in
// the same millisecond do not share their first characters) and written in
// base62 (0-9, A-Z, a-z) after a type prefix: che_…, cus_…, plv_…. The
// server also accepts the plain UUID form. These helpers write and read that
// form: the client compares IDs with them, and the sandbox writes the IDs a
// real account shows.

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// UUID is 128 bits, most significant first.
type UUID struct{ Hi, Lo uint64 }

// NewUUIDv7 returns a version-7 UUID for t: 48 bits of Unix milliseconds,
// then random bits.
func NewUUIDv7(t time.Time) UUID {
	var r [10]byte
	_, _ = rand.Read(r[:])
	ms := uint64(t.UnixMilli()) & (1<<48 - 1)
	hi := ms<<16 | 0x7000 | uint64(binary.BigEndian.Uint16(r[0:2]))&0x0fff
	lo := 0x8000000000000000 | binary.BigEndian.Uint64(r[2:10])&0x3fffffffffffffff
	return UUID{hi, lo}
}

// rotl rotates the 128-bit value left by k bits (0 < k < 128).
func rotl(u UUID, k uint) UUID {
	if k >= 64 {
		u = UUID{u.Lo, u.Hi}
		k -= 64
	}
	if k == 0 {
		return u
	}
	return UUID{u.Hi<<k | u.Lo>>(64-k), u.Lo<<k | u.Hi>>(64-k)}
}

func rotr(u UUID, k uint) UUID { return rotl(u, 128-k) }

// ID writes u as Meteroid does, after prefix.
func ID(prefix string, u UUID) string {
	v := rotl(u, 67)
	if v.Hi == 0 && v.Lo == 0 {
		return prefix + "0"
	}
	var buf [24]byte
	i := len(buf)
	for v.Hi != 0 || v.Lo != 0 {
		// Divide the 128-bit value by 62, keeping the remainder.
		qh, rh := bits.Div64(0, v.Hi, 62)
		ql, r := bits.Div64(rh, v.Lo, 62)
		v = UUID{qh, ql}
		i--
		buf[i] = base62Digits[r]
	}
	return prefix + string(buf[i:])
}

// NewID is a fresh ID of the given prefix, made now.
func NewID(prefix string, now time.Time) string {
	return ID(prefix, NewUUIDv7(now))
}

// ErrBadID is what ParseID reports; its text follows the server's.
var ErrBadID = errors.New("invalid id")

// ParseID reads an ID of the given prefix, in the base62 form or as
// a plain UUID, as the server does. The error text is the server's.
func ParseID(prefix, s string) (UUID, error) {
	if rest, ok := strings.CutPrefix(s, prefix); ok {
		if rest == "" {
			return UUID{}, idError("Invalid base62 string: empty")
		}
		var v UUID
		for i := 0; i < len(rest); i++ {
			d := strings.IndexByte(base62Digits, rest[i])
			if d < 0 {
				return UUID{}, idError("Invalid character '" + string(rest[i]) + "'")
			}
			// v = v*62 + d, refusing what does not fit in 128 bits.
			hh, hl := bits.Mul64(v.Hi, 62)
			lh, ll := bits.Mul64(v.Lo, 62)
			sum, carry := bits.Add64(hl, lh, 0)
			if hh != 0 || carry != 0 {
				return UUID{}, idError("Decoded number cannot fit into a `u128`")
			}
			lo, c := bits.Add64(ll, uint64(d), 0)
			hi, c2 := bits.Add64(sum, 0, c)
			if c2 != 0 {
				return UUID{}, idError("Decoded number cannot fit into a `u128`")
			}
			v = UUID{hi, lo}
		}
		return rotr(v, 67), nil
	}
	return parseUUID(s)
}

func parseUUID(s string) (UUID, error) {
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || (len(s) != 32 && len(s) != 36) {
		return UUID{}, idError("invalid length: expected length 32 for simple format, found " + itoa(len(h)))
	}
	var u UUID
	for i := 0; i < 32; i++ {
		c := h[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return UUID{}, idError("invalid character: expected [0-9a-fA-F], found `" + string(c) + "`")
		}
		if i < 16 {
			u.Hi = u.Hi<<4 | uint64(d)
		} else {
			u.Lo = u.Lo<<4 | uint64(d)
		}
	}
	return u, nil
}

type idErr struct{ msg string }

func (e *idErr) Error() string { return "IdError: " + e.msg }
func (e *idErr) Unwrap() error { return ErrBadID }

func idError(msg string) error { return &idErr{msg} }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
