package meteroid

import (
	"math/big"
	"strings"

	"github.com/google/uuid"
)

// base62 is the alphabet of the server's IDs (the base62 crate's
// standard one).
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// canonicalID is an ID of the kind that prefix starts ("plv_", "cus_") in
// one form, whichever the server or the user wrote: the server takes a
// UUID or PREFIX+base62 and always answers with the second, which is the
// UUID as a 128-bit number, rotated left by 67 bits, in base62. Both are
// read back to the UUID; anything else (an alias) is returned as it is.
func canonicalID(prefix, s string) string {
	if rest, ok := strings.CutPrefix(s, prefix); ok {
		if u, ok := fromBase62(rest); ok {
			return u.String()
		}
		return s
	}
	if u, err := uuid.Parse(s); err == nil && len(s) == 36 {
		return u.String()
	}
	return s
}

// fromBase62 reads the part of an ID after its prefix.
func fromBase62(s string) (uuid.UUID, bool) {
	if s == "" || len(s) > 22 {
		return uuid.UUID{}, false
	}
	n := new(big.Int)
	for _, r := range s {
		i := strings.IndexRune(base62, r)
		if i < 0 {
			return uuid.UUID{}, false
		}
		n.Mul(n, big.NewInt(62)).Add(n, big.NewInt(int64(i)))
	}
	if n.BitLen() > 128 {
		return uuid.UUID{}, false
	}
	var b [16]byte
	n.FillBytes(b[:])
	hi, lo := beUint64(b[:8]), beUint64(b[8:])
	// Undo the rotation: right by 67 = left by 61 on 128 bits.
	hi, lo = rotl128(hi, lo, 61)
	var u uuid.UUID
	putBE(u[:8], hi)
	putBE(u[8:], lo)
	return u, true
}

// toBase62 is the server's form of u with prefix.
func toBase62(prefix string, u uuid.UUID) string {
	hi, lo := rotl128(beUint64(u[:8]), beUint64(u[8:]), 67)
	var b [16]byte
	putBE(b[:8], hi)
	putBE(b[8:], lo)
	n := new(big.Int).SetBytes(b[:])
	if n.Sign() == 0 {
		return prefix + "0"
	}
	var out []byte
	m := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(62), m)
		out = append(out, base62[m.Int64()])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return prefix + string(out)
}

// rotl128 rotates the 128-bit number hi:lo left by k bits (0 < k < 128).
func rotl128(hi, lo uint64, k uint) (uint64, uint64) {
	if k >= 64 {
		hi, lo = lo, hi
		k -= 64
	}
	if k == 0 {
		return hi, lo
	}
	return hi<<k | lo>>(64-k), lo<<k | hi>>(64-k)
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func putBE(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// isAlias tells a customer's alias from its ID in either form the server
// parses (cus_… or a UUID): only an ID goes into the list filter.
func isAlias(s string) bool {
	if s == "" || isCustomerID(s) {
		return false
	}
	_, err := uuid.Parse(s)
	return err != nil
}
