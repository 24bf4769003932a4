package sandbox

import "testing"

// A Maple session's status is printed in Maple's words, as `checkout get`
// prints it; Meteroid's are the sandbox's own.
func TestStatusWord(t *testing.T) {
	for _, tc := range []struct{ id, provider, status, want string }{
		{"chk_2SbxNoSuchSession0", "maple", "COMPLETED", "COMPLETE"},
		{"chk_2SbxNoSuchSession0", "", "COMPLETED", "COMPLETE"},
		{"chk_2SbxNoSuchSession0", "", "CANCELLED", "VOID"},
		{"che_7n42DGM5Tflk9n8mt7Fhc7", "meteroid", "COMPLETED", "COMPLETED"},
		{"che_7n42DGM5Tflk9n8mt7Fhc7", "", "EXPIRED", "EXPIRED"},
	} {
		if got := statusWord(tc.id, tc.provider, tc.status); got != tc.want {
			t.Errorf("statusWord(%s, %q, %s) = %s, want %s", tc.id, tc.provider, tc.status, got, tc.want)
		}
	}
}
