package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

// Commit is what the image is stamped with: the commit it is built from and
// the version it is released as.
type Commit struct {
	Version     string    // 1.2.3 on a tag v1.2.3, else 0.0.0-SNAPSHOT-<short>
	FullCommit  string    // the full hash, the revision label
	ShortCommit string    // git's abbreviation, as the release's --version shows
	Time        time.Time // the commit's time: every timestamp of the image
}

// gitCommit reads the commit of the checkout at dir. SOURCE_DATE_EPOCH,
// when set, replaces the commit's time (the reproducible-builds convention).
func gitCommit(dir string) (Commit, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	var c Commit
	var err error
	if c.FullCommit, err = git("rev-parse", "HEAD"); err != nil {
		return c, err
	}
	if c.ShortCommit, err = git("rev-parse", "--short", "HEAD"); err != nil {
		return c, err
	}
	ts, err := git("log", "-1", "--format=%ct", "HEAD")
	if err != nil {
		return c, err
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		ts = s
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return c, fmt.Errorf("commit time %q: %w", ts, err)
	}
	c.Time = time.Unix(sec, 0).UTC()
	// A release is built from its tag; anything else is a snapshot, named
	// as the release tool names snapshots.
	if tag, err := git("describe", "--tags", "--exact-match", "--match", "v*", "HEAD"); err == nil && tag != "" {
		c.Version = strings.TrimPrefix(tag, "v")
	} else {
		c.Version = "0.0.0-SNAPSHOT-" + c.ShortCommit
	}
	return c, nil
}

// releaseBuild is the part of .goreleaser.yaml's build that decides the
// binary's bytes. The image builds its binaries from it, so that they are
// the archives' binaries: Go builds are reproducible, and the same sources,
// toolchain, environment, flags and ldflags give the same checksum.
type releaseBuild struct {
	ID      string   `yaml:"id"`
	Main    string   `yaml:"main"`
	Binary  string   `yaml:"binary"`
	Env     []string `yaml:"env"`
	Flags   []string `yaml:"flags"`
	Ldflags []string `yaml:"ldflags"`
}

// readReleaseBuild reads the build with the given id from a goreleaser
// configuration.
func readReleaseBuild(path, id string) (releaseBuild, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return releaseBuild{}, err
	}
	var cfg struct {
		Builds []releaseBuild `yaml:"builds"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return releaseBuild{}, fmt.Errorf("%s: %w", path, err)
	}
	for _, b := range cfg.Builds {
		if b.ID == id {
			if b.Main == "" || b.Binary == "" {
				return b, fmt.Errorf("%s: build %q needs main and binary", path, id)
			}
			return b, nil
		}
	}
	return releaseBuild{}, fmt.Errorf("%s: no build with id %q", path, id)
}

// goArgs renders the build's templates for commit c and returns the
// arguments of `go` and the environment it runs with for one platform.
func (b releaseBuild) goArgs(c Commit, goos, goarch, out string) (args, env []string, err error) {
	render := func(s string) (string, error) { return renderTemplate(s, c, goos, goarch) }
	var ld []string
	for _, l := range b.Ldflags {
		r, err := render(l)
		if err != nil {
			return nil, nil, err
		}
		ld = append(ld, r)
	}
	args = append([]string{"build"}, b.Flags...)
	if len(ld) > 0 {
		args = append(args, "-ldflags="+strings.Join(ld, " "))
	}
	args = append(args, "-o", out, b.Main)
	env = []string{"GOOS=" + goos, "GOARCH=" + goarch}
	// The release tool's defaults for the architecture levels, which are
	// also Go's: named so that a different GOAMD64 or GOARM64 in the
	// caller's environment cannot change the bytes.
	switch goarch {
	case "amd64":
		env = append(env, "GOAMD64=v1")
	case "arm64":
		env = append(env, "GOARM64=v8.0")
	}
	for _, e := range b.Env {
		r, err := render(e)
		if err != nil {
			return nil, nil, err
		}
		env = append(env, r)
	}
	return args, env, nil
}

// buildBinary builds the release binary for one platform into dir and
// returns its path.
func buildBinary(root string, b releaseBuild, c Commit, goos, goarch, dir string) (string, error) {
	out := filepath.Join(dir, goos+"_"+goarch, b.Binary)
	args, env, err := b.goArgs(c, goos, goarch, out)
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s go %s: %w", strings.Join(env, " "), strings.Join(args, " "), err)
	}
	return out, nil
}

// renderTemplate renders one of .goreleaser.yaml's templates with the
// fields the release tool gives it; any other field is an error.
func renderTemplate(s string, c Commit, goos, goarch string) (string, error) {
	data := map[string]string{
		"ProjectName":     "billctl",
		"Version":         c.Version,
		"ShortCommit":     c.ShortCommit,
		"FullCommit":      c.FullCommit,
		"Commit":          c.FullCommit,
		"CommitDate":      c.Time.Format(time.RFC3339),
		"CommitTimestamp": strconv.FormatInt(c.Time.Unix(), 10),
		"Os":              goos,
		"Arch":            goarch,
	}
	t, err := template.New("").Option("missingkey=error").Parse(s)
	if err != nil {
		return "", fmt.Errorf("template %q: %w", s, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("template %q: %w", s, err)
	}
	return buf.String(), nil
}
