package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// These tests press TAB in the real shells, with the committed scripts of
// completions/ and a billctl built from this tree. Each one is skipped
// only when its shell is not installed; CI installs bash-completion, zsh
// and fish.

// shellWork builds billctl and makes a directory of files to complete.
func shellWork(t *testing.T) (bin, work string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("bash, zsh and fish scripts")
	}
	bin = t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "billctl"), "github.com/billctl/billctl/cmd/billctl").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work = t.TempDir()
	for _, name := range []string{"a.yaml", "b.json", "c.txt", "d.yml", "sub/e.yaml"} {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return bin, work
}

func runShell(t *testing.T, bin, work string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+work,
		"XDG_CONFIG_HOME="+filepath.Join(work, "config"), "XDG_CACHE_HOME="+filepath.Join(work, "cache"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

func script(t *testing.T, shell string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "completions", "billctl."+shell))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cases: what TAB after each line offers (files or nothing), the same in
// every shell.
var shellCases = []struct {
	line  string
	files []string // offered
	not   []string // not offered
}{
	{"billctl checkout create -f ", []string{"a.yaml", "b.json", "d.yml", "sub/"}, []string{"c.txt"}},
	{"billctl --config ", []string{"a.yaml", "b.json", "sub/"}, []string{"c.txt"}},
	{"billctl checkout create ", nil, []string{"a.yaml", "c.txt"}},
	{"billctl checkout list ", nil, []string{"a.yaml", "c.txt"}},
	{"billctl profile add ", nil, []string{"a.yaml", "c.txt"}},
}

func TestFishCompletesFiles(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed")
	}
	bin, work := shellWork(t)
	for _, tc := range shellCases {
		out := runShell(t, bin, work, "fish", "--no-config", "-c", "source "+script(t, "fish")+"; complete -C '"+tc.line+"'")
		got := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			word, _, _ := strings.Cut(l, "\t")
			got[word] = true
		}
		check(t, "fish", tc.line, got, tc.files, tc.not)
	}
	// A plain-text file flag keeps every file.
	out := runShell(t, bin, work, "fish", "--no-config", "-c", "source "+script(t, "fish")+"; complete -C 'billctl --token-file '")
	if !strings.Contains(out, "c.txt") {
		t.Errorf("fish: --token-file offers %q", out)
	}
}

func TestBashCompletesFiles(t *testing.T) {
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Skip("the bash-completion package is not installed")
	}
	bin, work := shellWork(t)
	for _, tc := range shellCases {
		// The script's debug log says whether it turns the shell's own
		// file completion off (compopt +o default).
		src := `source ` + bashCompletion + `
source ` + script(t, "bash") + `
BASH_COMP_DEBUG_FILE=/dev/stdout
COMP_LINE='` + tc.line + `'; COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"; COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=()
__start_billctl billctl "" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
`
		out := runShell(t, bin, work, "bash", "--norc", "--noprofile", "-c", src)
		got := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			got[l] = true
			if l == "sub" {
				got["sub/"] = true // bash adds the slash when it shows a directory
			}
		}
		check(t, "bash", tc.line, got, tc.files, tc.not)
		if tc.files == nil && !strings.Contains(out, "Activating no file completion") {
			t.Errorf("bash: %q leaves file completion on:\n%s", tc.line, out)
		}
	}
}

// zsh is driven through a pseudo-terminal (zsh/zpty), as a person would:
// the line, TAB, and the listing it prints; then the line is cleared and a
// marker echoed, whose output says that the listing has been read, however
// slow the machine.
func TestZshCompletesFiles(t *testing.T) {
	if _, err := exec.LookPath("zsh"); err != nil {
		t.Skip("zsh is not installed")
	}
	bin, work := shellWork(t)
	fpath := t.TempDir()
	b, err := os.ReadFile(script(t, "zsh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fpath, "_billctl"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	ansi := regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]|\r`)
	for _, tc := range shellCases {
		src := `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="> "; fpath=(` + fpath + ` $fpath); autoload -U compinit; compinit -u; setopt nobeep; LISTMAX=1000; bindkey "^I" complete-word'
# upto PATTERN: read until the output so far matches.
out=""
upto() {
	for i in {1..600}; do
		if zpty -r -t z chunk; then
			out+="$chunk"
			[[ $out == $~1 ]] && return 0
		else
			sleep 0.05
		fi
	done
	return 1
}
# Keys are typed only once the line editor has the terminal: before, the
# terminal driver would take ^U itself.
zpty -w z 'print RE""ADY'
upto '*READY*> *'
zpty -w -n z $'` + tc.line + `\t\t'
zpty -w -n z $'\x15echo END""MARK\n'
upto '*ENDMARK*'
print -r -- "$out"
zpty -d z
`
		out := ansi.ReplaceAllString(runShell(t, bin, work, "zsh", "-f", "-c", src), "")
		// What follows the line typed, up to the marker, is the listing.
		_, after, ok := strings.Cut(out, tc.line)
		if !ok || !strings.Contains(after, "ENDMARK") {
			t.Fatalf("zsh: the line %q and the marker are not in:\n%s", tc.line, out)
		}
		after, _, _ = strings.Cut(after, `END""MARK`)
		got := map[string]bool{}
		for _, w := range strings.Fields(after) {
			got[w] = true
		}
		for _, f := range tc.files {
			if !strings.Contains(after, f) {
				t.Errorf("zsh: %q does not offer %s:\n%s", tc.line, f, after)
			}
		}
		for _, f := range tc.not {
			if strings.Contains(after, f) {
				t.Errorf("zsh: %q offers %s:\n%s", tc.line, f, after)
			}
		}
	}
}

func check(t *testing.T, shell, line string, got map[string]bool, want, not []string) {
	t.Helper()
	for _, f := range want {
		if !got[f] {
			t.Errorf("%s: %q does not offer %s (offers %v)", shell, line, f, keys(got))
		}
	}
	for _, f := range not {
		if got[f] {
			t.Errorf("%s: %q offers %s", shell, line, f)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}
