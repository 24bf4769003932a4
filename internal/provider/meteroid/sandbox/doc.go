// Package sandbox is Meteroid's side of the local sandbox: its routes and
// answers (sandbox.go), its demo catalogue (catalog.go, catalog_routes.go),
// the webhook events a paid session emits (events.go), what a session buys
// (purchase.go), and its cases for the sandbox's test kit (kit.go). It
// registers itself with the provider registry from its init; the sandbox's
// core reaches it only through the sandbox.API it returns.
package sandbox
