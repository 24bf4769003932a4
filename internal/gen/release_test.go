package main

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Two snapshot releases of one commit must give the same archives: every
// file put in an archive, the binary included, takes its time from the
// commit and has a fixed mode and owner, never the build's clock or the
// checkout's. (Checked by building: goreleaser release --snapshot --clean
// twice, then comparing dist/checksums.txt.)
func TestReleaseArchivesAreReproducible(t *testing.T) {
	b, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type info struct {
		Mtime string `yaml:"mtime"`
		Mode  any    `yaml:"mode"`
		Owner string `yaml:"owner"`
		Group string `yaml:"group"`
	}
	var cfg struct {
		Archives []struct {
			ID         string `yaml:"id"`
			BuildsInfo *info  `yaml:"builds_info"`
			Files      []any  `yaml:"files"`
		} `yaml:"archives"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Archives) == 0 {
		t.Fatal("no archives")
	}
	fromCommit := func(what string, i *info) {
		if i == nil || !strings.Contains(i.Mtime, ".Commit") || i.Mode == nil || i.Owner == "" || i.Group == "" {
			t.Errorf("%s: file info %+v: want mtime from the commit, a mode, an owner and a group", what, i)
		}
	}
	for _, a := range cfg.Archives {
		fromCommit("archive "+a.ID+": builds_info", a.BuildsInfo)
		if len(a.Files) == 0 {
			t.Errorf("archive %s lists no files", a.ID)
		}
		for _, f := range a.Files {
			m, ok := f.(map[string]any)
			if !ok {
				t.Errorf("archive %s: file %v is a bare glob: its time would be the checkout's", a.ID, f)
				continue
			}
			raw, _ := yaml.Marshal(m["info"])
			var i *info
			if m["info"] != nil {
				i = &info{}
				if err := yaml.Unmarshal(raw, i); err != nil {
					t.Fatal(err)
				}
			}
			fromCommit("archive "+a.ID+": "+m["src"].(string), i)
		}
	}
}
