package main

import (
	"archive/tar"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

var testCommit = Commit{
	Version:     "1.4.0",
	FullCommit:  "5be2b1b9d5de6f8f049b3e3914ffde9174135042",
	ShortCommit: "5be2b1b",
	Time:        time.Date(2026, 12, 7, 10, 53, 49, 0, time.UTC),
}

func testBinaries() map[string][]byte {
	return map[string][]byte{
		"linux/amd64": []byte("\x7fELF amd64 stand-in"),
		"linux/arm64": []byte("\x7fELF arm64 stand-in"),
	}
}

func testIndex(t *testing.T, c Commit) (v1.ImageIndex, map[string]v1.Image) {
	t.Helper()
	idx, imgs, err := buildIndex(testBinaries(), []byte("Apache License"), c)
	if err != nil {
		t.Fatal(err)
	}
	return idx, imgs
}

// Two builds of one commit are the same image, to the digest; another
// commit time is another image.
func TestImageIsReproducible(t *testing.T) {
	a, _ := testIndex(t, testCommit)
	b, _ := testIndex(t, testCommit)
	da, err := a.Digest()
	if err != nil {
		t.Fatal(err)
	}
	db, _ := b.Digest()
	if da != db {
		t.Fatalf("two builds of one commit: %s and %s", da, db)
	}
	later := testCommit
	later.Time = later.Time.Add(time.Second)
	c, _ := testIndex(t, later)
	if dc, _ := c.Digest(); dc == da {
		t.Fatalf("a commit one second later gave the same digest %s", dc)
	}
}

// The checks accept the image as built and name what is wrong in one
// that differs.
func TestCheckImage(t *testing.T) {
	idx, imgs := testIndex(t, testCommit)
	bins := map[string][]byte{}
	if errs := checkImage(idx, testCommit, bins); len(errs) > 0 {
		t.Fatalf("the built image fails its checks: %v", errs)
	}
	for k, want := range testBinaries() {
		if string(bins[k]) != string(want) {
			t.Errorf("%s binary read back as %q, want %q", k, bins[k], want)
		}
	}

	other := testCommit
	other.Version = "1.5.0"
	if errs := checkImage(idx, other, nil); !containsErr(errs, "org.opencontainers.image.version") {
		t.Errorf("another version's checks: %v, want the version label named", errs)
	}

	img := imgs["linux/amd64"]
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg := cf.Config
	cfg.User = ""
	cfg.Cmd = []string{"sandbox", "serve"}
	root, err := mutate.Config(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	errs := checkPlatform(root, Platforms[0], testCommit, nil)
	if !containsErr(errs, "user") || !containsErr(errs, "cmd") {
		t.Errorf("an image running as root with another command: %v, want user and cmd named", errs)
	}
	if errs := checkPlatform(img, Platforms[1], testCommit, nil); !containsErr(errs, "config is for linux/amd64") {
		t.Errorf("the amd64 image checked as arm64: %v", errs)
	}
}

func containsErr(errs []error, s string) bool {
	for _, e := range errs {
		if strings.Contains(e.Error(), s) {
			return true
		}
	}
	return false
}

// The image's configuration is what a service container needs.
func TestImageConfig(t *testing.T) {
	_, imgs := testIndex(t, testCommit)
	cf, err := imgs["linux/arm64"].ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.Architecture != "arm64" || cf.OS != "linux" || !cf.Created.Equal(testCommit.Time) {
		t.Errorf("platform %s/%s created %s", cf.OS, cf.Architecture, cf.Created)
	}
	if !slices.Equal(c.Entrypoint, []string{"billctl"}) || c.User != "65532:65532" ||
		!slices.Equal(c.Cmd, []string{"sandbox", "serve", "--addr", "0.0.0.0:12111", "--data", "/data/sandbox.db"}) {
		t.Errorf("entrypoint %q cmd %q user %q", c.Entrypoint, c.Cmd, c.User)
	}
	if c.Healthcheck == nil || !slices.Equal(c.Healthcheck.Test, []string{"CMD", "billctl", "sandbox", "ping"}) || c.Healthcheck.Interval <= 0 {
		t.Errorf("health check %+v", c.Healthcheck)
	}
	for _, k := range []string{"source", "version", "revision", "licenses", "created"} {
		if c.Labels["org.opencontainers.image."+k] == "" {
			t.Errorf("no label org.opencontainers.image.%s", k)
		}
	}
	if c.Labels["org.opencontainers.image.created"] != "2026-12-07T10:53:49Z" {
		t.Errorf("created label %q", c.Labels["org.opencontainers.image.created"])
	}
	if !slices.Contains(c.Env, "HOME=/data") {
		t.Errorf("env %q: HOME is not the volume", c.Env)
	}
}

func TestLayerEntriesSortedAndOwned(t *testing.T) {
	es := rootfs([]byte("bin"), []byte("lic"))
	for i := 1; i < len(es); i++ {
		if es[i-1].name >= es[i].name {
			t.Errorf("%s before %s", es[i-1].name, es[i].name)
		}
	}
	for _, e := range es {
		if e.name == "data/" && (e.uid != 65532 || e.gid != 65532) {
			t.Errorf("/data owned by %d:%d", e.uid, e.gid)
		}
		if e.name != "data/" && e.uid != 0 {
			t.Errorf("%s owned by %d, want root (only /data is the user's)", e.name, e.uid)
		}
	}
	a, err := layerTar(es, testCommit.Time)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := layerTar(rootfs([]byte("bin"), []byte("lic")), testCommit.Time)
	if string(a) != string(b) {
		t.Error("two tars of the same entries differ")
	}
}

func TestCABundleParses(t *testing.T) {
	data := caBundle()
	n := 0
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			t.Fatalf("certificate %d: %v", n, err)
		}
		n++
	}
	if n < 100 || len(strings.TrimSpace(string(data))) != 0 {
		t.Errorf("%d certificates, %d bytes left over", n, len(data))
	}
}

// The image's binaries are built with the release configuration's own
// flags, ldflags and environment, read from .goreleaser.yaml.
func TestReleaseBuildArgs(t *testing.T) {
	rb, err := readReleaseBuild("../../.goreleaser.yaml", "billctl")
	if err != nil {
		t.Fatal(err)
	}
	args, env, err := rb.goArgs(testCommit, "linux", "arm64", "/tmp/out/billctl")
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Join(args, " ")
	for _, want := range []string{
		"build -trimpath ",
		"-s -w",
		"-X github.com/billctl/billctl/internal/cli.version=1.4.0",
		"-X github.com/billctl/billctl/internal/cli.commit=5be2b1b",
		"-X github.com/billctl/billctl/internal/cli.date=2026-12-07T10:53:49Z",
		"-o /tmp/out/billctl ./cmd/billctl",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("go %s: no %q", line, want)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"} {
		if !slices.Contains(env, want) {
			t.Errorf("environment %q: no %s", env, want)
		}
	}
	bad := rb
	bad.Ldflags = []string{"-X main.x={{ .Tag }}"}
	if _, _, err := bad.goArgs(testCommit, "linux", "amd64", "x"); err == nil {
		t.Error("a template field the build does not know was accepted")
	}
}

// The release publishes the image with buildx from build/image/Dockerfile:
// it must describe the image internal/image builds, with the same labels.
func TestReleaseDockerfileMatches(t *testing.T) {
	data, err := os.ReadFile("../../build/image/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		got[k] = v
	}
	js := func(v []string) string {
		b, _ := json.Marshal(v)
		return strings.ReplaceAll(string(b), `","`, `", "`)
	}
	want := map[string]string{
		"FROM":        "scratch",
		"USER":        User,
		"VOLUME":      DataDir,
		"EXPOSE":      Port,
		"ENTRYPOINT":  js(Entrypoint),
		"CMD":         js(Cmd),
		"ENV":         "PATH=/usr/local/bin:/usr/bin:/bin HOME=" + DataDir,
		"COPY":        "$TARGETPLATFORM/billctl /" + BinPath,
		"ADD":         "build/image/rootfs.tar /",
		"HEALTHCHECK": "--interval=5s --timeout=3s --start-period=10s --retries=6 CMD " + js(HealthTest[1:]),
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("Dockerfile %s %s, want %s %s", k, got[k], k, w)
		}
	}

	raw, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Dockers []struct {
			Dockerfile  string            `yaml:"dockerfile"`
			ExtraFiles  []string          `yaml:"extra_files"`
			Platforms   []string          `yaml:"platforms"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"dockers_v2"`
		Before struct {
			Hooks []string `yaml:"hooks"`
		} `yaml:"before"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Dockers) != 1 {
		t.Fatalf("%d dockers_v2 entries, want 1", len(cfg.Dockers))
	}
	d := cfg.Dockers[0]
	if d.Dockerfile != "build/image/Dockerfile" || !slices.Equal(d.ExtraFiles, []string{"build/image/rootfs.tar"}) {
		t.Errorf("dockerfile %q extra files %q", d.Dockerfile, d.ExtraFiles)
	}
	if !slices.Contains(cfg.Before.Hooks, "go run ./internal/image -rootfs build/image/rootfs.tar") {
		t.Errorf("no before hook writes build/image/rootfs.tar: %q", cfg.Before.Hooks)
	}
	var plats []string
	for _, p := range Platforms {
		plats = append(plats, p.OS+"/"+p.Architecture)
	}
	if !slices.Equal(d.Platforms, plats) {
		t.Errorf("platforms %q, want %q", d.Platforms, plats)
	}
	for name, m := range map[string]map[string]string{"labels": d.Labels, "annotations": d.Annotations} {
		rendered := map[string]string{}
		for k, v := range m {
			if rendered[k], err = renderTemplate(v, testCommit, "linux", "amd64"); err != nil {
				t.Fatal(err)
			}
		}
		if want := Labels(testCommit); !maps.Equal(rendered, want) {
			t.Errorf("%s %v, want %v", name, rendered, want)
		}
	}
}

// The tar the Dockerfile adds holds the image's files but the binary.
func TestRootfsTar(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rootfs.tar")
	if err := writeRootfs(path, []byte("lic"), testCommit.Time); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var names []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name)
		if h.Name == "data/" && h.Uid != 65532 {
			t.Errorf("data/ owned by %d", h.Uid)
		}
	}
	if slices.Contains(names, BinPath) || !slices.Contains(names, CertPath) || !slices.Contains(names, "data/") {
		t.Errorf("entries %q: want the CA roots and /data, not the binary", names)
	}
}
