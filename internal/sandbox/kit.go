package sandbox

import (
	"net/http"
	"sync"
)

var (
	kitsMu sync.Mutex
	kits   map[string]func() *Kit // made by the first RegisterKit: billctl has none
)

// RegisterKit adds the test kit's cases of the API called name, from the
// init of its kit package.
func RegisterKit(name string, kit func() *Kit) {
	kitsMu.Lock()
	defer kitsMu.Unlock()
	if kits == nil {
		kits = map[string]func() *Kit{}
	}
	kits[name] = kit
}

// KitOf is the test kit's cases of the API called name; nil when its kit
// package is not linked or it has none.
func KitOf(name string) *Kit {
	kitsMu.Lock()
	k := kits[name]
	kitsMu.Unlock()
	if k == nil {
		return nil
	}
	return k()
}

// Kit is what an API gives the sandbox's test kit (sandboxtest), so that
// the kit itself names no API: the test records it adds to the demo
// catalogue, and the answers of a failing or hostile server in the API's
// shape, for the error paths the sandbox has no reason to take. The
// sandbox's own server never reads it: an API's kit is its own package
// (provider/<name>/sandbox/kit), which only the test kit links.
type Kit struct {
	// Spec is the API's OpenAPI document, a file of testdata/specs.
	Spec string
	// Fixtures are the test records of the API: customers (the IDs
	// given) and whatever else a create of it names (plan versions,
	// companies, pricings).
	Fixtures func(customers []string) []Item
	// Error writes an error as the API's server does for status.
	Error func(w http.ResponseWriter, status int, code, message string)
	// Revoked is the message of the 401 for a key the API cannot find.
	Revoked string
	// BadRequest writes the 400 of a create the server refuses on a
	// record it does not have.
	BadRequest func(w http.ResponseWriter)
	// Hostile builds a hostile server's answers in the API's shape from
	// a session ID, a URL and a message holding terminal controls.
	Hostile func(id, url, text string) Hostile
	// DropURL empties the checkout URL of a decoded create or get answer
	// and returns the session's ID, as an API that may answer without a
	// URL does; nil: the API always gives one.
	DropURL func(answer map[string]any) (id string)
	// Created reads a session's ID from a create answer, and SessionPath
	// is where that session is read back: the kit moves a new session on
	// (opened, paid, expired) and answers as if it had been found there.
	// nil: the kit moves no session of this API.
	Created     func(answer []byte) (id string, ok bool)
	SessionPath func(id string) string
}

// Hostile are the answers of a hostile server in an API's shape.
type Hostile struct {
	// Created and Got are the bodies of the 200 to a create and a get.
	Created, Got any
	// ListPath and Listed: the body of the 200 to a list at ListPath
	// filtered to the hostile customer; ListPath "": the API has no list.
	ListPath string
	Listed   any
	// Error is the body of a 400 whose code and message hold controls.
	Error any
	// Tenant is the account the stored hostile session belongs to.
	Tenant string
}
