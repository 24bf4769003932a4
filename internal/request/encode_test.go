package request_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
)

// Marshal must write exactly what encoding/json writes for the same
// value: the request files exercise every field and union variant.
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	for _, provider := range []struct {
		dir string
		new func() any
	}{
		{"meteroid", func() any { return &meteroid.CreateCheckoutSessionRequest{} }},
		{"maple", func() any { return &maple.CreateCheckoutSessionRequest{} }},
	} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "requests", provider.dir, "*"))
		if len(files) < 5 {
			t.Fatalf("%s: only %d request files", provider.dir, len(files))
		}
		for _, file := range files {
			fh, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = request.Read(fh, file, func(d *request.Doc) error {
				req := provider.new()
				if err := request.Decode(d, req); err != nil {
					return err
				}
				got, err := request.Marshal(req)
				if err != nil {
					return err
				}
				want, err := json.Marshal(req)
				if err != nil {
					return err
				}
				if string(got) != string(want) {
					t.Errorf("%s:\n got %s\nwant %s", file, got, want)
				}
				return nil
			})
			fh.Close()
			if err != nil {
				t.Errorf("%s: %v", file, err)
			}
		}
	}
}

func TestMarshalStringsAndNumbers(t *testing.T) {
	type v struct {
		S  string        `json:"s"`
		P  *string       `json:"p,omitempty"`
		F  float64       `json:"f"`
		F2 *float64      `json:"f2,omitempty"`
		L  []string      `json:"l"`
		E  []int32       `json:"e,omitempty"`
		B  bool          `json:"b,omitempty"`
		N  *int64        `json:"n"`
		X  string        `json:"-"`
		J  *request.JSON `json:"j,omitempty"`
	}
	strs := []string{"", "plain", `q"uote\back`, "<tag>&amp;", "tab\tnl\ncr\r", "\x00\x1f", "é ü 😀", "\u2028\u2029", "bad\xffutf8"}
	floats := []float64{0, 1, -2.5, 0.1, 1e-7, 123456789, 1e21, 1.5e300, 3.0000001, -0.000001}
	for _, s := range strs {
		for _, f := range floats {
			f2 := f / 3
			n := int64(math.MaxInt64)
			val := v{S: s, P: &s, F: f, F2: &f2, N: &n, X: "hidden", J: &request.JSON{Raw: json.RawMessage(`{"a":[1,2.50]}`)}}
			got, err := request.Marshal(&val)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(&val)
			if string(got) != string(want) {
				t.Errorf("Marshal(%q, %v):\n got %s\nwant %s", s, f, got, want)
			}
		}
	}
	if _, err := request.Marshal(&v{F: math.Inf(1)}); err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("an infinite number was written: %v", err)
	}
}
