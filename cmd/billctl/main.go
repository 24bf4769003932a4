// Command billctl creates and manages billing checkout sessions on
// Meteroid and Maple.
package main

import (
	"os"

	"github.com/billctl/billctl/internal/cli"
)

func main() { os.Exit(cli.Main()) }
