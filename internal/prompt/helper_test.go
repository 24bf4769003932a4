package prompt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The tests drive a real program through a pseudo-terminal: the test
// binary itself, run again with PROMPT_TEST_HELPER set, asks a form like
// checkout create's and writes the answers to PROMPT_TEST_RESULT.
//
// Its lookups are shaped by the environment: PROMPT_TEST_DELAY (a
// duration) before the customers arrive, PROMPT_TEST_FAIL to make that
// lookup fail, PROMPT_TEST_GIVEN (comma-separated field names) for values
// given as flags.

var helperCustomers = []Choice{
	{Value: "cus_1", Label: "Acme Corp (acme)"},
	{Value: "cus_2", Label: "Bolt Ltd (bolt)"},
	{Value: "cus_3", Label: "Acme Labs (acmelabs)"},
	// A server's text is untrusted: this label tries to clear the screen.
	{Value: "cus_4", Label: "Evil \x1b[2J\x1b[HInc"},
}

var helperPlans = []Choice{
	{Value: "plv_1", Label: "Starter v3"},
	{Value: "plv_2", Label: "Pro v2"},
}

var helperAddOns = []Choice{
	{Value: "add_1", Label: "Extra seats"},
	{Value: "add_2", Label: "Priority support"},
}

func helperForm() Form {
	given := map[string]bool{}
	for _, g := range strings.Split(os.Getenv("PROMPT_TEST_GIVEN"), ",") {
		given[g] = g != ""
	}
	customers := func(ctx context.Context) ([]Choice, error) {
		if d, err := time.ParseDuration(os.Getenv("PROMPT_TEST_DELAY")); err == nil {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if msg := os.Getenv("PROMPT_TEST_FAIL"); msg != "" {
			return nil, errors.New(msg)
		}
		return helperCustomers, nil
	}
	whole := func(s string) error {
		if n, err := strconv.Atoi(s); err != nil || n < 0 {
			return fmt.Errorf("%q is not a whole number of days", s)
		}
		return nil
	}
	return Form{
		Required: []Field{
			{Name: "customer", Label: "Customer", Kind: One, Lookup: customers},
			{Name: "plan-version", Label: "Plan version", Kind: One, Lookup: func(context.Context) ([]Choice, error) { return helperPlans, nil }},
		},
		Optional: []Field{
			{Name: "trial-days", Label: "Trial days", Kind: Text, Hint: "a whole number", Check: whole},
			{Name: "add-on", Label: "Add-ons", Kind: Many, Lookup: func(context.Context) ([]Choice, error) { return helperAddOns, nil }},
			{Name: "coupon-code", Label: "Coupon code", Kind: Text},
			{Name: "expires-in-hours", Label: "Expires in hours", Kind: Text, Check: whole},
		},
		Given: func(name string) bool { return given[name] },
		Preview: func(v Values) (string, error) {
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			b.WriteString("POST https://api.example/checkout-sessions\n")
			for _, k := range keys {
				fmt.Fprintf(&b, "  %s = %s\n", k, strings.Join(v[k], " "))
			}
			return b.String(), nil
		},
		Question: "Create this checkout session?",
	}
}

// runHelper is the program the tests drive; it returns its exit status.
func runHelper() int {
	p := New(os.Stdin, os.Stdout, os.Getenv)
	vals, err := p.Run(context.Background(), helperForm())
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		if c, ok := err.(interface{ ExitCode() int }); ok {
			return c.ExitCode()
		}
		return 1
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return 1
	}
	if err := os.WriteFile(os.Getenv("PROMPT_TEST_RESULT"), b, 0o600); err != nil {
		return 1
	}
	return 0
}
