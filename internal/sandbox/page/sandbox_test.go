package page_test

import (
	"context"
	"encoding/json"
	maplesandbox "github.com/billctl/billctl/internal/provider/maple/sandbox"
	meteroidsandbox "github.com/billctl/billctl/internal/provider/meteroid/sandbox"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page"
	"github.com/billctl/billctl/internal/sandbox/page/pagetest"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
	"github.com/billctl/billctl/internal/sandbox/webhook"
)

func demoCatalog() *purchase.Catalog {
	return purchase.NewCatalog(
		purchase.API{Name: meteroid.Name, Items: meteroidsandbox.Catalog(), Describe: meteroidsandbox.Purchase},
		purchase.API{Name: maple.Name, Items: maplesandbox.Catalog(), Describe: maplesandbox.Purchase},
	)
}

// openStore is a fresh in-memory sandbox store with webhooks queued on
// completion, as `sandbox serve --webhook-url` sets it up.
func openStore(t *testing.T) (*sandbox.Store, *page.SandboxSessions) {
	t.Helper()
	st, err := sandbox.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := demoCatalog()
	if err := st.Prepare(context.Background(), []sandbox.API{meteroidsandbox.API(), maplesandbox.API()}); err != nil {
		t.Fatal(err)
	}
	webhook.QueueOnComplete(st, "http://127.0.0.1:1/hook", nil)
	return st, &page.SandboxSessions{Store: st, Catalog: cat}
}

var seq int

func insert(t *testing.T, st *sandbox.Store, provider, customer string, req any) string {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	seq++
	id := meteroid.NewID("che_", time.Now().Add(time.Duration(seq)))
	err = st.Update(context.Background(), func(tx *sandbox.Tx) error {
		return tx.InsertSession(&sandbox.Session{
			ID: id, Provider: provider, Customer: customer, Status: sandbox.Created,
			CreatedAt: tx.Now(), Request: body,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSandboxSessions(t *testing.T) {
	pagetest.TestSessions(t, func(t *testing.T) pagetest.Store {
		st, s := openStore(t)
		return pagetest.Store{
			Sessions: s,
			Create: func(t *testing.T) string {
				return insert(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{
					"customer_id": meteroid.DemoCustomerAcme, "plan_version_id": meteroid.DemoPlanVersionPro,
				})
			},
			Expire: func(t *testing.T, id string) {
				if _, err := st.Expire(context.Background(), id); err != nil {
					t.Fatal(err)
				}
			},
			Completions: func(t *testing.T, id string) int {
				ds, err := st.Deliveries(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				return len(ds)
			},
		}
	})
}

func TestSandboxCheckoutDescribesTheSession(t *testing.T) {
	st, s := openStore(t)
	ctx := context.Background()

	id := insert(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{
		"customer_id": "acme", "plan_version_id": meteroid.DemoPlanVersionPro,
		"add_ons":    []any{map[string]any{"add_on_id": meteroid.DemoAddOnSeats, "quantity": 3}},
		"coupon_ids": []string{meteroid.DemoCouponWelcome},
	})
	c, err := s.Checkout(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []page.Item{
		{Kind: "Plan", Name: "Pro (version 2)", Detail: "Monthly", Amount: page.Money{Minor: 4900, Currency: "EUR"}},
		{Kind: "Add-on", Name: "Extra seats", Detail: "× 3", Amount: page.Money{Minor: 4500, Currency: "EUR"}},
		{Kind: "Coupon", Name: "WELCOME10", Detail: "10% off", Amount: page.Money{Minor: -940, Currency: "EUR"}},
	}
	if len(c.Items) != len(want) {
		t.Fatalf("items %+v", c.Items)
	}
	for i := range want {
		if c.Items[i] != want[i] {
			t.Errorf("item %d: %+v, want %+v", i, c.Items[i], want[i])
		}
	}
	if c.CustomerName != "Acme Corp" || c.Total != (page.Money{Minor: 8460, Currency: "EUR"}) || c.Trial != "14 days" || c.Term != "Monthly" || c.Status != page.Created {
		t.Errorf("checkout %+v", c)
	}

	mid := insert(t, st, "maple", maple.DemoCustomerAda, map[string]any{
		"customer_id": maple.DemoCustomerAda, "type": "CHECKOUT_SESSION",
		"config_items":  []any{map[string]any{"product_pricing_id": maple.DemoPricingPro, "num_licenses": 2}},
		"onetime_items": []any{map[string]any{"product_pricing_id": maple.DemoPricingSetup}},
		"discounts":     []any{map[string]any{"name": "Launch", "type": "DISCOUNT_PERCENT", "percent": 50}},
		"term":          map[string]any{"count": 12, "frequency": "MONTH"},
		"trial":         true, "trial_term": map[string]any{"count": 1, "frequency": "MONTH"},
		"options": map[string]any{"redirect_url": "https://shop.example/thanks", "completion_action": "REDIRECT"},
	})
	c, err = s.Checkout(ctx, mid)
	if err != nil {
		t.Fatal(err)
	}
	if c.CustomerName != "Ada Lovelace" || c.Total != (page.Money{Minor: 27900, Currency: "USD"}) || c.Term != "12 months" || c.Trial != "1 month" ||
		c.RedirectURL != "https://shop.example/thanks" || c.CompletionAction != "REDIRECT" || len(c.Items) != 3 {
		t.Errorf("maple checkout %+v", c)
	}
	if c.Items[0].Detail != "2 licences, monthly" || c.Items[1].Kind != "One-time item" || c.Items[2].Amount.Minor != -27900 {
		t.Errorf("maple items %+v", c.Items)
	}
}

// What the catalogue does not know is shown by the name the request gave,
// unpriced: an add-on, a coupon ID and a coupon code alike.
func TestSandboxCheckoutShowsUnknownItems(t *testing.T) {
	st, s := openStore(t)
	id := insert(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{
		"customer_id": "acme", "plan_version_id": meteroid.DemoPlanVersionPro,
		"add_ons":     []any{map[string]any{"add_on_id": "add_nope"}},
		"coupon_ids":  []string{"cou_nope"},
		"coupon_code": "NOPE",
	})
	c, err := s.Checkout(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := []page.Item{
		{Kind: "Add-on", Name: "add_nope"},
		{Kind: "Coupon", Name: "cou_nope"},
		{Kind: "Coupon", Name: "NOPE"},
	}
	if len(c.Items) != 1+len(want) {
		t.Fatalf("items %+v", c.Items)
	}
	for i := range want {
		if c.Items[i+1] != want[i] {
			t.Errorf("item %d: %+v, want %+v", i+1, c.Items[i+1], want[i])
		}
	}
}

// A plan with a free trial charges nothing at checkout: the page says what
// is due today and when the total is first charged, as the events do (no
// invoice until the trial ends). A plan without one is due in full today.
func TestSandboxPageSaysWhatIsDueToday(t *testing.T) {
	st, s := openStore(t)
	h := page.New(page.Options{Sessions: s})
	open := func(id string) string {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", page.Path("", id), nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", id, w.Code, w.Body)
		}
		return w.Body.String()
	}

	trial := insert(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{
		"customer_id": meteroid.DemoCustomerAcme, "plan_version_id": meteroid.DemoPlanVersionPro,
	})
	ends := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 14).Format("2 Jan 2006")
	body := open(trial)
	for _, want := range []string{
		`<td class="num" id="total">EUR 49.00</td>`,
		`<tr><th scope="row">Due today</th><td class="num" id="due-today">EUR 0.00</td></tr>`,
		`<dd>14 days, free</dd>`,
		`<p class="note" id="due">Nothing is due today: EUR 49.00 is first charged when the free trial of 14 days ends, on ` + ends + `.</p>`,
		`<button type="submit" class="pay" id="pay">Start the free trial: EUR 0.00 today</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the free trial's page lacks %q", want)
		}
	}
	if strings.Contains(body, "Pay EUR 49.00") {
		t.Error("the free trial's page asks to pay the total today")
	}

	// A later billing_start_date moves the trial's end with it.
	later := insert(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{
		"customer_id": meteroid.DemoCustomerAcme, "plan_version_id": meteroid.DemoPlanVersionPro,
		"billing_start_date": "2099-03-01",
	})
	if body := open(later); !strings.Contains(body, "14 days ends, on 15 Mar 2099.") {
		t.Errorf("a trial starting on 2099-03-01 does not end on 15 Mar 2099:\n%s", body)
	}

	plain := insert(t, st, "meteroid", meteroid.DemoCustomerAcme, map[string]any{
		"customer_id": meteroid.DemoCustomerAcme, "plan_version_id": meteroid.DemoPlanVersionStarter,
	})
	body = open(plain)
	if strings.Contains(body, "Due today") || strings.Contains(body, "Nothing is due today") {
		t.Error("a plan without a trial says something else is due today than its total")
	}
	if !strings.Contains(body, `id="pay">Pay EUR `) || !strings.Contains(body, "<dd>None</dd>") {
		t.Errorf("a plan without a trial: no Pay button with its total, or a trial shown:\n%s", body)
	}
}
