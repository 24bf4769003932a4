package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// readLayout opens the one image of an OCI layout written by build.
func readLayout(dir string) (v1.ImageIndex, v1.Hash, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, v1.Hash{}, err
	}
	root, err := p.ImageIndex()
	if err != nil {
		return nil, v1.Hash{}, err
	}
	m, err := root.IndexManifest()
	if err != nil {
		return nil, v1.Hash{}, err
	}
	if len(m.Manifests) != 1 {
		return nil, v1.Hash{}, fmt.Errorf("%s/index.json: %d entries, want the one multi-platform image", dir, len(m.Manifests))
	}
	d := m.Manifests[0].Digest
	idx, err := root.ImageIndex(d)
	if err != nil {
		return nil, d, fmt.Errorf("%s: %s: %w", dir, d, err)
	}
	return idx, d, nil
}

// checkImage reads every platform's image of idx against what the image
// must be for commit c, and returns each difference. bins, when given,
// receives each platform's billctl binary.
func checkImage(idx v1.ImageIndex, c Commit, bins map[string][]byte) []error {
	var errs []error
	fail := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	m, err := idx.IndexManifest()
	if err != nil {
		return []error{err}
	}
	var got []v1.Platform
	for _, d := range m.Manifests {
		if d.Platform == nil {
			fail("manifest %s has no platform", d.Digest)
			continue
		}
		got = append(got, *d.Platform)
	}
	if !reflect.DeepEqual(got, Platforms) {
		fail("platforms %v, want %v", got, Platforms)
	}
	for _, d := range m.Manifests {
		if d.Platform == nil {
			continue
		}
		key := d.Platform.OS + "/" + d.Platform.Architecture
		img, err := idx.Image(d.Digest)
		if err != nil {
			fail("%s: %v", key, err)
			continue
		}
		for _, e := range checkPlatform(img, *d.Platform, c, bins) {
			fail("%s: %v", key, e)
		}
	}
	return errs
}

func checkPlatform(img v1.Image, p v1.Platform, c Commit, bins map[string][]byte) []error {
	var errs []error
	fail := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	cf, err := img.ConfigFile()
	if err != nil {
		return []error{err}
	}
	if cf.OS != p.OS || cf.Architecture != p.Architecture || cf.Variant != p.Variant {
		fail("config is for %s/%s%s", cf.OS, cf.Architecture, cf.Variant)
	}
	if !cf.Created.Equal(c.Time) {
		fail("created %s, want the commit's time %s", cf.Created.UTC().Format(time.RFC3339), c.Time.Format(time.RFC3339))
	}
	cc := cf.Config
	if !reflect.DeepEqual(cc.Entrypoint, Entrypoint) {
		fail("entrypoint %q, want %q", cc.Entrypoint, Entrypoint)
	}
	if !reflect.DeepEqual(cc.Cmd, Cmd) {
		fail("cmd %q, want %q", cc.Cmd, Cmd)
	}
	if cc.User != User {
		fail("user %q, want %q", cc.User, User)
	}
	if _, ok := cc.Volumes[DataDir]; !ok || len(cc.Volumes) != 1 {
		fail("volumes %v, want %s alone", cc.Volumes, DataDir)
	}
	if _, ok := cc.ExposedPorts[Port]; !ok || len(cc.ExposedPorts) != 1 {
		fail("exposed ports %v, want %s alone", cc.ExposedPorts, Port)
	}
	if cc.Healthcheck == nil || !reflect.DeepEqual(cc.Healthcheck.Test, HealthTest) {
		fail("health check %+v, want %q", cc.Healthcheck, HealthTest)
	}
	for k, want := range Labels(c) {
		if got := cc.Labels[k]; got != want {
			fail("label %s = %q, want %q", k, got, want)
		}
	}
	layers, err := img.Layers()
	if err != nil {
		return append(errs, err)
	}
	if len(layers) != 1 {
		return append(errs, fmt.Errorf("%d layers, want 1", len(layers)))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		return append(errs, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	prev := ""
	seen := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return append(errs, fmt.Errorf("layer: %w", err))
		}
		if h.Name <= prev {
			fail("layer: %s comes after %s: entries are not sorted", h.Name, prev)
		}
		prev = h.Name
		if !h.ModTime.Equal(c.Time) {
			fail("layer: %s is dated %s, want the commit's time", h.Name, h.ModTime.UTC().Format(time.RFC3339))
		}
		seen[h.Name] = h
		switch h.Name {
		case BinPath:
			data, err := io.ReadAll(tr)
			if err != nil {
				return append(errs, err)
			}
			if h.Mode&0o111 == 0 || h.Uid != 0 {
				fail("layer: %s mode %o owner %d, want executable and root's", h.Name, h.Mode, h.Uid)
			}
			if bins != nil {
				bins[p.OS+"/"+p.Architecture] = data
			}
		case CertPath:
			data, err := io.ReadAll(tr)
			if err != nil {
				return append(errs, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(data) || len(bytes.Split(data, []byte("BEGIN CERTIFICATE"))) < 100 {
				fail("layer: %s holds fewer than 100 CA certificates", h.Name)
			}
		}
	}
	if h := seen["data/"]; h == nil || h.Typeflag != tar.TypeDir || h.Uid != uid || h.Gid != uid {
		fail("layer: /data is not a directory owned by %s", User)
	}
	for _, name := range []string{BinPath, CertPath} {
		if seen[name] == nil {
			fail("layer: no /%s", name)
		}
	}
	return errs
}

// checkRuns runs the image's binary for this machine: --version names the
// commit; `sandbox serve` answers /readyz, passes the health check (`sandbox
// ping`), creates a session and exits 0 on SIGTERM.
func checkRuns(bin []byte, c Commit) error {
	dir, err := os.MkdirTemp("", "billctl-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "billctl")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		return err
	}
	env := append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir+"/state", "XDG_CONFIG_HOME="+dir+"/config")
	cmd := exec.Command(path, "--version")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("billctl --version: %v: %s", err, out)
	}
	want := fmt.Sprintf("billctl %s (commit %s, built %s)", c.Version, c.ShortCommit, c.Time.Format(time.RFC3339))
	if got := strings.TrimSpace(string(out)); got != want {
		return fmt.Errorf("billctl --version printed %q, want %q", got, want)
	}
	fmt.Printf("--version: %s\n", want)

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	var logs bytes.Buffer
	srv := exec.Command(path, "sandbox", "serve", "--addr", addr, "--data", filepath.Join(dir, "sandbox.db"))
	srv.Env = env
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		return err
	}
	// done is closed once the server has exited; its error is in waitErr.
	// A closed channel can be received from any number of times, so the
	// readiness poll, the SIGTERM check and the deferred clean-up can all
	// wait on it (a value sent once would leave the second receiver
	// blocked for ever).
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = srv.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			_ = srv.Process.Kill()
			<-done
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := waitReady(ctx, "http://"+addr+"/readyz", done, &waitErr)
	if err != nil {
		return fmt.Errorf("sandbox serve: /readyz: %v\n%s", err, tail(logs.String()))
	}
	fmt.Printf("/readyz: %s\n", strings.TrimSpace(body))

	// The image's health check.
	ping := exec.Command(path, "sandbox", "ping", "--addr", addr)
	ping.Env = env
	if out, err := ping.CombinedOutput(); err != nil {
		return fmt.Errorf("billctl sandbox ping, the image's health check: %v: %s", err, out)
	}
	fmt.Println("sandbox ping: ready")

	create := exec.Command(path, "--sandbox", "checkout", "create", "--customer", "acme", "--plan-version", "plv_2zg9tUmeQMonp21OV6Rla1", "-o", "json")
	create.Env = append(env, "BILLCTL_SANDBOX_ADDR="+addr)
	out, err = create.CombinedOutput()
	if err != nil {
		return fmt.Errorf("checkout create against the served sandbox: %v: %s", err, out)
	}
	id := regexp.MustCompile(`che_[0-9A-Za-z]+`).Find(out)
	if id == nil {
		return fmt.Errorf("checkout create printed no session ID: %s", out)
	}
	if !strings.Contains(logs.String(), "POST ") {
		return fmt.Errorf("the session %s was not created by the served sandbox; its log:\n%s", id, tail(logs.String()))
	}
	fmt.Printf("created %s through sandbox serve\n", id)

	_ = srv.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if waitErr != nil {
			return fmt.Errorf("sandbox serve after SIGTERM: %v\n%s", waitErr, tail(logs.String()))
		}
	case <-time.After(15 * time.Second):
		return fmt.Errorf("sandbox serve still running 15s after SIGTERM")
	}
	return nil
}

// waitReady polls url until it answers 200 with a JSON object.
func waitReady(ctx context.Context, url string, done <-chan struct{}, waitErr *error) (string, error) {
	var last string
	for {
		select {
		case <-done:
			return "", fmt.Errorf("the server exited: %v", *waitErr)
		case <-ctx.Done():
			return "", fmt.Errorf("not ready in time (last answer: %s)", last)
		case <-time.After(100 * time.Millisecond):
		}
		res, err := http.Get(url)
		if err != nil {
			last = err.Error()
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		res.Body.Close()
		last = res.Status
		var v map[string]any
		if res.StatusCode == http.StatusOK && json.Unmarshal(b, &v) == nil {
			return string(b), nil
		}
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tail is the end of a server's log, enough to see why it failed.
func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 15 {
		lines = append([]string{"…"}, lines[len(lines)-15:]...)
	}
	return strings.Join(lines, "\n")
}

// hostPlatform is the key of the image's platform this machine runs.
func hostPlatform() string { return "linux/" + runtime.GOARCH }
