package page

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/billctl/billctl/internal/sandbox/page/browsertest"
)

// These tests open the page in headless Chromium, served over the
// in-memory store, and use it as a person would: read it, tab to a button,
// press it, click the other.

func servePages(t *testing.T) (*memSessions, *httptest.Server) {
	t.Helper()
	mem := newMem()
	mux := http.NewServeMux()
	mux.Handle(DefaultPrefix, New(Options{Sessions: mem}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return mem, srv
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserPayWithTheKeyboard(t *testing.T) {
	ctx := browsertest.New(t)
	mem, srv := servePages(t)
	mem.add(demo("che_pay"))

	do(t, ctx, chromedp.Navigate(srv.URL+"/checkout/che_pay"), chromedp.WaitVisible(chromedp.ID("pay")))
	if got := browsertest.Text(t, ctx, "h1"); got != "Checkout for Acme Corporation" {
		t.Errorf("heading %q", got)
	}
	if got := browsertest.Text(t, ctx, "#total"); got != "EUR 57.60" {
		t.Errorf("total %q", got)
	}
	rows := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll("tbody tr")].map(r => r.innerText.replace(/\s+/g, " ").trim())`)
	want := []string{"Plan Pro (version 2) Monthly EUR 49.00", "Add-on Extra seats × 3 EUR 15.00", "Coupon Launch 10% 10% off −EUR 6.40"}
	if !slices.Equal(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if got := mem.status("che_pay"); got != AwaitingPayment {
		t.Errorf("after opening, status %s", got)
	}
	// The stylesheet applied: the Content-Security-Policy let it through.
	if bg := browsertest.Eval[string](t, ctx, `getComputedStyle(document.getElementById("pay")).backgroundColor`); bg == "rgba(0, 0, 0, 0)" || bg == "" {
		t.Errorf("the Pay button has no background (%q): the stylesheet was blocked", bg)
	}
	checkAccessibleButtons(t, ctx, []string{"Pay EUR 57.60", "Cancel checkout"})
	browsertest.Screenshot(t, ctx, "checkout-open")

	// Keyboard only: the first Tab stop is Pay, Enter presses it.
	do(t, ctx, chromedp.KeyEvent("\t"))
	if id := browsertest.Eval[string](t, ctx, `document.activeElement.id`); id != "pay" {
		t.Fatalf("first Tab focuses %q, want the Pay button", id)
	}
	do(t, ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.ID("outcome")))
	if got := browsertest.Text(t, ctx, "#outcome"); got != "Paid: this checkout is complete." {
		t.Errorf("outcome %q", got)
	}
	if got := mem.status("che_pay"); got != Completed {
		t.Errorf("after paying, status %s", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("button").length`); n != 0 {
		t.Errorf("%d buttons on the paid page", n)
	}
	browsertest.Screenshot(t, ctx, "checkout-paid")

	// Reloading the result does not post again.
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("outcome")))
	if n := len(mem.completed); n != 1 {
		t.Errorf("completed %d times", n)
	}
}

func TestBrowserCancel(t *testing.T) {
	ctx := browsertest.New(t)
	mem, srv := servePages(t)
	mem.add(demo("che_cancel"))
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/checkout/che_cancel"),
		chromedp.Click(chromedp.ID("cancel")),
		chromedp.WaitVisible(chromedp.ID("outcome")),
	)
	if got := browsertest.Text(t, ctx, "#outcome"); got != "This checkout was cancelled." {
		t.Errorf("outcome %q", got)
	}
	if got := mem.status("che_cancel"); got != Cancelled {
		t.Errorf("status %s", got)
	}
	browsertest.Screenshot(t, ctx, "checkout-cancelled")
}

func TestBrowserExpired(t *testing.T) {
	ctx := browsertest.New(t)
	mem, srv := servePages(t)
	c := demo("che_old")
	c.ExpiresAt = time.Now().Add(-time.Hour)
	mem.add(c)
	do(t, ctx, chromedp.Navigate(srv.URL+"/checkout/che_old"), chromedp.WaitVisible(chromedp.ID("outcome")))
	if got := browsertest.Text(t, ctx, "#outcome"); got != "This checkout has expired." {
		t.Errorf("outcome %q", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("form, button").length`); n != 0 {
		t.Errorf("%d forms or buttons on an expired session's page", n)
	}
	if got := mem.status("che_old"); got != Expired {
		t.Errorf("status %s", got)
	}
}

func TestBrowserFollowsMaplesRedirect(t *testing.T) {
	ctx := browsertest.New(t)
	mem, srv := servePages(t)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>Thanks</title><h1 id="thanks">Thanks for your order</h1>`))
	}))
	t.Cleanup(shop.Close)
	c := demo("che_maple")
	c.Provider = "maple"
	c.RedirectURL = shop.URL + "/thanks?from=sandbox"
	c.CompletionAction = "REDIRECT"
	mem.add(c)

	do(t, ctx,
		chromedp.Navigate(srv.URL+"/checkout/che_maple"),
		chromedp.Click(chromedp.ID("pay")),
		chromedp.WaitVisible(chromedp.ID("thanks")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != shop.URL+"/thanks?from=sandbox" {
		t.Errorf("after paying the browser is at %q, want the redirect_url", loc)
	}
	if got := mem.status("che_maple"); got != Completed {
		t.Errorf("status %s", got)
	}
}

func TestBrowserShowsMaplesConfirmationMessage(t *testing.T) {
	ctx := browsertest.New(t)
	mem, srv := servePages(t)
	c := demo("che_msg")
	c.Provider = "maple"
	c.ConfirmationMessage = "Thank you! Your licences are ready."
	mem.add(c)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/checkout/che_msg"),
		chromedp.Click(chromedp.ID("pay")),
		chromedp.WaitVisible(chromedp.ID("confirmation")),
	)
	if got := browsertest.Text(t, ctx, "#confirmation"); got != c.ConfirmationMessage {
		t.Errorf("confirmation %q", got)
	}
}

// A customer's name, an item and a message full of markup are shown as
// text; nothing in them runs.
func TestBrowserRunsNoServerText(t *testing.T) {
	ctx := browsertest.New(t)
	mem, srv := servePages(t)
	c := demo("che_xss")
	c.CustomerName = `<script>window.pwned = "name"; alert(1)</script>`
	c.Items[0].Name = `<img src=x onerror="window.pwned = 'item'">`
	c.ConfirmationMessage = `<svg onload="window.pwned = 'message'"></svg>`
	mem.add(c)

	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	opened := make(chan string, 1)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			opened <- ev.Message
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()

	do(t, ctx, chromedp.Navigate(srv.URL+"/checkout/che_xss"), chromedp.WaitVisible(chromedp.ID("pay")))
	if got := browsertest.Text(t, ctx, "h1"); got != "Checkout for "+c.CustomerName {
		t.Errorf("heading %q, want the name as text", got)
	}
	if got := browsertest.Text(t, ctx, "tbody tr th"); !strings.Contains(got, c.Items[0].Name) {
		t.Errorf("item %q, want the name as text", got)
	}
	do(t, ctx, chromedp.Click(chromedp.ID("pay")), chromedp.WaitVisible(chromedp.ID("confirmation")))
	if got := browsertest.Text(t, ctx, "#confirmation"); got != c.ConfirmationMessage {
		t.Errorf("confirmation %q, want it as text", got)
	}
	if got := browsertest.Eval[string](t, ctx, `String(window.pwned)`); got != "undefined" {
		t.Errorf("server text ran as script: window.pwned = %q", got)
	}
	select {
	case msg := <-opened:
		t.Errorf("a dialog opened: %q", msg)
	default:
	}
}

// On a phone-sized screen nothing needs sideways scrolling and the buttons
// are large enough to tap.
func TestBrowserFitsAPhone(t *testing.T) {
	ctx := browsertest.New(t)
	mem, srv := servePages(t)
	c := demo("che_phone")
	c.Items[1].Name = "An add-on with a rather long name that has to wrap on a narrow screen"
	mem.add(c)
	do(t, ctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/checkout/che_phone"),
		chromedp.WaitVisible(chromedp.ID("pay")),
	)
	if over := browsertest.Eval[int](t, ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
		t.Errorf("the page is %dpx wider than a 360px screen", over)
	}
	if h := browsertest.Eval[float64](t, ctx, `document.getElementById("pay").getBoundingClientRect().height`); h < 44 {
		t.Errorf("the Pay button is %.0fpx high; a tap target wants 44", h)
	}
	browsertest.Screenshot(t, ctx, "checkout-phone")
}

// checkAccessibleButtons reads the accessibility tree, which is what a
// screen reader is given, and checks that the buttons are there by name.
func checkAccessibleButtons(t *testing.T, ctx context.Context, want []string) {
	t.Helper()
	tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		t.Fatal(err)
	}
	var buttons []string
	headings := 0
	for _, n := range tree.Nodes {
		if n.Ignored || n.Role == nil {
			continue
		}
		role := strings.Trim(string(n.Role.Value), `"`)
		switch role {
		case "button":
			name := ""
			if n.Name != nil {
				name = strings.Trim(string(n.Name.Value), `"`)
			}
			buttons = append(buttons, name)
		case "heading":
			headings++
		}
	}
	if !slices.Equal(buttons, want) {
		t.Errorf("buttons a screen reader announces: %q, want %q", buttons, want)
	}
	if headings == 0 {
		t.Error("no heading in the accessibility tree")
	}
}
