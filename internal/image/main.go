// Command image builds billctl's container image without a container
// daemon, and checks a built one. It is a build tool and is not shipped.
//
// Usage:
//
//	go run ./internal/image -out dist/image
//	go run ./internal/image -check dist/image [-same dist/image2] [-run]
//	go run ./internal/image -rootfs build/image/rootfs.tar
//
// The build compiles billctl for linux/amd64 and linux/arm64 exactly as
// .goreleaser.yaml's build does (its flags, ldflags and environment are read
// from that file), so the binaries are the release archives' binaries, and
// assembles a FROM-scratch image of each: the binary at /usr/bin/billctl,
// CA roots, a /data volume owned by the non-root user 65532, and billctl's
// own health check. It writes
//
//	DIR/oci/                                  an OCI image layout of both platforms
//	DIR/billctl_VERSION_linux_ARCH.docker.tar one image for `docker load` / `podman load`
//	DIR/bin/linux_ARCH/billctl                the binaries
//
// Every time in the image is the commit's (or SOURCE_DATE_EPOCH), so two
// builds of one commit give the same digest.
//
// -check reads a built layout against what the image must be for the
// checkout's commit and exits 1 on any difference; -same also requires a
// second build's digest to be the same; -run extracts this machine's binary
// from the image and runs it (--version, sandbox serve, /readyz, a create).
//
// -rootfs writes the image's files but the binary (CA roots, /data, /tmp,
// the licence) as a tar, which the Dockerfile of the release (built with
// buildx from the release's own binaries) adds: both ways give the same
// files.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	out := flag.String("out", "", "build the image into this directory")
	check := flag.String("check", "", "check the image built into this directory")
	same := flag.String("same", "", "with -check: another build of the same commit, whose digest must be the same")
	run := flag.Bool("run", false, "with -check: run this machine's binary from the image")
	rootfsTar := flag.String("rootfs", "", "write the image's files but the binary as a tar, for the release's Dockerfile")
	root := flag.String("root", ".", "the checkout to build from")
	flag.Parse()
	modes := 0
	for _, s := range []string{*out, *check, *rootfsTar} {
		if s != "" {
			modes++
		}
	}
	if flag.NArg() > 0 || modes != 1 {
		fmt.Fprintln(os.Stderr, "usage: image -out DIR | image -check DIR [-same DIR2] [-run] | image -rootfs FILE")
		os.Exit(2)
	}
	c, err := gitCommit(*root)
	if err != nil {
		fatal(err)
	}
	if *rootfsTar != "" {
		license, err := os.ReadFile(filepath.Join(*root, "LICENSE"))
		if err == nil {
			err = writeRootfs(*rootfsTar, license, c.Time)
		}
		if err != nil {
			fatal(err)
		}
		return
	}
	if *out != "" {
		if err := build(*root, *out, c); err != nil {
			fatal(err)
		}
		return
	}
	if err := checkDir(*check, *same, *run, c); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "image:", err)
	os.Exit(1)
}

func build(root, out string, c Commit) error {
	rb, err := readReleaseBuild(filepath.Join(root, ".goreleaser.yaml"), "billctl")
	if err != nil {
		return err
	}
	license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	binDir, err := filepath.Abs(filepath.Join(out, "bin"))
	if err != nil {
		return err
	}
	bins := map[string][]byte{}
	for _, p := range Platforms {
		path, err := buildBinary(root, rb, c, p.OS, p.Architecture, binDir)
		if err != nil {
			return err
		}
		if bins[p.OS+"/"+p.Architecture], err = os.ReadFile(path); err != nil {
			return err
		}
	}
	idx, imgs, err := buildIndex(bins, license, c)
	if err != nil {
		return err
	}
	lp, err := layout.Write(filepath.Join(out, "oci"), empty.Index)
	if err != nil {
		return err
	}
	tag := c.Version
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": tag,
	})); err != nil {
		return err
	}
	ref, err := name.NewTag(Repository + ":" + tag)
	if err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s@%s\n", ref, digest)
	for _, p := range Platforms {
		img := imgs[p.OS+"/"+p.Architecture]
		file := filepath.Join(out, fmt.Sprintf("billctl_%s_%s_%s.docker.tar", c.Version, p.OS, p.Architecture))
		if err := tarball.WriteToFile(file, ref, img); err != nil {
			return err
		}
		d, _ := img.Digest()
		st, err := os.Stat(file)
		if err != nil {
			return err
		}
		fmt.Printf("  %s/%s %s, %s (%.1f MB)\n", p.OS, p.Architecture, d, file, float64(st.Size())/1e6)
	}
	return nil
}

func checkDir(dir, same string, run bool, c Commit) error {
	idx, digest, err := readLayout(filepath.Join(dir, "oci"))
	if err != nil {
		return err
	}
	bins := map[string][]byte{}
	if errs := checkImage(idx, c, bins); len(errs) > 0 {
		var b strings.Builder
		for _, e := range errs {
			fmt.Fprintf(&b, "\n  %v", e)
		}
		return fmt.Errorf("%s is not the image of %s:%s", dir, c.ShortCommit, b.String())
	}
	fmt.Printf("%s: %s, platforms, entrypoint, cmd, user, labels, volume, port, health check and layer as they must be\n", dir, digest)
	if same != "" {
		_, other, err := readLayout(filepath.Join(same, "oci"))
		if err != nil {
			return err
		}
		if other != digest {
			return fmt.Errorf("two builds of %s differ: %s in %s, %s in %s", c.ShortCommit, digest, dir, other, same)
		}
		fmt.Printf("%s: the same digest\n", same)
	}
	if run {
		bin, ok := bins[hostPlatform()]
		if !ok {
			return fmt.Errorf("the image has no %s binary to run here", hostPlatform())
		}
		if err := checkRuns(bin, c); err != nil {
			return err
		}
	}
	return nil
}
