package provider

import (
	"reflect"
	"testing"
)

func TestJSONFields(t *testing.T) {
	type session struct {
		ID     string  `json:"id"`
		URL    *string `json:"checkout_url,omitempty"`
		Hidden string  `json:"-"`
		Plain  int
		small  int
	}
	_ = session{}.small
	got := JSONFields(&session{})
	if !reflect.DeepEqual(got, []string{"id", "checkout_url", "Plain"}) {
		t.Fatalf("got %q", got)
	}
}
