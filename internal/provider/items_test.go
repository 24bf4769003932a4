package provider

import "testing"

// Completion candidates come from the API and are shown by the shell: an
// ID holding a control character is left out, descriptions are escaped.
func TestAddItemEscapesTheAPIsText(t *testing.T) {
	var out []Item
	out = AddItem(out, "cus_ok", "Acme\x1b]0;owned\x07 Corp\u009b2J", "ACTIVE\x1b[2J")
	out = AddItem(out, "cus_bad\x1b[2J", "Evil", "")
	out = AddItem(out, "cus_bidi\u202e", "Evil", "")
	out = AddItem(out, "cus two", "Evil", "")
	if len(out) != 1 {
		t.Fatalf("items = %q, want only cus_ok", out)
	}
	want := Item{ID: "cus_ok", Description: `Acme\x1b]0;owned\x07 Corp\u009b2J`, Status: `ACTIVE\x1b[2J`}
	if out[0] != want {
		t.Errorf("item = %q, want %q", out[0], want)
	}
}
