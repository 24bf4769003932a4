package maple

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/billctl/billctl/internal/contract"
	"github.com/billctl/billctl/internal/request"
)

const specPath = "../../../testdata/specs/maple-openapi.yaml"

func ptr[T any](v T) *T { return &v }

func TestMarshal(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"request minimal: config_items is [] even when empty",
			CreateCheckoutSessionRequest{Type: CheckoutTypeCheckoutSession, CustomerID: "cus_2MkGNwZqR8tL", ConfigItems: []ConfigItem{}},
			`{"config_items":[],"customer_id":"cus_2MkGNwZqR8tL","type":"CHECKOUT_SESSION"}`},
		{"request plan change",
			CreateCheckoutSessionRequest{
				Type: CheckoutTypeCheckoutSession, CustomerID: "cus_1",
				ConfigItems:              []ConfigItem{{ProductPricingID: ptr("pp_1"), NumLicenses: ptr(int64(25))}},
				ChangeTiming:             ptr(ChangePeriodEnd),
				ChangeProrationType:      ptr(ProrationNone),
				ChangeResetBillingAnchor: ptr(false),
				PreviousSubscriptionID:   ptr("sub_1"),
			},
			`{"change_proration_type":"NONE","change_reset_billing_anchor":false,"change_timing":"PERIOD_END",` +
				`"config_items":[{"num_licenses":25,"product_pricing_id":"pp_1"}],"customer_id":"cus_1","previous_subscription_id":"sub_1","type":"CHECKOUT_SESSION"}`},
		{"request subscription",
			CreateCheckoutSessionRequest{
				Type: CheckoutTypeCheckoutSession, CustomerID: "cus_1", ConfigItems: []ConfigItem{},
				AutoCharges: ptr(true), AutoRenews: ptr(false), BundlePricingID: ptr("bp_1"),
				ProductPricingIDs: []string{"pp_1", "pp_2"},
				Term:              &Term{Count: 1, Frequency: FrequencyYear},
				Trial:             ptr(true),
				TrialTerm:         &Term{Count: 14, Frequency: FrequencyDay},
				Metadata:          &request.JSON{Raw: json.RawMessage(`{"seats":10}`)},
				Options: &CheckoutOptions{
					AllowPromoCode: ptr(true), CompletionAction: ptr("REDIRECT"), ConfirmationMessage: ptr("Welcome"),
					RedirectURL: ptr("https://app.example.com/welcome"), RequiresCustomerAddress: ptr(false),
				},
			},
			`{"auto_charges":true,"auto_renews":false,"bundle_pricing_id":"bp_1","config_items":[],"customer_id":"cus_1",` +
				`"metadata":{"seats":10},"options":{"allow_promo_code":true,"completion_action":"REDIRECT","confirmation_message":"Welcome",` +
				`"redirect_url":"https://app.example.com/welcome","requires_customer_address":false},"product_pricing_ids":["pp_1","pp_2"],` +
				`"term":{"count":1,"frequency":"YEAR"},"trial":true,"trial_term":{"count":14,"frequency":"DAY"},"type":"CHECKOUT_SESSION"}`},
		{"config item all fields",
			ConfigItem{
				HideAtCheckout: ptr(false), MinimumUnits: ptr(int64(5)), NumLicenses: ptr(int64(10)),
				ProductMetricPricingID: ptr("pmp_1"), ProductPricingID: ptr("pp_1"),
				QuantityConfig: &QuantityConfig{AllowCustomQuantity: ptr(true), MaxQuantity: ptr(int64(200)), MinQuantity: ptr(int64(0))},
				SortOrder:      ptr(int64(1)), UpsellProductMetricPricingID: ptr("pmp_2"),
			},
			`{"hide_at_checkout":false,"minimum_units":5,"num_licenses":10,"product_metric_pricing_id":"pmp_1","product_pricing_id":"pp_1",` +
				`"quantity_config":{"allow_custom_quantity":true,"max_quantity":200,"min_quantity":0},"sort_order":1,"upsell_product_metric_pricing_id":"pmp_2"}`},
		{"config item empty", ConfigItem{}, `{}`},
		{"discount amount",
			Discount{Name: "Launch credit", Type: DiscountAmount, Amount: &Money{Currency: "USD", ValueInCents: 50000},
				CouponID: ptr("cpn_1"), ExpirationDate: ptr("2027-11-30T23:59:59Z"), State: ptr("ACTIVE")},
			`{"amount":{"currency":"USD","value_in_cents":50000},"coupon_id":"cpn_1","expiration_date":"2027-11-30T23:59:59Z","name":"Launch credit","state":"ACTIVE","type":"DISCOUNT_AMOUNT"}`},
		{"discount percent",
			Discount{Name: "Partner", Type: DiscountPercent, Percent: ptr(12.5), Cap: &Money{Currency: "EUR", ValueInCents: 0}},
			`{"cap":{"currency":"EUR","value_in_cents":0},"name":"Partner","percent":12.5,"type":"DISCOUNT_PERCENT"}`},
		{"one-time item with custom price",
			OnetimeItem{Aggregate: ptr(3.0), SortOrder: ptr(int64(2)),
				CustomPrice: &CustomPrice{Amount: Money{Currency: "USD", ValueInCents: 150000}, Description: ptr("Workshop"), ProductID: ptr("prd_1")}},
			`{"aggregate":3,"custom_price":{"amount":{"currency":"USD","value_in_cents":150000},"description":"Workshop","product_id":"prd_1"},"sort_order":2}`},
		{"one-time item by pricing", OnetimeItem{ProductPricingID: ptr("pp_5")}, `{"product_pricing_id":"pp_5"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// The contract lists each enum either as `enum` (confirmed by Maple's
// reference) or as `x-unconfirmed-enum` (inferred from its examples).
func specEnum(t *testing.T, path ...string) []string {
	t.Helper()
	src, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var node any
	if err := yaml.Unmarshal(src, &node); err != nil {
		t.Fatal(err)
	}
	for _, p := range path {
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("%v: not found", path)
		}
		node = m[p]
	}
	m, _ := node.(map[string]any)
	list, ok := m["enum"].([]any)
	if !ok {
		list, ok = m["x-unconfirmed-enum"].([]any)
	}
	if !ok {
		t.Fatalf("%v: no enum", path)
	}
	var out []string
	for _, v := range list {
		if v != nil { // a nullable enum lists null; it is not a value
			out = append(out, v.(string))
		}
	}
	return out
}

func TestEnumValuesMatchSpec(t *testing.T) {
	req := []string{"components", "schemas", "CreateCheckoutSessionRequest", "properties"}
	cases := []struct {
		e    request.Enum
		path []string
	}{
		{ChangeProrationType(""), append(slices.Clone(req), "change_proration_type")},
		{ChangeTiming(""), append(slices.Clone(req), "change_timing")},
		{CheckoutType(""), append(slices.Clone(req), "type")},
		{Frequency(""), []string{"components", "schemas", "Term", "properties", "frequency"}},
		{DiscountType(""), []string{"components", "schemas", "Discount", "properties", "type"}},
	}
	for _, c := range cases {
		name := reflect.TypeOf(c.e).Name()
		want := specEnum(t, c.path...)
		if got := c.e.Values(); !slices.Equal(got, want) {
			t.Errorf("%s.Values() = %v, spec has %v", name, got, want)
		}
	}
}

func TestEnumConstants(t *testing.T) {
	check := func(name string, consts []string, e request.Enum) {
		if !slices.Equal(consts, e.Values()) {
			t.Errorf("%s constants %v, Values() %v", name, consts, e.Values())
		}
	}
	check("ChangeProrationType", []string{string(ProrationNext), string(ProrationImmediate), string(ProrationNone)}, ChangeProrationType(""))
	check("ChangeTiming", []string{string(ChangeImmediate), string(ChangePeriodEnd), string(ChangeRenewal)}, ChangeTiming(""))
	check("CheckoutType", []string{string(CheckoutTypeCheckoutSession)}, CheckoutType(""))
	check("Frequency", []string{string(FrequencyHour), string(FrequencyDay), string(FrequencyWeek), string(FrequencyMonth), string(FrequencyYear)}, Frequency(""))
	check("DiscountType", []string{string(DiscountAmount), string(DiscountPercent)}, DiscountType(""))
}

// TestTypesMirrorSpec walks the request type and every type it reaches
// against the contract: every property present, kinds right, required and
// optional marked, enums (x-unconfirmed-enum included) in the contract's order.
func TestTypesMirrorSpec(t *testing.T) {
	problems, err := contract.CheckType(specPath, "CreateCheckoutSessionRequest", CreateCheckoutSessionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("the types differ from the contract:\n  %s", strings.Join(problems, "\n  "))
	}
}

func TestDecodeResponses(t *testing.T) {
	var created CheckoutSessionCreated
	if err := json.Unmarshal([]byte(`{"id":"che_1","url":null}`), &created); err != nil {
		t.Fatal(err)
	}
	if created.ID != "che_1" || created.URL != nil {
		t.Errorf("decoded %+v", created)
	}
	var s CheckoutSession
	body := `{"id":"che_1","customer_id":"cus_1","status":"DRAFT","type":"CHECKOUT_SESSION","url":"https://pay.example/che_1",
		"auto_charges":true,"term":{"count":1,"frequency":"MONTH"},"created_at":"2026-11-21T10:00:00Z"}`
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != "che_1" || *s.Status != "DRAFT" || *s.URL != "https://pay.example/che_1" || s.AutoRenews != nil || s.Term.Frequency != FrequencyMonth {
		t.Errorf("decoded %+v", s)
	}
}
