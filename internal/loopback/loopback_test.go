package loopback

import "testing"

func TestHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost":          true,
		"LocalHost":          true,
		"localhost.":         true,
		"127.0.0.1":          true,
		"127.255.10.2":       true,
		"::1":                true,
		"::ffff:127.0.0.1":   true, // an IPv4 loopback address written as IPv6
		"0.0.0.0":            false,
		"128.0.0.1":          false,
		"10.0.0.1":           false,
		"::2":                false,
		"fe80::1":            false,
		"::":                 false,
		"localhost.evil.com": false,
		"evil-localhost":     false,
		"127.0.0.1.nip.io":   false,
		"127.1":              false, // not an address net.ParseIP accepts
		"[::1]":              false, // brackets belong to the URL, not the host
		"":                   false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}
