// Package endpoint is where the local sandbox is reached and what it is
// sent: a leaf, so that settings can point a command at the sandbox
// without linking the sandbox itself (its store, SQLite).
package endpoint

// DefaultAddr is where `sandbox serve` listens and where --sandbox looks
// for it (BILLCTL_SANDBOX_ADDR overrides).
const DefaultAddr = "127.0.0.1:12111"

// Token is what --sandbox sends as the API key: the sandbox takes any.
const Token = "sk_sandbox_local"

// Addr is where `sandbox serve` is looked for: BILLCTL_SANDBOX_ADDR, or the default.
func Addr(getenv func(string) string) string {
	if a := getenv("BILLCTL_SANDBOX_ADDR"); a != "" {
		return a
	}
	return DefaultAddr
}

// BaseURL is the API root of the sandbox at addr.
func BaseURL(getenv func(string) string) string { return "http://" + Addr(getenv) }
