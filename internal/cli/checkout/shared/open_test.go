package shared

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/output/outputtest"
	"github.com/billctl/billctl/internal/provider"
)

// recordingBrowser stands in for the user's browser.
type recordingBrowser struct {
	opened []string
	err    error
}

func (b *recordingBrowser) Open(u string) error {
	b.opened = append(b.opened, u)
	return b.err
}

type testEnv struct {
	streams  *output.IO
	out, err *bytes.Buffer
	browser  *recordingBrowser
	// noBrowser: no browser is known (OpenURL is given nil).
	noBrowser bool
}

func newTestEnv() *testEnv {
	streams, _, out, errb := outputtest.Streams()
	return &testEnv{streams: streams, out: out, err: errb, browser: &recordingBrowser{}}
}

// open opens sess's page as a command of provider prov does.
func (e *testEnv) open(prov string, sess *provider.Session) error {
	if e.noBrowser {
		return OpenURL(e.streams, nil, prov, provider.Vocabulary{}, sess)
	}
	return OpenURL(e.streams, e.browser, prov, provider.Vocabulary{}, sess)
}

func TestOpenURL(t *testing.T) {
	cases := []struct {
		name       string
		sess       provider.Session
		wantOpened bool
		wantErr    string // on stderr
	}{
		{"open", provider.Session{ID: "che_1", Status: "CREATED", URL: "https://pay.example/1"}, true, ""},
		{"awaiting payment", provider.Session{ID: "che_1", Status: "AWAITING_PAYMENT", URL: "https://pay.example/1"}, true, ""},
		{"no status (Maple create)", provider.Session{ID: "che_1", URL: "https://pay.example/1"}, true, ""},
		{"cancelled", provider.Session{ID: "che_1", Status: "CANCELLED"}, false, "checkout session che_1 was cancelled"},
		{"expired with a URL", provider.Session{ID: "che_1", Status: "EXPIRED", URL: "https://pay.example/1"}, false, "checkout session che_1 has expired"},
		{"completed without a URL", provider.Session{ID: "che_1", Status: "COMPLETED"}, false, "checkout session che_1 is completed (the customer went through checkout) and meteroid returned no checkout URL"},
		{"no URL", provider.Session{ID: "che_1", Status: "CREATED"}, false, "meteroid returned no checkout URL for session che_1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, prov := newTestEnv(), "meteroid"
			if err := e.open(prov, &c.sess); err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			if opened := len(e.browser.opened) == 1; opened != c.wantOpened {
				t.Fatalf("opened %q, want opened %v", e.browser.opened, c.wantOpened)
			}
			if c.wantOpened && e.browser.opened[0] != c.sess.URL {
				t.Errorf("opened %q, want %q", e.browser.opened[0], c.sess.URL)
			}
			if c.wantErr == "" && e.err.Len() != 0 {
				t.Errorf("stderr = %q", e.err)
			}
			if c.wantErr != "" && !strings.Contains(e.err.String(), "not opening a browser: "+c.wantErr) {
				t.Errorf("stderr = %q, want %q", e.err, c.wantErr)
			}
			if e.out.Len() != 0 {
				t.Errorf("stdout = %q", e.out)
			}
		})
	}
}

func TestOpenURLBrowserFailureIsNotAnError(t *testing.T) {
	e, prov := newTestEnv(), "meteroid"
	e.browser.err = errors.New("no display")
	if err := e.open(prov, &provider.Session{ID: "che_1", URL: "https://pay.example/1"}); err != nil {
		t.Fatalf("OpenURL: %v", err)
	}
	if got := e.err.String(); got != "could not open a browser (no display): open https://pay.example/1 yourself\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestOpenURLWithoutBrowserPrintsTheURL(t *testing.T) {
	e, prov := newTestEnv(), "maple"
	e.noBrowser = true
	if err := e.open(prov, &provider.Session{ID: "che_1", URL: "https://pay.example/1"}); err != nil {
		t.Fatal(err)
	}
	if got := e.err.String(); got != "open https://pay.example/1 in your browser\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestOpenURLAnnouncesOnATerminal(t *testing.T) {
	e, prov := newTestEnv(), "meteroid"
	e.streams.StderrTTY = true
	if err := e.open(prov, &provider.Session{ID: "che_1", URL: "https://pay.example/1"}); err != nil {
		t.Fatal(err)
	}
	if got := e.err.String(); got != "Opening https://pay.example/1 in your browser.\n" {
		t.Errorf("stderr = %q", got)
	}
}

// A sandbox session's page lives on `billctl sandbox serve`: with nothing
// listening there, --open says how to start it instead of opening an error.
func TestOpenURLOfAPageNobodyServes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := "http://" + l.Addr().String() + "/checkout/che_1"
	e, prov := newTestEnv(), "meteroid"
	if err := e.open(prov, &provider.Session{ID: "che_1", Status: "CREATED", URL: served}); err != nil {
		t.Fatal(err)
	}
	if len(e.browser.opened) != 1 {
		t.Errorf("a page with a server was not opened: %q", e.err)
	}
	addr := l.Addr().String()
	l.Close()

	e = newTestEnv()
	if err := e.open(prov, &provider.Session{ID: "che_1", Status: "CREATED", URL: served}); err != nil {
		t.Fatal(err)
	}
	if len(e.browser.opened) != 0 {
		t.Errorf("opened %q with nothing serving it", e.browser.opened)
	}
	want := "not opening a browser: nothing answers at " + addr + ", where this checkout page is served; start the sandbox's server with `billctl sandbox serve --addr " + addr + "`"
	if !strings.Contains(e.err.String(), want) {
		t.Errorf("stderr = %q, want %q", e.err, want)
	}
}
