// Command hello is the yardstick for billctl's start-up time: a hello world
// that links the same five libraries as billctl, at the same versions (it is
// in the same module), so that what they cost to load and initialise is
// counted on both sides and the difference is billctl's own.
package main

import (
	"fmt"

	_ "github.com/go-resty/resty/v2"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "gopkg.in/yaml.v3"
)

func main() {
	fmt.Println("hello, world")
}
