package main

import (
	"archive/tar"
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// What every billctl image is. The checks read the built image against the
// same values, and docs/cli.md and the README's CI examples rely on them.
const (
	// The user has no /etc/passwd entry: a scratch image has no shell or
	// tools that would look it up, and a numeric user is what Kubernetes'
	// runAsNonRoot can verify. 65532 is the customary "nonroot" id.
	User     = "65532:65532"
	uid      = 65532
	DataDir  = "/data"
	Port     = "12111/tcp"
	BinPath  = "usr/bin/billctl"
	CertPath = "etc/ssl/certs/ca-certificates.crt"
	Source   = "https://github.com/billctl/billctl"
	Licenses = "Apache-2.0"
	// Repository is where a release publishes the image.
	Repository = "ghcr.io/billctl/billctl"
)

var (
	Entrypoint = []string{"billctl"}
	Cmd        = []string{"sandbox", "serve", "--addr", "0.0.0.0:12111", "--data", "/data/sandbox.db"}
	// A scratch image has no curl: the health check is billctl's own.
	HealthTest = []string{"CMD", "billctl", "sandbox", "ping"}
	// The platforms of the image, in the index's order.
	Platforms = []v1.Platform{
		{OS: "linux", Architecture: "amd64"},
		{OS: "linux", Architecture: "arm64", Variant: "v8"},
	}
)

// Labels are the image's OCI annotations, for registries and scanners.
func Labels(c Commit) map[string]string {
	return map[string]string{
		"org.opencontainers.image.source":      Source,
		"org.opencontainers.image.url":         Source,
		"org.opencontainers.image.version":     c.Version,
		"org.opencontainers.image.revision":    c.FullCommit,
		"org.opencontainers.image.licenses":    Licenses,
		"org.opencontainers.image.created":     c.Time.Format(time.RFC3339),
		"org.opencontainers.image.title":       "billctl",
		"org.opencontainers.image.description": "billctl, the billing checkout CLI, and its sandbox of the checkout APIs",
	}
}

// caBundle is the PEM file of root certificates that Go's crypto/x509
// reads on Linux. It comes from golang.org/x/crypto/x509roots/fallback
// (Mozilla's NSS roots) rather than the build machine's
// /etc/ssl/certs: its version is pinned in go.sum, so every machine builds
// the same bytes and the image's digest depends on the commit alone, not
// on which ca-certificates package the builder has. It is a file of the
// image, not compiled in, so the binary stays byte for byte the one of the
// release archives. Roots with a distrust-after date are left out: a PEM
// file cannot carry that constraint.
func caBundle() []byte {
	var buf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return buf.Bytes()
}

// entry is one file or directory of the image's only layer.
type entry struct {
	name     string // relative, no leading slash; directories end in /
	mode     int64
	uid, gid int
	data     []byte
}

// rootfs is the layer's content for one binary (none: all but it), in the order written:
// sorted by name, so that a parent comes before its children and the bytes
// never depend on map order or the file system.
func rootfs(binary, license []byte) []entry {
	es := []entry{
		{name: "data/", mode: 0o755, uid: uid, gid: uid},
		{name: "etc/", mode: 0o755},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: CertPath, mode: 0o644, data: caBundle()},
		// Go's os.TempDir, for anything that needs a scratch file.
		{name: "tmp/", mode: 0o1777},
		{name: "usr/", mode: 0o755},
		{name: "usr/bin/", mode: 0o755},
		{name: BinPath, mode: 0o755, data: binary},
		{name: "usr/share/", mode: 0o755},
		{name: "usr/share/doc/", mode: 0o755},
		{name: "usr/share/doc/billctl/", mode: 0o755},
		{name: "usr/share/doc/billctl/LICENSE", mode: 0o644, data: license},
	}
	if binary == nil {
		// The release's Dockerfile adds the binary itself.
		es = slices.DeleteFunc(es, func(e entry) bool { return e.name == BinPath })
	}
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return es
}

// writeRootfs writes the image's files but the binary as a tar for the
// release's Dockerfile, whose ADD unpacks it with these owners and modes.
func writeRootfs(path string, license []byte, mtime time.Time) error {
	raw, err := layerTar(rootfs(nil, license), mtime)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

// layerTar writes the entries as a tar stream: every time is mtime, owners
// are numeric, and no name, atime or ctime of the builder leaks in.
func layerTar(es []entry, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{
			Name:    e.name,
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: mtime,
			Format:  tar.FormatPAX,
		}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// platformImage is the image of one platform. Docker's media types rather
// than OCI's: the health check is a field of Docker's image config only
// (OCI's has none), and Docker, Podman and every registry read these.
func platformImage(p v1.Platform, binary, license []byte, c Commit) (v1.Image, error) {
	raw, err := layerTar(rootfs(binary, license), c.Time)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(types.DockerLayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.DockerManifestSchema2)
	img = mutate.ConfigMediaType(img, types.DockerConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: c.Time},
			CreatedBy: "billctl " + c.Version + " (" + BinPath + "), CA roots, " + DataDir,
		},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: c.Time}
	cf.Config = v1.Config{
		Entrypoint: Entrypoint,
		Cmd:        Cmd,
		User:       User,
		Env: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin",
			// Where billctl keeps its state and configuration: the
			// volume, which the user owns (/ is not writable).
			"HOME=" + DataDir,
		},
		Volumes:      map[string]struct{}{DataDir: {}},
		ExposedPorts: map[string]struct{}{Port: {}},
		Labels:       Labels(c),
		Healthcheck: &v1.HealthConfig{
			Test:        HealthTest,
			Interval:    5 * time.Second,
			Timeout:     3 * time.Second,
			StartPeriod: 10 * time.Second,
			Retries:     6,
		},
		StopSignal: "SIGTERM",
	}
	return mutate.ConfigFile(img, cf)
}

// buildIndex assembles the multi-platform image from one binary per
// platform (keyed "os/arch").
func buildIndex(binaries map[string][]byte, license []byte, c Commit) (v1.ImageIndex, map[string]v1.Image, error) {
	idx := mutate.IndexMediaType(empty.Index, types.DockerManifestList)
	imgs := map[string]v1.Image{}
	for _, p := range Platforms {
		key := p.OS + "/" + p.Architecture
		bin, ok := binaries[key]
		if !ok {
			return nil, nil, fmt.Errorf("no binary for %s", key)
		}
		img, err := platformImage(p, bin, license, c)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", key, err)
		}
		imgs[key] = img
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	return idx, imgs, nil
}
