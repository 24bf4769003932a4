// Package maple speaks Maple's REST API.
package maple

import "github.com/billctl/billctl/internal/request"

// The request types below mirror components.schemas of the Maple contract in
// testdata/specs/maple-openapi.yaml, field for field, in its order. Integers
// without a format there are int64 here.

// CreateCheckoutSessionRequest is the body of POST /api/v1/companies/{company_id}/checkout.
type CreateCheckoutSessionRequest struct {
	AutoCharges              *bool                `json:"auto_charges,omitempty"`
	AutoRenews               *bool                `json:"auto_renews,omitempty"`
	BundlePricingID          *string              `json:"bundle_pricing_id,omitempty" bill:"id"`
	ChangeProrationType      *ChangeProrationType `json:"change_proration_type,omitempty"`
	ChangeResetBillingAnchor *bool                `json:"change_reset_billing_anchor,omitempty"`
	ChangeTiming             *ChangeTiming        `json:"change_timing,omitempty"`
	// ConfigItems is required even when empty: it is sent as [] then, never
	// left out or null.
	ConfigItems            []ConfigItem     `json:"config_items" bill:"required"`
	CustomerID             string           `json:"customer_id" bill:"required,id"`
	Discounts              []Discount       `json:"discounts,omitempty"`
	Metadata               *request.JSON    `json:"metadata,omitempty"`
	OnetimeItems           []OnetimeItem    `json:"onetime_items,omitempty"`
	Options                *CheckoutOptions `json:"options,omitempty"`
	PreviousSubscriptionID *string          `json:"previous_subscription_id,omitempty" bill:"id"`
	ProductPricingIDs      []string         `json:"product_pricing_ids,omitempty" bill:"id"`
	Term                   *Term            `json:"term,omitempty"`
	Trial                  *bool            `json:"trial,omitempty"`
	TrialTerm              *Term            `json:"trial_term,omitempty"`
	Type                   CheckoutType     `json:"type" bill:"required"`
}

// ChangeProrationType is how a plan change is prorated.
type ChangeProrationType string

// ChangeProrationType values.
const (
	ProrationNext      ChangeProrationType = "NEXT"
	ProrationImmediate ChangeProrationType = "IMMEDIATE"
	ProrationNone      ChangeProrationType = "NONE"
)

// Values lists the values the API accepts, in the spec's order.
func (ChangeProrationType) Values() []string { return []string{"NEXT", "IMMEDIATE", "NONE"} }

// ChangeTiming is when a plan change takes effect.
type ChangeTiming string

// ChangeTiming values.
const (
	ChangeImmediate ChangeTiming = "IMMEDIATE"
	ChangePeriodEnd ChangeTiming = "PERIOD_END"
	ChangeRenewal   ChangeTiming = "RENEWAL"
)

// Values lists the values the API accepts, in the spec's order.
func (ChangeTiming) Values() []string { return []string{"IMMEDIATE", "PERIOD_END", "RENEWAL"} }

// CheckoutType is the kind of object created; a checkout session is the only one.
type CheckoutType string

// CheckoutType values.
const CheckoutTypeCheckoutSession CheckoutType = "CHECKOUT_SESSION"

// Values lists the values the API accepts, in the spec's order.
func (CheckoutType) Values() []string { return []string{"CHECKOUT_SESSION"} }

// ConfigItem configures one recurring product pricing of the checkout.
type ConfigItem struct {
	HideAtCheckout               *bool           `json:"hide_at_checkout,omitempty"`
	MinimumUnits                 *int64          `json:"minimum_units,omitempty"`
	NumLicenses                  *int64          `json:"num_licenses,omitempty"`
	ProductMetricPricingID       *string         `json:"product_metric_pricing_id,omitempty" bill:"id"`
	ProductPricingID             *string         `json:"product_pricing_id,omitempty" bill:"id"`
	QuantityConfig               *QuantityConfig `json:"quantity_config,omitempty"`
	SortOrder                    *int64          `json:"sort_order,omitempty"`
	UpsellProductMetricPricingID *string         `json:"upsell_product_metric_pricing_id,omitempty" bill:"id"`
}

// QuantityConfig says whether and within which bounds the customer picks a quantity.
type QuantityConfig struct {
	AllowCustomQuantity *bool  `json:"allow_custom_quantity,omitempty"`
	MaxQuantity         *int64 `json:"max_quantity,omitempty"`
	MinQuantity         *int64 `json:"min_quantity,omitempty"`
}

// Discount is a discount applied to the checkout.
type Discount struct {
	Amount             *Money  `json:"amount,omitempty"`
	Cap                *Money  `json:"cap,omitempty"`
	CouponID           *string `json:"coupon_id,omitempty" bill:"id"`
	CustomerID         *string `json:"customer_id,omitempty" bill:"id"`
	ExpirationDate     *string `json:"expiration_date,omitempty"`
	ImportCreatedAtRef *string `json:"import_created_at_ref,omitempty"`
	ImportRef          *string `json:"import_ref,omitempty"`
	ImportedFrom       *string `json:"imported_from,omitempty"`
	ItemPricingID      *string `json:"item_pricing_id,omitempty" bill:"id"`
	Name               string  `json:"name" bill:"required"`
	OnetimeBillableID  *string `json:"onetime_billable_id,omitempty" bill:"id"`
	// Percent is a JSON number in the contract, so it cannot be a
	// request.Decimal (which is written as a string).
	Percent          *float64     `json:"percent,omitempty"`
	ProductID        *string      `json:"product_id,omitempty" bill:"id"`
	ProductPricingID *string      `json:"product_pricing_id,omitempty" bill:"id"`
	ProposalID       *string      `json:"proposal_id,omitempty" bill:"id"`
	State            *string      `json:"state,omitempty"`
	SubscriptionID   *string      `json:"subscription_id,omitempty" bill:"id"`
	Type             DiscountType `json:"type" bill:"required"`
}

// DiscountType is a discount's kind (Maple documents DISCOUNT_AMOUNT; the rest is inferred).
type DiscountType string

// DiscountType values.
const (
	DiscountAmount  DiscountType = "DISCOUNT_AMOUNT"
	DiscountPercent DiscountType = "DISCOUNT_PERCENT"
)

// Values lists the values the API accepts, in the spec's order.
func (DiscountType) Values() []string { return []string{"DISCOUNT_AMOUNT", "DISCOUNT_PERCENT"} }

// Money is an amount in the currency's minor unit.
type Money struct {
	// Currency is an ISO 4217 code, upper case.
	Currency     string `json:"currency" bill:"required"`
	ValueInCents int64  `json:"value_in_cents" bill:"required"`
}

// OnetimeItem is a one-time charge of the checkout.
type OnetimeItem struct {
	// Aggregate is a JSON number in the contract.
	Aggregate        *float64        `json:"aggregate,omitempty"`
	CustomPrice      *CustomPrice    `json:"custom_price,omitempty"`
	ProductPricingID *string         `json:"product_pricing_id,omitempty" bill:"id"`
	QuantityConfig   *QuantityConfig `json:"quantity_config,omitempty"`
	SortOrder        *int64          `json:"sort_order,omitempty"`
}

// CustomPrice is a price given in place of a product pricing.
type CustomPrice struct {
	Amount      Money   `json:"amount" bill:"required"`
	Description *string `json:"description,omitempty"`
	ProductID   *string `json:"product_id,omitempty" bill:"id"`
}

// CheckoutOptions shapes the checkout page.
type CheckoutOptions struct {
	AllowPromoCode          *bool   `json:"allow_promo_code,omitempty"`
	CompletionAction        *string `json:"completion_action,omitempty"`
	ConfirmationMessage     *string `json:"confirmation_message,omitempty"`
	RedirectURL             *string `json:"redirect_url,omitempty"`
	RequiresCustomerAddress *bool   `json:"requires_customer_address,omitempty"`
}

// Term is a length of time: count times frequency.
type Term struct {
	Count     int64     `json:"count" bill:"required,min=1"`
	Frequency Frequency `json:"frequency" bill:"required"`
}

// Frequency is a Term's unit (Maple documents HOUR and MONTH; the rest are inferred).
type Frequency string

// Frequency values.
const (
	FrequencyHour  Frequency = "HOUR"
	FrequencyDay   Frequency = "DAY"
	FrequencyWeek  Frequency = "WEEK"
	FrequencyMonth Frequency = "MONTH"
	FrequencyYear  Frequency = "YEAR"
)

// Values lists the values the API accepts, in the spec's order.
func (Frequency) Values() []string { return []string{"HOUR", "DAY", "WEEK", "MONTH", "YEAR"} }

// CheckoutSessionCreated is the answer to a create: the session's ID and link.
type CheckoutSessionCreated struct {
	ID  string  `json:"id"`
	URL *string `json:"url,omitempty"`
}

// CheckoutSession is a session as GET returns it, read for display.
type CheckoutSession struct {
	ID          string  `json:"id"`
	CustomerID  *string `json:"customer_id,omitempty"`
	Status      *string `json:"status,omitempty"`
	Type        *string `json:"type,omitempty"`
	URL         *string `json:"url,omitempty"`
	AutoCharges *bool   `json:"auto_charges,omitempty"`
	AutoRenews  *bool   `json:"auto_renews,omitempty"`
	Term        *Term   `json:"term,omitempty"`
	CreatedAt   *string `json:"created_at,omitempty"`
}
