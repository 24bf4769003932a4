// Package sandbox is Maple's side of the local sandbox: its routes and
// answers (sandbox.go), what a session buys (purchase.go), and its cases
// for the sandbox's test kit (kit.go). Maple's spec defines no webhooks, so
// its paid sessions emit none. It registers itself with the provider
// registry from its init; the sandbox's core reaches it only through the
// sandbox.API it returns.
package sandbox
