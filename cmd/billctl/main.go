// Command billctl creates and manages billing checkout sessions on the
// billing APIs its providers speak (internal/provider/registry).
package main

import (
	"os"

	"github.com/billctl/billctl/internal/cli"
)

func main() { os.Exit(cli.Main()) }
