package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
)

// providerRow is a row of the table of providers ("| `NAME` | …").
var providerRow = regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|")

// documentedProviders are the providers the reference describes: the rows
// of the table in its section Providers.
func documentedProviders(doc string) []string {
	_, sec, _ := strings.Cut(doc, "\n## Providers\n")
	sec, _, _ = strings.Cut(sec, "\n## ")
	var out []string
	for _, m := range providerRow.FindAllStringSubmatch(sec, -1) {
		out = append(out, m[1])
	}
	return out
}

// The reference of the command line, docs/cli.md, is kept current with
// the code: every command and every flag the code has is in it. A
// provider's own request flags are in it when it describes that provider
// (a row of its table of providers), all of them; a provider it does not
// describe is documented by its descriptor, whose usage text help shows,
// so that adding one touches no doc.
func TestReferenceNamesEveryCommandAndFlag(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	described := map[string]bool{}
	for _, name := range documentedProviders(doc) {
		described[name] = true
		if registry.Get(name) == nil {
			t.Errorf("docs/cli.md describes a provider %q that billctl does not have", name)
		}
	}
	if len(described) == 0 {
		t.Fatal("docs/cli.md has no table of providers")
	}
	// own are the flags of providers the reference does not describe,
	// and no other's: the descriptor is their documentation.
	own := map[string]provider.Flag{}
	for _, d := range registry.All() {
		if d.Flags == nil {
			continue
		}
		for _, f := range d.Flags() {
			if !described[d.Name] {
				own[f.Name] = f
			}
		}
	}
	for _, d := range registry.All() {
		if d.Flags != nil && described[d.Name] {
			for _, f := range d.Flags() {
				delete(own, f.Name)
			}
		}
	}
	streams, _, _, _ := outputtest.Streams()
	root := NewRoot(&cmdutil.Factory{IO: streams, Getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || strings.HasPrefix(c.Name(), "__") {
			return
		}
		path := c.CommandPath()
		if c.HasParent() && c.Parent().Name() != "completion" && !strings.Contains(doc, strings.TrimPrefix(path, "billctl ")) {
			t.Errorf("docs/cli.md does not name the command %q", path)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" || f.Name == "version" {
				return
			}
			if pf, ok := own[f.Name]; ok {
				if strings.TrimSpace(pf.Usage) == "" {
					t.Errorf("%s's flag --%s has no usage text in its provider's descriptor", path, f.Name)
				}
				return
			}
			if !strings.Contains(doc, "--"+f.Name) {
				t.Errorf("docs/cli.md does not name %s's flag --%s", path, f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
