package cli_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/billctl/billctl/internal/cli"
	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// The scripts in testdata/script run the real command against the sandbox
// (in memory, sequential IDs, behind the test wrapper of sandboxtest)
// started for each script, with a HOME of their own.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"billctl": func() { os.Exit(cli.Main()) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			srv, err := sandboxtest.NewAPI()
			if err != nil {
				return err
			}
			env.Defer(srv.Close)
			env.Values["api"] = srv
			home := filepath.Join(env.WorkDir, "home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			env.Setenv("API", srv.URL)
			env.Setenv("HOME", home)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			env.Setenv("XDG_STATE_HOME", filepath.Join(home, ".local", "state"))
			for _, kv := range os.Environ() {
				if strings.HasPrefix(kv, "BILLCTL_") || strings.HasPrefix(kv, "NO_COLOR=") {
					k, _, _ := strings.Cut(kv, "=")
					env.Setenv(k, "")
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"apireqs":    cmdAPIRequests,
			"apidemo":    cmdAPIDemo,
			"apicreated": cmdAPICreated,
			"apilast":    cmdAPILast,
			"mode":       cmdMode,
			"apikeys":    cmdAPIKeys,
			"exported":   cmdExported,
			"manyrows":   cmdManyRows,
			"apisend":    cmdAPISend,
			"freeport":   cmdFreePort,
			"httpget":    cmdHTTPGet,
		},
	})
}

func server(ts *testscript.TestScript) *sandboxtest.API {
	return ts.Value("api").(*sandboxtest.API)
}

// apireqs N: the API received exactly N requests.
func cmdAPIRequests(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: apireqs N")
	}
	want, _ := strconv.Atoi(args[0])
	got := len(server(ts).Requests())
	if (got == want) == neg {
		ts.Fatalf("the API received %d request(s), want %s%d", got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// apidemo: the API's catalogue is the sandbox's demo one alone, without
// the test records.
func cmdAPIDemo(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 0 || neg {
		ts.Fatalf("usage: apidemo")
	}
	ts.Check(server(ts).DemoOnly())
}

// apicreated N: the sandbox holds exactly N sessions.
func cmdAPICreated(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: apicreated N")
	}
	want, _ := strconv.Atoi(args[0])
	if got := server(ts).Created(); (got == want) == neg {
		ts.Fatalf("the API created %d session(s), want %d", got, want)
	}
}

// apilast FILE: write the last request the API received (method, path,
// query, headers but Authorization's token, body) to FILE.
func cmdAPILast(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: apilast FILE")
	}
	reqs := server(ts).Requests()
	if len(reqs) == 0 {
		ts.Fatalf("the API received no request")
	}
	r := reqs[len(reqs)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Method, r.Path)
	if r.Query != "" {
		b.WriteString("?" + r.Query)
	}
	b.WriteString("\n")
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
	}
	b.WriteString("\n")
	b.Write(r.Body)
	b.WriteString("\n")
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
}

// freeport NAME: set $NAME to a TCP port free on 127.0.0.1 for a server
// the script starts.
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: freeport NAME")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	ts.Check(l.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}

// httpget URLFILE: GET the URL written in URLFILE (as -o url writes one)
// and print the answer's body on stdout; an answer other than 200 fails.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: httpget URLFILE")
	}
	raw, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	resp, err := http.Get(strings.TrimSpace(string(raw)))
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("GET %s: %s\n%s", strings.TrimSpace(string(raw)), resp.Status, body)
	}
	ts.Stdout().Write(body)
}

// mode PATH PERM: the file's permission bits are PERM (octal).
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mode PATH PERM")
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if got := fi.Mode().Perm(); (uint64(got) == want) == neg {
		ts.Fatalf("%s has mode %04o, want %04o", args[0], got, want)
	}
}

// apisend METHOD PATH [-body FILE] [-chunked] [-H 'K: V']...: send one
// request to the API as another client would (a bearer token; with a
// body, Content-Type application/json unless -H gives one) and print the
// status, the Allow, Content-Type and Idempotency-Used headers, a blank
// line and the body. -chunked sends the body without a Content-Length.
func cmdAPISend(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: apisend METHOD PATH [-body FILE] [-chunked] [-H 'K: V']...")
	}
	var body io.Reader
	chunked := false
	hdr := http.Header{"Authorization": {"Bearer sk_test_script"}}
	for rest := args[2:]; len(rest) > 0; rest = rest[1:] {
		switch rest[0] {
		case "-chunked":
			chunked = true
		case "-body", "-H":
			if len(rest) < 2 {
				ts.Fatalf("apisend: %s needs a value", rest[0])
			}
			if rest[0] == "-body" {
				b, err := os.ReadFile(ts.MkAbs(rest[1]))
				ts.Check(err)
				body = strings.NewReader(string(b))
				if hdr.Get("Content-Type") == "" {
					hdr.Set("Content-Type", "application/json")
				}
			} else {
				k, v, _ := strings.Cut(rest[1], ":")
				hdr.Set(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			rest = rest[1:]
		default:
			ts.Fatalf("apisend: unknown argument %q", rest[0])
		}
	}
	if chunked && body != nil {
		body = io.MultiReader(body) // hides the length from net/http
	}
	req, err := http.NewRequest(args[0], server(ts).URL+args[1], body)
	ts.Check(err)
	req.Header = hdr
	res, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	ts.Check(err)
	out := ts.Stdout()
	fmt.Fprintf(out, "%d\n", res.StatusCode)
	for _, k := range []string{"Allow", "Content-Type", "Idempotency-Used"} {
		if v := res.Header.Get(k); v != "" {
			fmt.Fprintf(out, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(out, "\n%s\n", b)
}
