package page

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// harness serves the page over an in-memory store, as a browser would
// reach it: GET a page, read its forms, post them back.
type harness struct {
	t    *testing.T
	mem  *memSessions
	h    *Handler
	logs *bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	mem := newMem()
	logs := &bytes.Buffer{}
	h := New(Options{Sessions: mem, Secret: []byte("test secret"), Log: slog.New(slog.NewTextHandler(logs, nil))})
	return &harness{t: t, mem: mem, h: h, logs: logs}
}

func (hs *harness) do(method, target string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	hs.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	hs.h.ServeHTTP(w, r)
	return w
}

var formRE = regexp.MustCompile(`<form method="post" action="([^"]+)">\s*<input type="hidden" name="csrf_token" value="([^"]+)">`)

// forms returns the action → token of each form on a page.
func forms(body string) map[string]string {
	out := map[string]string{}
	for _, m := range formRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestOpenShowsTheSessionAndMovesItToAwaitingPayment(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))

	w := hs.do("GET", "/checkout/che_1", nil, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		"<h1>Checkout for Acme Corporation</h1>",
		"cus_7n42DGM5Tflk9n8mt7Fhc7",
		"Pro (version 2)", "Extra seats", "× 3", "Launch 10%", "−EUR 6.40",
		"EUR 49.00", "EUR 15.00",
		`<td class="num" id="total">EUR 57.60</td>`,
		"<th scope=\"row\">Total</th>", "14 days", "2 Jan 2099, 03:04 UTC",
		`<button type="submit" class="pay" id="pay">Pay EUR 57.60</button>`,
		`<button type="submit" class="cancel" id="cancel">Cancel checkout</button>`,
		`<html lang="en">`, `name="viewport"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	f := forms(body)
	if len(f) != 2 || f["/checkout/che_1/pay"] == "" || f["/checkout/che_1/cancel"] == "" {
		t.Errorf("forms = %v, want a pay and a cancel form with tokens", f)
	}
	if f["/checkout/che_1/pay"] == f["/checkout/che_1/cancel"] {
		t.Error("pay and cancel share a token: one form's token would work for the other")
	}
	if got := hs.mem.status("che_1"); got != AwaitingPayment {
		t.Errorf("after opening, status %s, want AWAITING_PAYMENT", got)
	}
	if strings.Contains(strings.ToLower(body), "<script") {
		t.Error("the page carries a script; it must work without one")
	}
}

func TestHeadDoesNotOpen(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	if w := hs.do("HEAD", "/checkout/che_1", nil, nil); w.Code != http.StatusOK {
		t.Fatalf("HEAD status %d", w.Code)
	}
	if got := hs.mem.status("che_1"); got != Created {
		t.Errorf("after HEAD, status %s, want CREATED (a link preview is not a visit)", got)
	}
}

func TestServerTextIsShownAsText(t *testing.T) {
	hs := newHarness(t)
	c := demo("che_x")
	c.CustomerName = `<script>alert("name")</script>`
	c.Items[0].Name = `<img src=x onerror=alert(1)>`
	c.Items[1].Detail = `"><script>alert(2)</script>`
	c.Term = "</th><script>alert(3)</script>"
	c.ConfirmationMessage = `<b>bold</b><script>alert(4)</script>`
	c.CompletionAction = "SHOW_CONFIRMATION_MESSAGE"
	hs.mem.add(c)

	body := hs.do("GET", "/checkout/che_x", nil, nil).Body.String()
	if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
		t.Fatalf("server text reached the page as markup:\n%s", body)
	}
	if !strings.Contains(body, "Checkout for &lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;") {
		t.Errorf("the customer's name is not shown as escaped text:\n%s", body)
	}

	f := forms(body)
	w := hs.do("POST", "/checkout/che_x/pay", url.Values{"csrf_token": {f["/checkout/che_x/pay"]}}, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("pay: status %d", w.Code)
	}
	body = hs.do("GET", "/checkout/che_x", nil, nil).Body.String()
	if strings.Contains(body, "<script") || strings.Contains(body, "<b>") {
		t.Fatalf("the confirmation message reached the page as markup:\n%s", body)
	}
	if !strings.Contains(body, "&lt;b&gt;bold&lt;/b&gt;") {
		t.Errorf("the confirmation message is not shown:\n%s", body)
	}
}

func TestPay(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	f := forms(hs.do("GET", "/checkout/che_1", nil, nil).Body.String())

	w := hs.do("POST", "/checkout/che_1/pay", url.Values{"csrf_token": {f["/checkout/che_1/pay"]}}, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/checkout/che_1" {
		t.Fatalf("pay: %d to %q, want 303 to the page", w.Code, w.Header().Get("Location"))
	}
	if got := hs.mem.status("che_1"); got != Completed {
		t.Fatalf("status %s, want COMPLETED", got)
	}
	body := hs.do("GET", "/checkout/che_1", nil, nil).Body.String()
	if !strings.Contains(body, "Paid: this checkout is complete.") {
		t.Errorf("the page after paying does not say so:\n%s", body)
	}
	if len(forms(body)) != 0 {
		t.Error("a completed session still shows its buttons")
	}

	// The same form posted again (a double click, a back button).
	w = hs.do("POST", "/checkout/che_1/pay", url.Values{"csrf_token": {f["/checkout/che_1/pay"]}}, nil)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "already paid") {
		t.Errorf("second pay: %d\n%s", w.Code, w.Body)
	}
	if n := len(hs.mem.completed); n != 1 {
		t.Errorf("completed %d times, want 1", n)
	}
}

func TestAfterPaying(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		redirect, action, message string
		wantLocation, wantOnPage  string
	}{
		{name: "redirect", redirect: "https://shop.example/thanks?order=1", wantLocation: "https://shop.example/thanks?order=1"},
		{name: "redirect action", redirect: "http://localhost:3000/done", action: "REDIRECT", wantLocation: "http://localhost:3000/done"},
		{name: "message", action: "SHOW_CONFIRMATION_MESSAGE", redirect: "https://shop.example/", message: "Thank you!", wantLocation: "/checkout/che_m", wantOnPage: "Thank you!"},
		{name: "message without action", message: "Welcome aboard.", wantLocation: "/checkout/che_m", wantOnPage: "Welcome aboard."},
		{name: "script URL not followed", redirect: "javascript:alert(1)", message: "Done.", wantLocation: "/checkout/che_m", wantOnPage: "Done."},
		{name: "relative URL not followed", redirect: "//evil.example/x", wantLocation: "/checkout/che_m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			c := demo("che_m")
			c.Provider = "maple"
			c.RedirectURL, c.CompletionAction, c.ConfirmationMessage = tc.redirect, tc.action, tc.message
			hs.mem.add(c)
			f := forms(hs.do("GET", "/checkout/che_m", nil, nil).Body.String())
			w := hs.do("POST", "/checkout/che_m/pay", url.Values{"csrf_token": {f["/checkout/che_m/pay"]}}, nil)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.wantLocation {
				t.Fatalf("pay: %d to %q, want 303 to %q", w.Code, w.Header().Get("Location"), tc.wantLocation)
			}
			if tc.wantOnPage != "" {
				body := hs.do("GET", "/checkout/che_m", nil, nil).Body.String()
				if !strings.Contains(body, `<p class="message" id="confirmation">`+tc.wantOnPage+`</p>`) {
					t.Errorf("page lacks the confirmation %q:\n%s", tc.wantOnPage, body)
				}
			}
		})
	}
}

func TestCancel(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	f := forms(hs.do("GET", "/checkout/che_1", nil, nil).Body.String())
	w := hs.do("POST", "/checkout/che_1/cancel", url.Values{"csrf_token": {f["/checkout/che_1/cancel"]}}, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/checkout/che_1" {
		t.Fatalf("cancel: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if got := hs.mem.status("che_1"); got != Cancelled {
		t.Fatalf("status %s, want CANCELLED", got)
	}
	body := hs.do("GET", "/checkout/che_1", nil, nil).Body.String()
	if !strings.Contains(body, "This checkout was cancelled.") || len(forms(body)) != 0 {
		t.Errorf("cancelled page:\n%s", body)
	}
	w = hs.do("POST", "/checkout/che_1/pay", url.Values{"csrf_token": {f["/checkout/che_1/pay"]}}, nil)
	if w.Code != http.StatusConflict || hs.mem.status("che_1") != Cancelled {
		t.Errorf("paying a cancelled session: %d, status %s", w.Code, hs.mem.status("che_1"))
	}
}

func TestExpired(t *testing.T) {
	hs := newHarness(t)
	c := demo("che_old")
	c.ExpiresAt = time.Now().Add(-time.Minute)
	hs.mem.add(c)
	w := hs.do("GET", "/checkout/che_old", nil, nil)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "This checkout has expired.") || len(forms(body)) != 0 {
		t.Fatalf("expired page: %d\n%s", w.Code, body)
	}
	// A form kept from before it expired.
	tok := hs.h.tokens.make("pay", "che_old")
	w = hs.do("POST", "/checkout/che_old/pay", url.Values{"csrf_token": {tok}}, nil)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "expired: it can no longer be paid") {
		t.Errorf("paying an expired session: %d\n%s", w.Code, w.Body)
	}
	if got := hs.mem.status("che_old"); got != Expired {
		t.Errorf("status %s", got)
	}
}

func TestFormsNeedTheirToken(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	hs.mem.add(demo("che_2"))
	f1 := forms(hs.do("GET", "/checkout/che_1", nil, nil).Body.String())
	other := New(Options{Sessions: hs.mem, Secret: []byte("another server")})

	for name, tok := range map[string]string{
		"none":                  "",
		"garbage":               "AAAA",
		"cancel's token":        f1["/checkout/che_1/cancel"],
		"another session's":     hs.h.tokens.make("pay", "che_2"),
		"another secret's":      other.tokens.make("pay", "che_1"),
		"truncated":             f1["/checkout/che_1/pay"][:10],
		"right token, but case": strings.ToUpper(f1["/checkout/che_1/pay"]),
	} {
		form := url.Values{}
		if tok != "" {
			form.Set("csrf_token", tok)
		}
		w := hs.do("POST", "/checkout/che_1/pay", form, nil)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, w.Code)
		}
	}
	if got := hs.mem.status("che_1"); got != AwaitingPayment {
		t.Errorf("status %s after refused forms, want AWAITING_PAYMENT", got)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	tok := hs.h.tokens.make("pay", "che_1")
	w := hs.do("POST", "/checkout/che_1/pay", url.Values{"csrf_token": {tok}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if w.Code != http.StatusForbidden || hs.mem.status("che_1") != Created {
		t.Errorf("cross-site post: %d, status %s", w.Code, hs.mem.status("che_1"))
	}
	w = hs.do("POST", "/checkout/che_1/pay", url.Values{"csrf_token": {tok}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if w.Code != http.StatusSeeOther || hs.mem.status("che_1") != Completed {
		t.Errorf("same-origin post: %d, status %s", w.Code, hs.mem.status("che_1"))
	}
}

func TestRoutes(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	for _, tc := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{"GET", "/checkout/che_nope", http.StatusNotFound, ""},
		{"GET", "/checkout/", http.StatusNotFound, ""},
		{"GET", "/elsewhere", http.StatusNotFound, ""},
		{"GET", "/checkout/che_1/refund", http.StatusNotFound, ""},
		{"GET", "/checkout/che_1/pay", http.StatusMethodNotAllowed, "POST"},
		{"POST", "/checkout/che_1", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"POST", "/checkout/che_nope/pay", http.StatusNotFound, ""},
	} {
		var form url.Values
		if tc.method == "POST" {
			form = url.Values{"csrf_token": {hs.h.tokens.make("pay", "che_nope")}}
		}
		w := hs.do(tc.method, tc.path, form, nil)
		if w.Code != tc.want || w.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d (Allow %q), want %d (Allow %q)", tc.method, tc.path, w.Code, w.Header().Get("Allow"), tc.want, tc.allow)
		}
		if ct := w.Header().Get("Content-Type"); tc.method != "HEAD" && ct != "text/html; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
	}
	if got := hs.mem.status("che_1"); got != Created {
		t.Errorf("status %s: a refused request moved the session", got)
	}
}

func TestStoreFailureIsLoggedNotShown(t *testing.T) {
	hs := newHarness(t)
	hs.mem.fail = errDiskOnFire
	w := hs.do("GET", "/checkout/che_1", nil, nil)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "/var/lib/secret") {
		t.Error("the store's error reached the browser")
	}
	if !strings.Contains(hs.logs.String(), "/var/lib/secret/sandbox.db") || !strings.Contains(hs.logs.String(), "session=che_1") {
		t.Errorf("the store's error was not logged: %q", hs.logs)
	}
}

// The policy forbids every script and allows exactly the inline stylesheet
// the page carries: a browser would drop a stylesheet whose hash differs.
func TestContentSecurityPolicyMatchesTheStylesheet(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	w := hs.do("GET", "/checkout/che_1", nil, nil)
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("no stylesheet on the page")
	}
	sum := sha256.Sum256([]byte(m[1]))
	want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, want) || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q, want it to hold %q, default-src 'none' and frame-ancestors 'none'", csp, want)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
}

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{}, ""},
		{Money{0, "EUR"}, "EUR 0.00"},
		{Money{5, "USD"}, "USD 0.05"},
		{Money{123456789, "EUR"}, "EUR 1,234,567.89"},
		{Money{-640, "EUR"}, "−EUR 6.40"},
		{Money{1500, "JPY"}, "JPY 1,500"},
		{Money{1234, "KWD"}, "KWD 1.234"},
		{Money{100000, "GBP"}, "GBP 1,000.00"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestPath(t *testing.T) {
	if got := Path("", "che_1"); got != "/checkout/che_1" {
		t.Errorf("Path = %q", got)
	}
	if got := Path("/pay", "a/b c"); got != "/pay/a%2Fb%20c" {
		t.Errorf("Path = %q", got)
	}
}

// A program with a bearer token, as billctl sandbox pay is, needs no form
// token; a browser cannot add that header to a cross-site form.
func TestBearerRequestNeedsNoFormToken(t *testing.T) {
	hs := newHarness(t)
	hs.mem.add(demo("che_1"))
	hs.mem.add(demo("che_2"))
	w := hs.do("POST", "/checkout/che_1/pay", url.Values{}, http.Header{"Authorization": {"Bearer sandbox"}})
	if w.Code != http.StatusSeeOther || hs.mem.status("che_1") != Completed || w.Header().Get(StatusHeader) != "COMPLETED" {
		t.Errorf("pay with a bearer token: %d (%s %q), status %s", w.Code, StatusHeader, w.Header().Get(StatusHeader), hs.mem.status("che_1"))
	}
	w = hs.do("POST", "/checkout/che_1/cancel", url.Values{}, http.Header{"Authorization": {"Bearer sandbox"}})
	if w.Code != http.StatusConflict || w.Header().Get(StatusHeader) != "COMPLETED" {
		t.Errorf("cancel after paying: %d (%s %q), want 409 and COMPLETED", w.Code, StatusHeader, w.Header().Get(StatusHeader))
	}
	for _, auth := range []string{"Bearer ", "Basic dXNlcjpwYXNz", "sandbox"} {
		w = hs.do("POST", "/checkout/che_2/pay", url.Values{}, http.Header{"Authorization": {auth}})
		if w.Code != http.StatusForbidden {
			t.Errorf("Authorization %q: %d, want 403", auth, w.Code)
		}
	}
	if got := hs.mem.status("che_2"); got != Created {
		t.Errorf("status %s", got)
	}
}

// BenchmarkOpenPage renders a session's page (GET) over the in-memory store.
func BenchmarkOpenPage(b *testing.B) {
	mem := newMem()
	mem.add(demo("che_1"))
	h := New(Options{Sessions: mem, Secret: []byte("k")})
	r := httptest.NewRequest("GET", "/checkout/che_1", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// Meteroid's success_url: after paying, 303 there with checkout_session_id
// added to the URL's own query; its cancel_url: after Cancel, 303 there.
// A URL that is not absolute http(s) is not followed.
func TestMeteroidSuccessAndCancelURLs(t *testing.T) {
	for _, tc := range []struct {
		name, action, success, cancel, wantLocation string
	}{
		{"success", "pay", "https://app.example.com/welcome", "", "https://app.example.com/welcome?checkout_session_id=che_7n42DGM5Tflk9n8mt7Fhc7"},
		{"success keeps its query", "pay", "https://app.example.com/welcome?plan=pro", "https://app.example.com/back", "https://app.example.com/welcome?plan=pro&checkout_session_id=che_7n42DGM5Tflk9n8mt7Fhc7"},
		{"script success not followed", "pay", "javascript:alert(1)", "", "/checkout/che_7n42DGM5Tflk9n8mt7Fhc7"},
		{"no success: the page", "pay", "", "https://app.example.com/back", "/checkout/che_7n42DGM5Tflk9n8mt7Fhc7"},
		{"cancel", "cancel", "https://app.example.com/welcome", "https://app.example.com/back", "https://app.example.com/back"},
		{"no cancel: the page", "cancel", "https://app.example.com/welcome", "", "/checkout/che_7n42DGM5Tflk9n8mt7Fhc7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const id = "che_7n42DGM5Tflk9n8mt7Fhc7"
			hs := newHarness(t)
			c := demo(id)
			c.SuccessURL, c.CancelURL = tc.success, tc.cancel
			hs.mem.add(c)
			f := forms(hs.do("GET", "/checkout/"+id, nil, nil).Body.String())
			path := "/checkout/" + id + "/" + tc.action
			w := hs.do("POST", path, url.Values{"csrf_token": {f[path]}}, nil)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.wantLocation {
				t.Fatalf("%s: %d to %q, want 303 to %q", tc.action, w.Code, w.Header().Get("Location"), tc.wantLocation)
			}
		})
	}
}

// With Key (a server off loopback): a page opens only with its session's
// key, its forms post with it, a program needs the server's token, and
// after paying the browser is sent back to the page with its key.
func TestKeyedPages(t *testing.T) {
	hs := newHarness(t)
	key := func(id string) string { return "k-" + id }
	hs.h = New(Options{Sessions: hs.mem, Secret: []byte("test secret"), Key: key,
		Program: func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer right" }})
	hs.mem.add(demo("che_1"))
	hs.mem.add(demo("che_2"))

	for _, target := range []string{"/checkout/che_1", "/checkout/che_1?key=", "/checkout/che_1?key=k-che_2", "/checkout/che_1?key=K-CHE_1"} {
		if w := hs.do("GET", target, nil, nil); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "csrf_token") {
			t.Errorf("GET %s: %d, want 404 without forms", target, w.Code)
		}
	}
	if got := hs.mem.status("che_1"); got != Created {
		t.Fatalf("opened without its key: %s", got)
	}
	w := hs.do("GET", "/checkout/che_1?key=k-che_1", nil, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET with the key: %d", w.Code)
	}
	f := forms(w.Body.String())
	tok, ok := f["/checkout/che_1/pay?key=k-che_1"]
	if !ok {
		t.Fatalf("the pay form does not carry the key: %v", f)
	}
	form := url.Values{"csrf_token": {tok}}
	if w := hs.do("POST", "/checkout/che_1/pay", form, nil); w.Code != http.StatusNotFound {
		t.Errorf("form without the key: %d, want 404", w.Code)
	}
	w = hs.do("POST", "/checkout/che_1/pay?key=k-che_1", form, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/checkout/che_1?key=k-che_1" || hs.mem.status("che_1") != Completed {
		t.Errorf("pay with the key: %d to %q, status %s", w.Code, w.Header().Get("Location"), hs.mem.status("che_1"))
	}

	if w := hs.do("POST", "/checkout/che_2/pay", url.Values{}, http.Header{"Authorization": {"Bearer wrong"}}); w.Code != http.StatusUnauthorized {
		t.Errorf("a program with another token: %d, want 401", w.Code)
	}
	if w := hs.do("POST", "/checkout/che_2/pay", url.Values{}, http.Header{"Authorization": {"Bearer right"}}); w.Code != http.StatusSeeOther || hs.mem.status("che_2") != Completed {
		t.Errorf("a program with the token: %d, status %s", w.Code, hs.mem.status("che_2"))
	}
}
