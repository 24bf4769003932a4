// Package browsertest runs the sandbox's checkout page in a real browser
// from Go tests: the Chromium that Debian packages (apt-get install
// chromium), headless, driven over the DevTools protocol with chromedp.
//
// A test that needs the browser calls New. Where no Chromium is installed
// it skips, saying why, so a plain `go test ./...` passes on any machine;
// with BILLCTL_REQUIRE_BROWSER=1 (as CI sets it) the skip is a failure
// instead, so the browser tests cannot silently stop running.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// RequireEnv names the variable that turns a missing browser into a
// failure.
const RequireEnv = "BILLCTL_REQUIRE_BROWSER"

// PathEnv names a variable that points at the browser binary, for a
// machine where it is not on PATH under a usual name.
const PathEnv = "BILLCTL_CHROMIUM"

// Find returns the path of a Chromium: $BILLCTL_CHROMIUM, else the first of
// chromium, chromium-browser, google-chrome on PATH.
func Find() (string, bool) {
	if p := os.Getenv(PathEnv); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		return "", false
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Skip ends the test when no browser is found (a failure when
// BILLCTL_REQUIRE_BROWSER=1) and returns the browser's path otherwise.
func Skip(t testing.TB) string {
	t.Helper()
	path, ok := Find()
	if ok {
		return path
	}
	why := "no Chromium found (no chromium, chromium-browser or google-chrome on PATH); " +
		"install it with `apt-get install -y chromium` to run the browser tests"
	if p := os.Getenv(PathEnv); p != "" {
		why = "no Chromium found: " + PathEnv + "=" + p + " does not exist"
	}
	if v := os.Getenv(RequireEnv); v != "" && v != "0" {
		t.Fatalf("%s=%s, but %s", RequireEnv, v, why)
	}
	t.Skip(why)
	return ""
}

// New starts a headless Chromium with a fresh profile for this test and
// returns a chromedp context on one tab of it. The browser is stopped when
// the test ends. The returned context ends after two minutes, so a page
// that never shows what a test waits for fails the test instead of
// hanging it.
func New(t testing.TB) context.Context {
	t.Helper()
	path := Skip(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // root in containers and CI
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A container's /dev/shm is often too small for a renderer.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
		chromedp.WindowSize(1280, 900),
	}
	out := &lockedWriter{b: &strings.Builder{}}
	opts = append(opts, chromedp.CombinedOutput(out))

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Start the browser now, on a context without a deadline (a deadline
	// on the first Run would bound the browser's whole life).
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v\n%s", path, err, out.String())
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	tctx, tcancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(tcancel)
	return tctx
}

// KeepEnv names a directory where Screenshot also leaves a copy of each
// screenshot, as the test's temporary directory is removed when it ends.
const KeepEnv = "BILLCTL_SCREENSHOT_DIR"

// Screenshot writes a PNG of the whole page under the test's temporary
// directory, logs its path and returns it.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if dir := os.Getenv(KeepEnv); dir != "" {
		kept := filepath.Join(dir, t.Name()+"-"+name+".png")
		if err := os.MkdirAll(filepath.Dir(kept), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(kept, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot kept: %s", kept)
	}
	return path
}

// lockedWriter collects the browser's output, which arrives from another
// goroutine, for the error when it fails to start.
type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// Text is the visible text of the first element that matches css, trimmed.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

// Eval evaluates a JavaScript expression on the page and returns its value.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}
