package request

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// Wire types of both providers are plain Go structs. The decoder in this
// package reads them by reflection, so a struct *is* its schema:
//
//   - the JSON name comes from the `json` tag; `omitempty` marks an optional field;
//   - `bill:"required"` marks a field the API requires, `bill:"min=0"` a
//     count that may not be negative, `bill:"max=N"` the greatest value,
//     `server` a bound the server checks though its spec does not say it,
//     `bill:"id"` a field that holds an ID or a list of IDs (see IDProblem),
//     `bill:"id=FORM"` one whose IDs also have a registered form (RegisterIDForm),
//     `bill:"url"` one that holds an absolute http(s) URL (see URLProblem);
//   - Decimal, Date and JSON below are the special scalars;
//   - a named string type with a Values method is an enum;
//   - a struct whose fields all carry a `union:"TAG"` tag is a discriminated
//     union: exactly one variant is set, and the tag goes in the field that
//     its Discriminator method names.

// Decimal is an exact decimal number kept as its text, so that 12.50 stays
// "12.50" and never passes through a float.
type Decimal string

// Valid reports whether d is a plain decimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?
// — digits, an optional point and fraction, no exponent (the servers
// parse with rust_decimal, which refuses 1e5). Written out rather than as
// a regexp, which would be compiled at every start of the program.
func (d Decimal) Valid() bool {
	s := strings.TrimPrefix(string(d), "-")
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (len(whole) > 1 && whole[0] == '0') {
		return false
	}
	return !hasPoint || (frac != "" && digits(frac))
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Date is a calendar day, YYYY-MM-DD.
type Date string

// Valid reports whether d names a day that exists (2026-02-30 does not).
func (d Date) Valid() bool {
	t, err := time.Parse(time.DateOnly, string(d))
	return err == nil && t.Format(time.DateOnly) == string(d)
}

// JSON holds any JSON value (metadata). Numbers keep their literal text.
type JSON struct{ Raw json.RawMessage }

// MarshalJSON writes the value as it was given.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j.Raw) == 0 {
		return []byte("null"), nil
	}
	return j.Raw, nil
}

// UnmarshalJSON keeps the raw text.
func (j *JSON) UnmarshalJSON(b []byte) error {
	j.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// IsZero lets `omitempty`-style callers skip an unset value.
func (j JSON) IsZero() bool { return len(j.Raw) == 0 }

// Enum is implemented by named string types that take a fixed set of values.
type Enum interface{ Values() []string }

// Union is implemented by discriminated unions.
type Union interface{ Discriminator() string }

// MarshalUnion writes the one variant that is set, with its tag first.
// Union types call it from their MarshalJSON.
func MarshalUnion(u Union) ([]byte, error) {
	v := reflect.ValueOf(u)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return appendUnion(nil, v)
}

// UnionTags lists the tags of a union type, in declaration order.
func UnionTags(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var tags []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("union"); tag != "" {
			tags = append(tags, tag)
		}
	}
	return tags
}
