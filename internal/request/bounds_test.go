package request_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
)

// The real Meteroid server stores net_terms, trial_duration_days and
// billing_day_anchor of a checkout session unchecked and later casts them
// (a negative count wraps to four billion, the anchor is cut to 16 bits);
// its subscription endpoint takes u32, u32 and 1..=32767. billctl refuses
// on the checkout endpoint what the subscription endpoint would.
func TestMeteroidBoundsOfTheSubscriptionEndpoint(t *testing.T) {
	base := "customer_id: cus_1\nplan_version_id: plv_1\n"
	tests := []struct{ field, value, want string }{
		{"net_terms", "-1", "net_terms: must not be negative, got -1"},
		{"trial_duration_days", "-30", "trial_duration_days: must not be negative, got -30"},
		{"billing_day_anchor", "0", "billing_day_anchor: must be at least 1, got 0"},
		{"billing_day_anchor", "-5", "billing_day_anchor: must be at least 1, got -5"},
		{"billing_day_anchor", "32768", "billing_day_anchor: must be at most 32767, got 32768"},
		{"billing_day_anchor", "65537", "billing_day_anchor: must be at most 32767, got 65537"},
		{"net_terms", "0", ""},
		{"net_terms", "2147483647", ""},
		{"trial_duration_days", "0", ""},
		{"billing_day_anchor", "1", ""},
		{"billing_day_anchor", "32767", ""},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			var doc *request.Doc
			if _, err := request.Read(strings.NewReader(base+tt.field+": "+tt.value+"\n"), "f.yaml", func(d *request.Doc) error { doc = d; return nil }); err != nil {
				t.Fatal(err)
			}
			err := request.Decode(doc, &meteroid.CreateCheckoutSessionRequest{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused %s: %v", tt.value, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "f.yaml:3: "+tt.want) {
				t.Fatalf("got %v, want f.yaml:3: %s", err, tt.want)
			}
			if exitcode.Code(err) != exitcode.Usage {
				t.Errorf("exit code %d, want 2", exitcode.Code(err))
			}
		})
	}
	// The same bounds hold for a value given on the command line.
	d := request.NewDoc()
	for _, kv := range [][2]string{{"customer_id", "c"}, {"plan_version_id", "p"}, {"billing_day_anchor", "40000"}} {
		if err := d.Set(reflect.TypeOf(meteroid.CreateCheckoutSessionRequest{}), kv[0], kv[1], "--set "+kv[0]); err != nil {
			t.Fatal(err)
		}
	}
	err := request.Decode(d, &meteroid.CreateCheckoutSessionRequest{})
	if err == nil || !strings.Contains(err.Error(), "--set billing_day_anchor: billing_day_anchor: must be at most 32767, got 40000") {
		t.Errorf("got %v", err)
	}
}
