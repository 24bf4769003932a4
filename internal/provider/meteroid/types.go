// Package meteroid speaks Meteroid's REST API.
package meteroid

import (
	"encoding/json"

	"github.com/billctl/billctl/internal/request"
)

// The request types below mirror components.schemas of Meteroid's OpenAPI
// document, field for field, in the document's order. Meteroid's ID schemas
// (PlanVersionId, AddOnId, PriceId, …) are plain strings on the wire and are
// kept as string here.

// CreateCheckoutSessionRequest is the body of POST /api/v1/checkout-sessions.
type CreateCheckoutSessionRequest struct {
	AddOns []CreateSubscriptionAddOn `json:"add_ons,omitempty"`
	// AutoAdvanceInvoices false keeps invoices in Draft until they are
	// reviewed and finalized by hand; the server defaults to true.
	AutoAdvanceInvoices *bool `json:"auto_advance_invoices,omitempty"`
	// BillingDayAnchor, NetTerms and TrialDurationDays take the bounds of
	// the server's subscription endpoint ("server": not in the spec): its
	// checkout endpoint stores them unchecked, then wraps negatives and
	// cuts the anchor to 16 bits.
	BillingDayAnchor *int32        `json:"billing_day_anchor,omitempty" bill:"min=1,max=32767,server"`
	BillingStartDate *request.Date `json:"billing_start_date,omitempty"`
	// CancelURL is offered to the customer to leave the checkout without
	// paying. It and SuccessURL are fields of Meteroid's current API, as
	// its official SDK sends them (testdata/specs/SOURCES.md).
	CancelURL *string `json:"cancel_url,omitempty" bill:"url"`
	// ChargeAutomatically makes finalizing try the customer's payment method;
	// the server defaults to true.
	ChargeAutomatically *bool                         `json:"charge_automatically,omitempty"`
	Components          *CreateSubscriptionComponents `json:"components,omitempty"`
	CouponCode          *string                       `json:"coupon_code,omitempty"`
	CouponIDs           []string                      `json:"coupon_ids,omitempty" bill:"id=cou_"`
	// CustomerID is a customer ID (cus_…) or the customer's alias.
	CustomerID string        `json:"customer_id" bill:"required,id"`
	EndDate    *request.Date `json:"end_date,omitempty"`
	// ExpiresInHours is the session's lifetime; the server defaults to 1 hour
	// for self-serve checkout.
	ExpiresInHours   *int32           `json:"expires_in_hours,omitempty" bill:"min=0"`
	InvoiceMemo      *string          `json:"invoice_memo,omitempty"`
	InvoiceThreshold *request.Decimal `json:"invoice_threshold,omitempty"`
	Metadata         *request.JSON    `json:"metadata,omitempty"`
	NetTerms         *int32           `json:"net_terms,omitempty" bill:"min=0,server"`
	// PaymentMethodsConfig left unset inherits the invoicing entity's.
	PaymentMethodsConfig *PaymentMethodsConfig `json:"payment_methods_config,omitempty"`
	PlanVersionID        string                `json:"plan_version_id" bill:"required,id=plv_"`
	PurchaseOrder        *string               `json:"purchase_order,omitempty"`
	// SuccessURL is where the customer is sent after paying, with
	// checkout_session_id added to its query; without it the customer
	// stays on the hosted confirmation page.
	SuccessURL        *string `json:"success_url,omitempty" bill:"url"`
	TrialDurationDays *int32  `json:"trial_duration_days,omitempty" bill:"min=0,server"`
}

// CreateSubscriptionAddOn attaches an add-on to the subscription.
type CreateSubscriptionAddOn struct {
	AddOnID       string                          `json:"add_on_id" bill:"required,id=add_"`
	Customization *SubscriptionAddOnCustomization `json:"customization,omitempty"`
	Quantity      *int32                          `json:"quantity,omitempty" bill:"min=0"`
}

// SubscriptionAddOnCustomization replaces an add-on's price or sets its parameters.
type SubscriptionAddOnCustomization struct {
	PriceOverride    *SubscriptionAddOnPriceOverride    `union:"PRICE_OVERRIDE"`
	Parameterization *SubscriptionAddOnParameterization `union:"PARAMETERIZATION"`
}

// Discriminator names the tag field.
func (SubscriptionAddOnCustomization) Discriminator() string { return "type" }

// MarshalJSON writes the variant that is set, tag first.
func (x SubscriptionAddOnCustomization) MarshalJSON() ([]byte, error) {
	return request.MarshalUnion(x)
}

// SubscriptionAddOnPriceOverride gives an add-on another price.
type SubscriptionAddOnPriceOverride struct {
	Name       *string    `json:"name,omitempty"`
	PriceEntry PriceEntry `json:"price_entry" bill:"required"`
}

// PriceEntry is an existing price or a new one.
type PriceEntry struct {
	Existing *ExistingPriceRef `union:"EXISTING"`
	New      *PriceInput       `union:"NEW"`
}

// Discriminator names the tag field.
func (PriceEntry) Discriminator() string { return "type" }

// MarshalJSON writes the variant that is set, tag first.
func (x PriceEntry) MarshalJSON() ([]byte, error) { return request.MarshalUnion(x) }

// ExistingPriceRef points at a price by ID.
type ExistingPriceRef struct {
	ID string `json:"id" bill:"required"`
}

// PriceInput defines a new price.
type PriceInput struct {
	Cadence  BillingPeriodEnum `json:"cadence" bill:"required"`
	Currency string            `json:"currency" bill:"required"`
	Pricing  Pricing           `json:"pricing" bill:"required"`
}

// BillingPeriodEnum is how often a price is billed.
type BillingPeriodEnum string

// BillingPeriodEnum values.
const (
	BillingPeriodMonthly    BillingPeriodEnum = "MONTHLY"
	BillingPeriodQuarterly  BillingPeriodEnum = "QUARTERLY"
	BillingPeriodSemiannual BillingPeriodEnum = "SEMIANNUAL"
	BillingPeriodAnnual     BillingPeriodEnum = "ANNUAL"
)

// Values lists the values the API accepts, in the spec's order.
func (BillingPeriodEnum) Values() []string {
	return []string{"MONTHLY", "QUARTERLY", "SEMIANNUAL", "ANNUAL"}
}

// Pricing is the price model of a new price.
type Pricing struct {
	Rate           *RatePricing           `union:"RATE"`
	Slot           *SlotPricing           `union:"SLOT"`
	Capacity       *CapacityPricing       `union:"CAPACITY"`
	Usage          *UsagePricing          `union:"USAGE"`
	ExtraRecurring *ExtraRecurringPricing `union:"EXTRA_RECURRING"`
	OneTime        *OneTimePricing        `union:"ONE_TIME"`
}

// Discriminator names the tag field.
func (Pricing) Discriminator() string { return "type" }

// MarshalJSON writes the variant that is set, tag first.
func (x Pricing) MarshalJSON() ([]byte, error) { return request.MarshalUnion(x) }

// RatePricing is a flat rate per billing period.
type RatePricing struct {
	Rate request.Decimal `json:"rate" bill:"required"`
}

// SlotPricing is a price per seat (slot).
type SlotPricing struct {
	MaxSlots *int32          `json:"max_slots,omitempty" bill:"min=0"`
	MinSlots *int32          `json:"min_slots,omitempty" bill:"min=0"`
	UnitRate request.Decimal `json:"unit_rate" bill:"required"`
}

// CapacityPricing is a committed amount with a rate for the overage.
type CapacityPricing struct {
	Included    int64           `json:"included" bill:"required,min=0"`
	OverageRate request.Decimal `json:"overage_rate" bill:"required"`
	Rate        request.Decimal `json:"rate" bill:"required"`
}

// UsagePricing bills metered usage.
type UsagePricing struct {
	Model UsagePricingModel `json:"model" bill:"required"`
}

// UsagePricingModel is how metered usage turns into an amount.
type UsagePricingModel struct {
	PerUnit *PerUnitPricing `union:"PER_UNIT"`
	Tiered  *TieredPricing  `union:"TIERED"`
	Volume  *VolumePricing  `union:"VOLUME"`
	Package *PackagePricing `union:"PACKAGE"`
	Matrix  *MatrixPricing  `union:"MATRIX"`
}

// Discriminator names the tag field.
func (UsagePricingModel) Discriminator() string { return "type" }

// MarshalJSON writes the variant that is set, tag first.
func (x UsagePricingModel) MarshalJSON() ([]byte, error) { return request.MarshalUnion(x) }

// PerUnitPricing charges the same rate for every unit.
type PerUnitPricing struct {
	Rate request.Decimal `json:"rate" bill:"required"`
}

// TieredPricing charges each unit at the rate of the tier it falls in.
type TieredPricing struct {
	BlockSize *int64    `json:"block_size,omitempty" bill:"min=0"`
	Tiers     []TierRow `json:"tiers" bill:"required"`
}

// TierRow is one tier of tiered or volume pricing.
type TierRow struct {
	FirstUnit int64            `json:"first_unit" bill:"required,min=0"`
	FlatCap   *request.Decimal `json:"flat_cap,omitempty"`
	FlatFee   *request.Decimal `json:"flat_fee,omitempty"`
	Rate      request.Decimal  `json:"rate" bill:"required"`
}

// VolumePricing charges all units at the rate of the tier the total reaches.
type VolumePricing struct {
	BlockSize *int64    `json:"block_size,omitempty" bill:"min=0"`
	Tiers     []TierRow `json:"tiers" bill:"required"`
}

// PackagePricing charges a rate per block of block_size units.
type PackagePricing struct {
	BlockSize int64           `json:"block_size" bill:"required,min=0"`
	Rate      request.Decimal `json:"rate" bill:"required"`
}

// MatrixPricing charges a per-unit price that depends on one or two dimensions.
type MatrixPricing struct {
	Rates []MatrixRow `json:"rates" bill:"required"`
}

// MatrixRow is the per-unit price of one combination of dimension values.
type MatrixRow struct {
	Dimension1   MatrixDimension  `json:"dimension1" bill:"required"`
	Dimension2   *MatrixDimension `json:"dimension2,omitempty"`
	PerUnitPrice request.Decimal  `json:"per_unit_price" bill:"required"`
}

// MatrixDimension is one dimension value of a matrix row.
type MatrixDimension struct {
	Key   string `json:"key" bill:"required"`
	Value string `json:"value" bill:"required"`
}

// ExtraRecurringPricing is a fixed quantity billed every period.
type ExtraRecurringPricing struct {
	Quantity  int32           `json:"quantity" bill:"required,min=0"`
	UnitPrice request.Decimal `json:"unit_price" bill:"required"`
}

// OneTimePricing is a fixed quantity billed once.
type OneTimePricing struct {
	Quantity  int32           `json:"quantity" bill:"required,min=0"`
	UnitPrice request.Decimal `json:"unit_price" bill:"required"`
}

// SubscriptionAddOnParameterization sets the parameters of an add-on's price.
type SubscriptionAddOnParameterization struct {
	BillingPeriod     *BillingPeriodEnum `json:"billing_period,omitempty"`
	CommittedCapacity *int64             `json:"committed_capacity,omitempty" bill:"min=0"`
	InitialSlotCount  *int32             `json:"initial_slot_count,omitempty" bill:"min=0"`
}

// CreateSubscriptionComponents adds, overrides, parameterizes or removes plan components.
type CreateSubscriptionComponents struct {
	ExtraComponents         []ExtraComponent            `json:"extra_components,omitempty"`
	OverriddenComponents    []ComponentOverride         `json:"overridden_components,omitempty"`
	ParameterizedComponents []ComponentParameterization `json:"parameterized_components,omitempty"`
	RemoveComponents        []string                    `json:"remove_components,omitempty"`
}

// ExtraComponent is a price component that the plan does not have.
type ExtraComponent struct {
	Name       string     `json:"name" bill:"required"`
	PriceEntry PriceEntry `json:"price_entry" bill:"required"`
	ProductRef ProductRef `json:"product_ref" bill:"required"`
}

// ProductRef is an existing product or a new one.
type ProductRef struct {
	Existing *ExistingProductRef `union:"EXISTING"`
	New      *NewProductRef      `union:"NEW"`
}

// Discriminator names the tag field.
func (ProductRef) Discriminator() string { return "type" }

// MarshalJSON writes the variant that is set, tag first.
func (x ProductRef) MarshalJSON() ([]byte, error) { return request.MarshalUnion(x) }

// ExistingProductRef points at a product by ID.
type ExistingProductRef struct {
	ID string `json:"id" bill:"required"`
}

// NewProductRef defines a new product.
type NewProductRef struct {
	FeeStructure ProductFeeStructure `json:"fee_structure" bill:"required"`
	FeeType      ProductFeeTypeEnum  `json:"fee_type" bill:"required"`
	Name         string              `json:"name" bill:"required"`
}

// ProductFeeStructure is how a new product is charged.
type ProductFeeStructure struct {
	Rate           *RateFeeStructure           `union:"RATE"`
	Slot           *SlotFeeStructure           `union:"SLOT"`
	Capacity       *CapacityFeeStructure       `union:"CAPACITY"`
	Usage          *UsageFeeStructure          `union:"USAGE"`
	ExtraRecurring *ExtraRecurringFeeStructure `union:"EXTRA_RECURRING"`
	OneTime        *OneTimeFeeStructure        `union:"ONE_TIME"`
}

// Discriminator names the tag field.
func (ProductFeeStructure) Discriminator() string { return "type" }

// MarshalJSON writes the variant that is set, tag first.
func (x ProductFeeStructure) MarshalJSON() ([]byte, error) { return request.MarshalUnion(x) }

// RateFeeStructure has no settings: the tag alone says it.
type RateFeeStructure struct{}

// SlotFeeStructure names the slot unit and how slot changes are billed.
type SlotFeeStructure struct {
	DowngradePolicy SlotDowngradePolicyEnum `json:"downgrade_policy" bill:"required"`
	SlotUnitName    string                  `json:"slot_unit_name" bill:"required"`
	UpgradePolicy   SlotUpgradePolicyEnum   `json:"upgrade_policy" bill:"required"`
}

// SlotDowngradePolicyEnum is when removed slots stop being billed.
type SlotDowngradePolicyEnum string

// SlotDowngradePolicyEnum values.
const SlotDowngradeRemoveAtEndOfPeriod SlotDowngradePolicyEnum = "REMOVE_AT_END_OF_PERIOD"

// Values lists the values the API accepts, in the spec's order.
func (SlotDowngradePolicyEnum) Values() []string { return []string{"REMOVE_AT_END_OF_PERIOD"} }

// SlotUpgradePolicyEnum is how added slots are billed.
type SlotUpgradePolicyEnum string

// SlotUpgradePolicyEnum values.
const SlotUpgradeProrated SlotUpgradePolicyEnum = "PRORATED"

// Values lists the values the API accepts, in the spec's order.
func (SlotUpgradePolicyEnum) Values() []string { return []string{"PRORATED"} }

// CapacityFeeStructure names the metric a capacity product commits to.
type CapacityFeeStructure struct {
	MetricID string `json:"metric_id" bill:"required,id"`
}

// UsageFeeStructure names the metric a usage product bills and its model.
type UsageFeeStructure struct {
	MetricID string         `json:"metric_id" bill:"required,id"`
	Model    UsageModelEnum `json:"model" bill:"required"`
}

// UsageModelEnum is the usage pricing model of a product.
type UsageModelEnum string

// UsageModelEnum values.
const (
	UsageModelPerUnit UsageModelEnum = "PER_UNIT"
	UsageModelTiered  UsageModelEnum = "TIERED"
	UsageModelVolume  UsageModelEnum = "VOLUME"
	UsageModelPackage UsageModelEnum = "PACKAGE"
	UsageModelMatrix  UsageModelEnum = "MATRIX"
)

// Values lists the values the API accepts, in the spec's order.
func (UsageModelEnum) Values() []string {
	return []string{"PER_UNIT", "TIERED", "VOLUME", "PACKAGE", "MATRIX"}
}

// ExtraRecurringFeeStructure says when a recurring extra is billed.
type ExtraRecurringFeeStructure struct {
	BillingType ExtraRecurringBillingTypeEnum `json:"billing_type" bill:"required"`
}

// ExtraRecurringBillingTypeEnum is when a recurring extra is billed.
type ExtraRecurringBillingTypeEnum string

// ExtraRecurringBillingTypeEnum values.
const (
	ExtraRecurringBillingAdvance ExtraRecurringBillingTypeEnum = "ADVANCE"
	ExtraRecurringBillingArrears ExtraRecurringBillingTypeEnum = "ARREARS"
)

// Values lists the values the API accepts, in the spec's order.
func (ExtraRecurringBillingTypeEnum) Values() []string { return []string{"ADVANCE", "ARREARS"} }

// OneTimeFeeStructure has no settings: the tag alone says it.
type OneTimeFeeStructure struct{}

// ProductFeeTypeEnum is a new product's fee type, the same as its fee structure's tag.
type ProductFeeTypeEnum string

// ProductFeeTypeEnum values.
const (
	ProductFeeRate           ProductFeeTypeEnum = "RATE"
	ProductFeeSlot           ProductFeeTypeEnum = "SLOT"
	ProductFeeCapacity       ProductFeeTypeEnum = "CAPACITY"
	ProductFeeUsage          ProductFeeTypeEnum = "USAGE"
	ProductFeeExtraRecurring ProductFeeTypeEnum = "EXTRA_RECURRING"
	ProductFeeOneTime        ProductFeeTypeEnum = "ONE_TIME"
)

// Values lists the values the API accepts, in the spec's order.
func (ProductFeeTypeEnum) Values() []string {
	return []string{"RATE", "SLOT", "CAPACITY", "USAGE", "EXTRA_RECURRING", "ONE_TIME"}
}

// ComponentOverride replaces the price of one of the plan's components.
type ComponentOverride struct {
	ComponentID string     `json:"component_id" bill:"required,id"`
	Name        string     `json:"name" bill:"required"`
	PriceEntry  PriceEntry `json:"price_entry" bill:"required"`
}

// ComponentParameterization sets the parameters of one of the plan's components.
type ComponentParameterization struct {
	ComponentID string              `json:"component_id" bill:"required,id"`
	Parameters  ComponentParameters `json:"parameters" bill:"required"`
}

// ComponentParameters are the subscriber's choices for a parameterized component.
type ComponentParameters struct {
	BillingPeriod     *BillingPeriodEnum `json:"billing_period,omitempty"`
	CommittedCapacity *int64             `json:"committed_capacity,omitempty" bill:"min=0"`
	InitialSlotCount  *int32             `json:"initial_slot_count,omitempty" bill:"min=0"`
}

// PaymentMethodsConfig is how the customer pays: online, by bank transfer, or externally.
type PaymentMethodsConfig struct {
	Online       *OnlinePaymentMethodConfig       `union:"online"`
	BankTransfer *BankTransferPaymentMethodConfig `union:"bank_transfer"`
	External     *ExternalPaymentMethodConfig     `union:"external"`
}

// Discriminator names the tag field.
func (PaymentMethodsConfig) Discriminator() string { return "type" }

// MarshalJSON writes the variant that is set, tag first.
func (x PaymentMethodsConfig) MarshalJSON() ([]byte, error) { return request.MarshalUnion(x) }

// OnlinePaymentMethodConfig selects the online methods offered.
type OnlinePaymentMethodConfig struct {
	// Config left unset inherits every online provider of the invoicing entity.
	Config *OnlineMethodsConfig `json:"config,omitempty"`
}

// OnlineMethodsConfig turns card and direct debit on or off.
type OnlineMethodsConfig struct {
	Card        *OnlineMethodConfig `json:"card,omitempty"`
	DirectDebit *OnlineMethodConfig `json:"direct_debit,omitempty"`
}

// OnlineMethodConfig turns one online method on or off.
type OnlineMethodConfig struct {
	Enabled bool `json:"enabled" bill:"required"`
}

// BankTransferPaymentMethodConfig names the bank account to pay into.
type BankTransferPaymentMethodConfig struct {
	AccountID *string `json:"account_id,omitempty" bill:"id"`
}

// ExternalPaymentMethodConfig has no settings: payment happens outside Meteroid.
type ExternalPaymentMethodConfig struct{}

// CheckoutSession is a created session as the API returns it, read for display.
type CheckoutSession struct {
	ID               string                `json:"id"`
	CustomerID       string                `json:"customer_id"`
	PlanVersionID    string                `json:"plan_version_id"`
	Status           CheckoutSessionStatus `json:"status"`
	CheckoutType     string                `json:"checkout_type"`
	CreatedAt        string                `json:"created_at"`
	CheckoutURL      *string               `json:"checkout_url,omitempty"`
	BillingDayAnchor *int32                `json:"billing_day_anchor,omitempty"`
	BillingStartDate *string               `json:"billing_start_date,omitempty"`
	CancelURL        *string               `json:"cancel_url,omitempty"`
	CompletedAt      *string               `json:"completed_at,omitempty"`
	CouponCode       *string               `json:"coupon_code,omitempty"`
	// ExpiresAt nil means the session never expires.
	ExpiresAt            *string         `json:"expires_at,omitempty"`
	NetTerms             *int32          `json:"net_terms,omitempty"`
	PaymentMethodsConfig json.RawMessage `json:"payment_methods_config,omitempty"`
	SubscriptionID       *string         `json:"subscription_id,omitempty"`
	SuccessURL           *string         `json:"success_url,omitempty"`
	TrialDurationDays    *int32          `json:"trial_duration_days,omitempty"`
}

// CreateCheckoutSessionResponse wraps the session that was created.
type CreateCheckoutSessionResponse struct {
	Session CheckoutSession `json:"session"`
}

// CheckoutSessionStatus is where a checkout session stands.
type CheckoutSessionStatus string

// CheckoutSessionStatus values.
const (
	CheckoutSessionCreated         CheckoutSessionStatus = "CREATED"
	CheckoutSessionAwaitingPayment CheckoutSessionStatus = "AWAITING_PAYMENT"
	CheckoutSessionCompleted       CheckoutSessionStatus = "COMPLETED"
	CheckoutSessionExpired         CheckoutSessionStatus = "EXPIRED"
	CheckoutSessionCancelled       CheckoutSessionStatus = "CANCELLED"
)

// Values lists the values the API returns, in the spec's order.
func (CheckoutSessionStatus) Values() []string {
	return []string{"CREATED", "AWAITING_PAYMENT", "COMPLETED", "EXPIRED", "CANCELLED"}
}
