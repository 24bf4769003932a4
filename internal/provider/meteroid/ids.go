package meteroid

import (
	"encoding/binary"
	"strings"

	"github.com/google/uuid"
)

// canonicalID is an ID of the kind that prefix starts ("plv_", "cus_") in
// one form, whichever the server or the user wrote: the server takes a
// UUID or PREFIX+base62 and always answers with the second. Both are read
// back to the UUID with the reader of the server's encoding (base62.go: one
// implementation for the answers the sandbox writes and the ones the client
// compares); anything else (an alias) is returned as it is.
func canonicalID(prefix, s string) string {
	if !strings.HasPrefix(s, prefix) {
		if _, err := uuid.Parse(s); err != nil || len(s) != 36 {
			return s
		}
	}
	u, err := ParseID(prefix, s)
	if err != nil {
		return s
	}
	var b uuid.UUID
	binary.BigEndian.PutUint64(b[:8], u.Hi)
	binary.BigEndian.PutUint64(b[8:], u.Lo)
	return b.String()
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
