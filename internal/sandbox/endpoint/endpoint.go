// Package endpoint is where the local sandbox is reached and what it is
// sent: a leaf, so that settings can point a command at the sandbox
// without linking the sandbox itself (its store, SQLite).
package endpoint

// DefaultAddr is where `sandbox serve` listens and where --sandbox looks
// for it (BILLCTL_SANDBOX_ADDR overrides).
const DefaultAddr = "127.0.0.1:12111"

// Token is what --sandbox sends as the API key when BILLCTL_SANDBOX_TOKEN
// is not set: a sandbox on loopback takes any.
const Token = "sk_sandbox_local"

// TokenEnv names the token of a sandbox served off loopback: `sandbox
// serve` requires it there, and --sandbox commands send it.
const TokenEnv = "BILLCTL_SANDBOX_TOKEN"

// ClientToken is what --sandbox sends: BILLCTL_SANDBOX_TOKEN, or Token.
func ClientToken(getenv func(string) string) string {
	if t := getenv(TokenEnv); t != "" {
		return t
	}
	return Token
}

// Addr is where `sandbox serve` is looked for: BILLCTL_SANDBOX_ADDR, or the default.
func Addr(getenv func(string) string) string {
	if a := getenv("BILLCTL_SANDBOX_ADDR"); a != "" {
		return a
	}
	return DefaultAddr
}

// BaseURL is the API root of the sandbox at addr.
func BaseURL(getenv func(string) string) string { return "http://" + Addr(getenv) }
