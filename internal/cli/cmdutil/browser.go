package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/cli/browser"
)

// SystemBrowser opens URLs in the user's browser.
//
// $BROWSER, when set, wins: it is the long-standing convention for naming
// the browser on Unix (a list of commands separated by ':', each run with
// the URL in place of %s or after its last word, the first that succeeds
// wins). It is also how the end-to-end tests see what would have been
// opened. Without it, github.com/cli/browser picks the platform's opener
// (xdg-open, open, rundll32).
type SystemBrowser struct {
	Getenv func(string) string
	// Stderr receives whatever the opener prints, so that stdout carries
	// results only.
	Stderr io.Writer
}

// Open implements Browser. It opens only http and https URLs: the URL comes
// from a remote API, and a file: or custom-scheme link must not start a
// local program.
func (b *SystemBrowser) Open(u string) error {
	if err := checkWebURL(u); err != nil {
		return err
	}
	if list := strings.TrimSpace(b.getenv("BROWSER")); list != "" {
		return b.runBrowserEnv(list, u)
	}
	browser.Stdout, browser.Stderr = b.stderr(), b.stderr()
	return browser.OpenURL(u)
}

func checkWebURL(u string) error {
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return fmt.Errorf("refusing to open %q: not an http(s) URL", u)
	}
	return nil
}

// runBrowserEnv tries each command of $BROWSER in turn.
func (b *SystemBrowser) runBrowserEnv(list, u string) error {
	var errs []error
	for _, entry := range strings.Split(list, string(os.PathListSeparator)) {
		args := browserArgs(entry, u)
		if len(args) == 0 {
			continue
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = b.stderr(), b.stderr()
		err := cmd.Run()
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("$BROWSER %s: %w", args[0], err))
	}
	if len(errs) == 0 {
		return errors.New("$BROWSER names no command")
	}
	return errors.Join(errs...)
}

// browserArgs splits one $BROWSER entry into words (no shell quoting) and
// puts the URL where %s is, or after the last word; %% is a literal %.
func browserArgs(entry, u string) []string {
	words := strings.Fields(entry)
	placed := false
	for i, w := range words {
		var out strings.Builder
		for j := 0; j < len(w); j++ {
			if w[j] == '%' && j+1 < len(w) && (w[j+1] == 's' || w[j+1] == '%') {
				j++
				if w[j] == 's' {
					out.WriteString(u)
					placed = true
					continue
				}
			}
			out.WriteByte(w[j])
		}
		words[i] = out.String()
	}
	if len(words) > 0 && !placed {
		words = append(words, u)
	}
	return words
}

func (b *SystemBrowser) getenv(k string) string {
	if b.Getenv == nil {
		return os.Getenv(k)
	}
	return b.Getenv(k)
}

func (b *SystemBrowser) stderr() io.Writer {
	if b.Stderr == nil {
		return os.Stderr
	}
	return b.Stderr
}
