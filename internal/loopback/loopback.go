// Package loopback says whether a host is this machine: the one rule for
// what may be reached over plain http (a base URL the token goes to, a
// webhook the sandbox posts to, a checkout page opened in a browser).
package loopback

import (
	"net"
	"strings"
)

// Host reports whether host (as url.URL.Hostname gives it, without
// brackets or port) names this machine: localhost, 127.0.0.0/8 or ::1.
// Names are not resolved: only "localhost" itself is trusted, never a name
// that merely resolves to a loopback address today.
func Host(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
