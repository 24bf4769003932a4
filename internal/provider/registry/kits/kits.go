// Package kits links each provider's cases for the sandbox's test kit
// (provider/<name>/sandbox/kit), which register themselves from their
// init. Only the test kit imports it, so billctl links none of them:
// adding a provider's sandbox side with test cases adds its line here.
package kits

import (
	_ "github.com/billctl/billctl/internal/provider/maple/sandbox/kit"
	_ "github.com/billctl/billctl/internal/provider/meteroid/sandbox/kit"
)
