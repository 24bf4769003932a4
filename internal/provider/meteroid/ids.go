package meteroid

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
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

// idKinds are the typed IDs of the create request and of the session
// paths, by prefix: the server reads each as PREFIX+base62 or a UUID
// (common-domain's ID macro) and refuses anything else before it looks at
// the request. Customers are not among them: customer_id takes an ID or
// an alias, and whatever does not parse as an ID is an alias to the server
// (AliasOr), so any text is a customer reference.
var idKinds = map[string]string{
	"plv_": "a plan version",
	"cou_": "a coupon",
	"add_": "an add-on",
	"che_": "a checkout session",
}

func init() {
	for prefix, what := range idKinds {
		request.RegisterIDForm(prefix, func(id string) string { return idShape(prefix, what, id) })
	}
}

// idShape says why id is not an ID of prefix as the server reads them,
// or "" when it is one.
func idShape(prefix, what, id string) string {
	_, err := ParseID(prefix, id)
	if err == nil {
		return ""
	}
	form := "is not " + what + " ID (" + prefix + " and base62, or a UUID)"
	rest, ok := strings.CutPrefix(id, prefix)
	switch {
	case !ok:
		if _, uerr := uuid.Parse(id); uerr == nil {
			// uuid.Parse takes the braced and urn: forms the server's
			// parser takes too.
			return ""
		}
		return form
	case rest == "":
		return form + ": nothing follows " + prefix
	}
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(base62Digits, rest[i]) < 0 {
			return form + ": it holds " + strconv.Quote(rest[i:i+1])
		}
	}
	return form + ": it is too large for one (its base62 holds more than 128 bits)"
}

// CheckSessionID refuses, before anything is sent, a checkout session ID
// that the server could not parse (it would answer 400 with its parser's
// text).
func CheckSessionID(id string) error {
	if err := provider.CheckID("checkout session ID", id); err != nil {
		return err
	}
	if p := idShape("che_", idKinds["che_"], id); p != "" {
		return provider.UsageErrorf("checkout session ID %q %s", id, p)
	}
	return nil
}
