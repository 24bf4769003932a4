// Package docs holds the project's reference pages; its test checks that
// every relative link in them, in the README and in the specs' provenance
// note leads somewhere in a clone of the repository.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var (
	inlineLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	refLink    = regexp.MustCompile(`(?m)^\s*\[[^\]]+\]:\s*(\S+)`)
	codeSpan   = regexp.MustCompile("`[^`]*`")
	// A path written as code that starts from the page's folder
	// (`../shared/docs/cli.md`) is a reference too.
	codePath = regexp.MustCompile("`(\\.\\.?/[^`\\s]*)`")
)

func TestRelativeLinksResolve(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{filepath.Join(root, "README.md"), filepath.Join(root, "testdata", "specs", "SOURCES.md")}, pages...)
	checked := 0
	for _, page := range pages {
		rel, _ := filepath.Rel(root, page)
		for _, l := range links(t, page) {
			checked++
			if err := resolve(root, page, l.target); err != "" {
				t.Errorf("%s:%d: link %s: %s", rel, l.line, l.target, err)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d links found in %d pages: is the link pattern broken?", checked, len(pages))
	}
}

type link struct {
	target string
	line   int
}

// links lists the targets of the Markdown links of a page, outside code
// blocks and code spans.
func links(t *testing.T, page string) []link {
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	var out []link
	fenced := false
	for i, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range codePath.FindAllStringSubmatch(line, -1) {
			out = append(out, link{m[1], i + 1})
		}
		line = codeSpan.ReplaceAllString(line, "")
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			out = append(out, link{m[1], i + 1})
		}
		for _, m := range refLink.FindAllStringSubmatch(line, -1) {
			out = append(out, link{m[1], i + 1})
		}
	}
	return out
}

// resolve says what is wrong with a link from page, or "".
func resolve(root, page, target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	path, anchor, _ := strings.Cut(target, "#")
	file := page
	if path != "" {
		if filepath.IsAbs(path) {
			return "an absolute path does not exist in a clone"
		}
		file = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
		if r, err := filepath.Rel(root, file); err != nil || strings.HasPrefix(r, "..") {
			return "it leads out of the repository, which a clone does not have"
		}
		if _, err := os.Stat(file); err != nil {
			return "no such file in the repository"
		}
	}
	if anchor == "" || !strings.HasSuffix(file, ".md") {
		return ""
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	if !headingAnchors(string(b))[anchor] {
		return "no heading with anchor #" + anchor
	}
	return ""
}

// headingAnchors are the anchors GitHub gives a page's headings:
// lower case, punctuation dropped, spaces made hyphens, and -1, -2… added
// to repeated ones.
func headingAnchors(md string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteByte('-')
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			anchors[a+"-"+itoa(n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}

func TestHeadingAnchors(t *testing.T) {
	a := headingAnchors("# billctl\n## Retries, and why a session is never created twice\n## Building the request: files, flags and `--set`\n```\n# not a heading\n```\n## Output\n## Output\n")
	for _, want := range []string{"billctl", "retries-and-why-a-session-is-never-created-twice", "building-the-request-files-flags-and---set", "output", "output-1"} {
		if !a[want] {
			t.Errorf("no anchor %q in %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a comment in a code block counted as a heading")
	}
}
