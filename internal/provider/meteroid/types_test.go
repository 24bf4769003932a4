package meteroid

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/contract"
	"github.com/billctl/billctl/internal/request"
)

const specPath = "../../../testdata/specs/meteroid-openapi.sdk.json"

func ptr[T any](v T) *T { return &v }

func dec(s string) request.Decimal { return request.Decimal(s) }

// ratePrice is a small valid PriceEntry for cases about something else.
var ratePrice = PriceEntry{New: &PriceInput{
	Cadence: BillingPeriodMonthly, Currency: "USD",
	Pricing: Pricing{Rate: &RatePricing{Rate: dec("10.00")}},
}}

func newProduct(fee ProductFeeTypeEnum, fs ProductFeeStructure) *ExtraComponent {
	return &ExtraComponent{
		Name:       "Extra",
		ProductRef: ProductRef{New: &NewProductRef{Name: "Extra", FeeType: fee, FeeStructure: fs}},
		PriceEntry: ratePrice,
	}
}

const ratePriceJSON = `{"type":"NEW","cadence":"MONTHLY","currency":"USD","pricing":{"type":"RATE","rate":"10.00"}}`

func extraJSON(productRef string) string {
	return `{"name":"Extra","price_entry":` + ratePriceJSON + `,"product_ref":` + productRef + `}`
}

func TestMarshal(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want string
	}{
		// The request itself: required fields only, every optional omitted.
		{"request minimal",
			CreateCheckoutSessionRequest{CustomerID: "cus_7n42DGM5Tflk9n8mt7Fhc7", PlanVersionID: "plv_7n42DGM5Tflk9n8mt7Fhc7"},
			`{"customer_id":"cus_7n42DGM5Tflk9n8mt7Fhc7","plan_version_id":"plv_7n42DGM5Tflk9n8mt7Fhc7"}`},
		{"request scalars",
			CreateCheckoutSessionRequest{
				CustomerID: "acme", PlanVersionID: "plv_1",
				AutoAdvanceInvoices: ptr(false), BillingDayAnchor: ptr(int32(1)),
				BillingStartDate: ptr(request.Date("2026-12-01")), ExpiresInHours: ptr(int32(0)),
				InvoiceThreshold: ptr(dec("2500.00")), CouponIDs: []string{"cou_1"},
				Metadata: &request.JSON{Raw: json.RawMessage(`{"deal":12.50}`)},
			},
			`{"auto_advance_invoices":false,"billing_day_anchor":1,"billing_start_date":"2026-12-01","coupon_ids":["cou_1"],"customer_id":"acme","expires_in_hours":0,"invoice_threshold":"2500.00","metadata":{"deal":12.50},"plan_version_id":"plv_1"}`},

		// PaymentMethodsConfig
		{"payment online",
			PaymentMethodsConfig{Online: &OnlinePaymentMethodConfig{Config: &OnlineMethodsConfig{
				Card: &OnlineMethodConfig{Enabled: true}, DirectDebit: &OnlineMethodConfig{Enabled: false}}}},
			`{"type":"online","config":{"card":{"enabled":true},"direct_debit":{"enabled":false}}}`},
		{"payment online inheriting", PaymentMethodsConfig{Online: &OnlinePaymentMethodConfig{}}, `{"type":"online"}`},
		{"payment bank_transfer",
			PaymentMethodsConfig{BankTransfer: &BankTransferPaymentMethodConfig{AccountID: ptr("ba_1")}},
			`{"type":"bank_transfer","account_id":"ba_1"}`},
		{"payment external", PaymentMethodsConfig{External: &ExternalPaymentMethodConfig{}}, `{"type":"external"}`},

		// SubscriptionAddOnCustomization
		{"add-on PRICE_OVERRIDE",
			CreateSubscriptionAddOn{AddOnID: "add_1", Quantity: ptr(int32(2)), Customization: &SubscriptionAddOnCustomization{
				PriceOverride: &SubscriptionAddOnPriceOverride{Name: ptr("Support"), PriceEntry: PriceEntry{Existing: &ExistingPriceRef{ID: "pri_1"}}}}},
			`{"add_on_id":"add_1","customization":{"type":"PRICE_OVERRIDE","name":"Support","price_entry":{"type":"EXISTING","id":"pri_1"}},"quantity":2}`},
		{"add-on PARAMETERIZATION",
			SubscriptionAddOnCustomization{Parameterization: &SubscriptionAddOnParameterization{
				BillingPeriod: ptr(BillingPeriodQuarterly), CommittedCapacity: ptr(int64(100000)), InitialSlotCount: ptr(int32(10))}},
			`{"type":"PARAMETERIZATION","billing_period":"QUARTERLY","committed_capacity":100000,"initial_slot_count":10}`},
		{"add-on PARAMETERIZATION empty", SubscriptionAddOnCustomization{Parameterization: &SubscriptionAddOnParameterization{}},
			`{"type":"PARAMETERIZATION"}`},

		// PriceEntry
		{"price EXISTING", PriceEntry{Existing: &ExistingPriceRef{ID: "pri_1"}}, `{"type":"EXISTING","id":"pri_1"}`},
		{"price NEW", ratePrice, ratePriceJSON},

		// Pricing
		{"pricing RATE", Pricing{Rate: &RatePricing{Rate: dec("149.00")}}, `{"type":"RATE","rate":"149.00"}`},
		{"pricing SLOT", Pricing{Slot: &SlotPricing{UnitRate: dec("45.50"), MinSlots: ptr(int32(5))}},
			`{"type":"SLOT","min_slots":5,"unit_rate":"45.50"}`},
		{"pricing CAPACITY", Pricing{Capacity: &CapacityPricing{Rate: dec("500.00"), Included: 0, OverageRate: dec("0.0004")}},
			`{"type":"CAPACITY","included":0,"overage_rate":"0.0004","rate":"500.00"}`},
		{"pricing USAGE", Pricing{Usage: &UsagePricing{Model: UsagePricingModel{PerUnit: &PerUnitPricing{Rate: dec("0.0075")}}}},
			`{"type":"USAGE","model":{"type":"PER_UNIT","rate":"0.0075"}}`},
		{"pricing EXTRA_RECURRING", Pricing{ExtraRecurring: &ExtraRecurringPricing{UnitPrice: dec("3000.00"), Quantity: 1}},
			`{"type":"EXTRA_RECURRING","quantity":1,"unit_price":"3000.00"}`},
		{"pricing ONE_TIME", Pricing{OneTime: &OneTimePricing{UnitPrice: dec("2500"), Quantity: 0}},
			`{"type":"ONE_TIME","quantity":0,"unit_price":"2500"}`},

		// UsagePricingModel
		{"usage PER_UNIT", UsagePricingModel{PerUnit: &PerUnitPricing{Rate: dec("0.10")}}, `{"type":"PER_UNIT","rate":"0.10"}`},
		{"usage TIERED",
			UsagePricingModel{Tiered: &TieredPricing{BlockSize: ptr(int64(1000)), Tiers: []TierRow{
				{FirstUnit: 0, Rate: dec("0.50"), FlatFee: ptr(dec("25.00"))},
				{FirstUnit: 100000, Rate: dec("0.20"), FlatCap: ptr(dec("400.00"))},
			}}},
			`{"type":"TIERED","block_size":1000,"tiers":[{"first_unit":0,"flat_fee":"25.00","rate":"0.50"},{"first_unit":100000,"flat_cap":"400.00","rate":"0.20"}]}`},
		{"usage VOLUME",
			UsagePricingModel{Volume: &VolumePricing{Tiers: []TierRow{{FirstUnit: 0, Rate: dec("2.00")}}}},
			`{"type":"VOLUME","tiers":[{"first_unit":0,"rate":"2.00"}]}`},
		{"usage PACKAGE", UsagePricingModel{Package: &PackagePricing{BlockSize: 100, Rate: dec("12.50")}},
			`{"type":"PACKAGE","block_size":100,"rate":"12.50"}`},
		{"usage MATRIX",
			UsagePricingModel{Matrix: &MatrixPricing{Rates: []MatrixRow{
				{Dimension1: MatrixDimension{Key: "region", Value: "eu"}, Dimension2: &MatrixDimension{Key: "size", Value: "s"}, PerUnitPrice: dec("0.045")},
				{Dimension1: MatrixDimension{Key: "region", Value: "us"}, PerUnitPrice: dec("0.040")},
			}}},
			`{"type":"MATRIX","rates":[{"dimension1":{"key":"region","value":"eu"},"dimension2":{"key":"size","value":"s"},"per_unit_price":"0.045"},{"dimension1":{"key":"region","value":"us"},"per_unit_price":"0.040"}]}`},

		// ProductRef
		{"product EXISTING", ProductRef{Existing: &ExistingProductRef{ID: "prd_1"}}, `{"type":"EXISTING","id":"prd_1"}`},
		{"product NEW", ProductRef{New: &NewProductRef{Name: "API calls", FeeType: ProductFeeCapacity,
			FeeStructure: ProductFeeStructure{Capacity: &CapacityFeeStructure{MetricID: "bm_1"}}}},
			`{"type":"NEW","fee_structure":{"type":"CAPACITY","metric_id":"bm_1"},"fee_type":"CAPACITY","name":"API calls"}`},

		// ProductFeeStructure, inside an extra component
		{"fee RATE", newProduct(ProductFeeRate, ProductFeeStructure{Rate: &RateFeeStructure{}}),
			extraJSON(`{"type":"NEW","fee_structure":{"type":"RATE"},"fee_type":"RATE","name":"Extra"}`)},
		{"fee SLOT", newProduct(ProductFeeSlot, ProductFeeStructure{Slot: &SlotFeeStructure{
			SlotUnitName: "seat", UpgradePolicy: SlotUpgradeProrated, DowngradePolicy: SlotDowngradeRemoveAtEndOfPeriod}}),
			extraJSON(`{"type":"NEW","fee_structure":{"type":"SLOT","downgrade_policy":"REMOVE_AT_END_OF_PERIOD","slot_unit_name":"seat","upgrade_policy":"PRORATED"},"fee_type":"SLOT","name":"Extra"}`)},
		{"fee CAPACITY", ProductFeeStructure{Capacity: &CapacityFeeStructure{MetricID: "bm_1"}}, `{"type":"CAPACITY","metric_id":"bm_1"}`},
		{"fee USAGE", ProductFeeStructure{Usage: &UsageFeeStructure{MetricID: "bm_1", Model: UsageModelMatrix}},
			`{"type":"USAGE","metric_id":"bm_1","model":"MATRIX"}`},
		{"fee EXTRA_RECURRING", ProductFeeStructure{ExtraRecurring: &ExtraRecurringFeeStructure{BillingType: ExtraRecurringBillingArrears}},
			`{"type":"EXTRA_RECURRING","billing_type":"ARREARS"}`},
		{"fee ONE_TIME", ProductFeeStructure{OneTime: &OneTimeFeeStructure{}}, `{"type":"ONE_TIME"}`},

		// CreateSubscriptionComponents is a plain object, not a union.
		{"components all four",
			CreateSubscriptionComponents{
				ExtraComponents:      []ExtraComponent{{Name: "Extra", ProductRef: ProductRef{Existing: &ExistingProductRef{ID: "prd_1"}}, PriceEntry: ratePrice}},
				OverriddenComponents: []ComponentOverride{{ComponentID: "price_1", Name: "Seats", PriceEntry: PriceEntry{Existing: &ExistingPriceRef{ID: "pri_2"}}}},
				ParameterizedComponents: []ComponentParameterization{{ComponentID: "price_2", Parameters: ComponentParameters{
					BillingPeriod: ptr(BillingPeriodAnnual), InitialSlotCount: ptr(int32(0))}}},
				RemoveComponents: []string{"price_3"},
			},
			`{"extra_components":[` + extraJSON(`{"type":"EXISTING","id":"prd_1"}`) + `],` +
				`"overridden_components":[{"component_id":"price_1","name":"Seats","price_entry":{"type":"EXISTING","id":"pri_2"}}],` +
				`"parameterized_components":[{"component_id":"price_2","parameters":{"billing_period":"ANNUAL","initial_slot_count":0}}],` +
				`"remove_components":["price_3"]}`},
		{"components empty", CreateSubscriptionComponents{}, `{}`},
		{"components parameters empty", ComponentParameterization{ComponentID: "price_2"}, `{"component_id":"price_2","parameters":{}}`},
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

// A union with no variant set, or a required union left zero, cannot be sent.
func TestMarshalUnsetUnion(t *testing.T) {
	for _, v := range []any{
		Pricing{},
		PriceInput{Cadence: BillingPeriodMonthly, Currency: "USD"},
		CreateCheckoutSessionRequest{CustomerID: "c", PlanVersionID: "p", PaymentMethodsConfig: &PaymentMethodsConfig{}},
	} {
		if b, err := json.Marshal(v); err == nil {
			t.Errorf("%T marshalled to %s", v, b)
		}
	}
}

// specEnums reads the enum lists of the spec's named schemas.
func specEnums(t *testing.T) map[string][]string {
	t.Helper()
	src, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Enum []string `json:"enum"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(src, &spec); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, s := range spec.Components.Schemas {
		if len(s.Enum) > 0 {
			out[name] = s.Enum
		}
	}
	return out
}

func TestEnumValuesMatchSpec(t *testing.T) {
	enums := specEnums(t)
	for _, e := range []request.Enum{
		BillingPeriodEnum(""),
		ProductFeeTypeEnum(""),
		SlotDowngradePolicyEnum(""),
		SlotUpgradePolicyEnum(""),
		UsageModelEnum(""),
		ExtraRecurringBillingTypeEnum(""),
		CheckoutSessionStatus(""),
	} {
		name := reflect.TypeOf(e).Name()
		want, ok := enums[name]
		if !ok {
			t.Errorf("%s: no such enum in the spec", name)
			continue
		}
		if got := e.Values(); !slices.Equal(got, want) {
			t.Errorf("%s.Values() = %v, spec has %v", name, got, want)
		}
	}
}

// The constants are the values, in order: a typo in one would otherwise
// only show when the API refuses it.
func TestEnumConstants(t *testing.T) {
	check := func(name string, consts []string, e request.Enum) {
		if !slices.Equal(consts, e.Values()) {
			t.Errorf("%s constants %v, Values() %v", name, consts, e.Values())
		}
	}
	check("BillingPeriodEnum", []string{string(BillingPeriodMonthly), string(BillingPeriodQuarterly), string(BillingPeriodSemiannual), string(BillingPeriodAnnual)}, BillingPeriodEnum(""))
	check("ProductFeeTypeEnum", []string{string(ProductFeeRate), string(ProductFeeSlot), string(ProductFeeCapacity), string(ProductFeeUsage), string(ProductFeeExtraRecurring), string(ProductFeeOneTime)}, ProductFeeTypeEnum(""))
	check("SlotDowngradePolicyEnum", []string{string(SlotDowngradeRemoveAtEndOfPeriod)}, SlotDowngradePolicyEnum(""))
	check("SlotUpgradePolicyEnum", []string{string(SlotUpgradeProrated)}, SlotUpgradePolicyEnum(""))
	check("UsageModelEnum", []string{string(UsageModelPerUnit), string(UsageModelTiered), string(UsageModelVolume), string(UsageModelPackage), string(UsageModelMatrix)}, UsageModelEnum(""))
	check("ExtraRecurringBillingTypeEnum", []string{string(ExtraRecurringBillingAdvance), string(ExtraRecurringBillingArrears)}, ExtraRecurringBillingTypeEnum(""))
	check("CheckoutSessionStatus", []string{string(CheckoutSessionCreated), string(CheckoutSessionAwaitingPayment), string(CheckoutSessionCompleted), string(CheckoutSessionExpired), string(CheckoutSessionCancelled)}, CheckoutSessionStatus(""))
}

// TestTypesMirrorSpec walks the request type and every type it reaches
// against the spec: every property present, kinds and formats right,
// required and optional marked, enums and union tags in the spec's order.
func TestTypesMirrorSpec(t *testing.T) {
	problems, err := contract.CheckType(specPath, "CreateCheckoutSessionRequest", CreateCheckoutSessionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("the types differ from the spec:\n  %s", strings.Join(problems, "\n  "))
	}
}

// The response is read, not sent: it must decode what the API returns.
func TestDecodeCheckoutSession(t *testing.T) {
	body := `{"session":{"id":"che_1","customer_id":"cus_1","plan_version_id":"plv_1","status":"AWAITING_PAYMENT",
		"checkout_type":"SELF_SERVE","created_at":"2026-11-21T10:00:00Z","checkout_url":"https://pay.example/che_1",
		"expires_at":null,"payment_methods_config":{"type":"external"},"net_terms":30}}`
	var r CreateCheckoutSessionResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	s := r.Session
	if s.ID != "che_1" || s.Status != CheckoutSessionAwaitingPayment || s.CheckoutURL == nil || *s.CheckoutURL != "https://pay.example/che_1" ||
		s.ExpiresAt != nil || s.NetTerms == nil || *s.NetTerms != 30 || string(s.PaymentMethodsConfig) != `{"type":"external"}` {
		t.Errorf("decoded %+v", s)
	}
}
