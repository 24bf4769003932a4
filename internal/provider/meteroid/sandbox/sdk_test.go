package sandbox_test

import (
	"encoding/json"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/sandbox/sandboxtest"
)

// sdkReplay is testdata/sdk/meteroid-node.json: the requests of Meteroid's
// official Node SDK, as it builds them, and the field set it decodes
// sessions with.
type sdkReplay struct {
	Headers         map[string]string `json:"headers"`
	SessionFields   []string          `json:"session_fields"`
	SessionRequired []string          `json:"session_required"`
	NewFields       []string          `json:"new_fields"`
	Steps           []struct {
		Name     string         `json:"name"`
		Method   string         `json:"method"`
		Path     string         `json:"path"`
		Body     *string        `json:"body"`
		Status   int            `json:"status"`
		Response string         `json:"response"`
		Want     map[string]any `json:"want"`
	} `json:"steps"`
}

// TestSDKRequestsReplayed sends the SDK's requests, headers and bodies
// byte for byte, to the sandbox, and reads each answer as the SDK's
// serializers do: the keys a session must have are there and of their
// type, and no key falls outside the SDK's field set (the SDK would keep
// it as an extra property, a sign that the sandbox answers what the real
// API does not). The steps create, read, list and cancel sessions both
// without and with success_url and cancel_url.
func TestSDKRequestsReplayed(t *testing.T) {
	raw, err := os.ReadFile("../../../../testdata/sdk/meteroid-node.json")
	if err != nil {
		t.Fatal(err)
	}
	var r sdkReplay
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.NewFields {
		if !slices.Contains(r.SessionFields, f) {
			t.Fatalf("new field %s is not in the SDK's field set", f)
		}
	}
	_, sb := start(t)
	ids := map[string]string{}
	for _, st := range r.Steps {
		path := st.Path
		for name, id := range ids {
			path = strings.ReplaceAll(path, "{session:"+name+"}", id)
		}
		if strings.Contains(path, "{session:") {
			t.Fatalf("%s: %s names a step that made no session", st.Name, st.Path)
		}
		var body io.Reader
		if st.Body != nil {
			body = strings.NewReader(*st.Body)
		}
		req, _ := http.NewRequest(st.Method, sb.URL+path, body)
		for k, v := range r.Headers {
			req.Header.Set(k, v)
		}
		if st.Body != nil {
			req.Header.Set("content-type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != st.Status {
			t.Errorf("%s: status %d, want %d: %s", st.Name, res.StatusCode, st.Status, b)
			continue
		}
		if err := sandboxtest.CheckResponse(sandboxtest.Spec(meteroid.Name), req, res.StatusCode, res.Header, b); err != nil {
			t.Errorf("%s: %v", st.Name, err)
		}
		var answer map[string]any
		if err := json.Unmarshal(b, &answer); err != nil {
			t.Errorf("%s: not JSON: %s", st.Name, b)
			continue
		}
		var sessions []map[string]any
		switch st.Response {
		case "session":
			s, _ := answer["session"].(map[string]any)
			sessions = append(sessions, s)
		case "sessions":
			list, ok := answer["sessions"].([]any)
			if !ok || len(list) == 0 {
				t.Errorf("%s: no sessions: %s", st.Name, b)
			}
			for _, s := range list {
				m, _ := s.(map[string]any)
				sessions = append(sessions, m)
			}
		case "error":
			if _, ok := answer["code"].(string); !ok {
				t.Errorf("%s: error without a code: %s", st.Name, b)
			}
			if _, ok := answer["message"].(string); !ok {
				t.Errorf("%s: error without a message: %s", st.Name, b)
			}
			continue
		}
		for _, s := range sessions {
			for _, p := range sdkDecode(r, s) {
				t.Errorf("%s: %s", st.Name, p)
			}
			for k, want := range st.Want {
				if !reflect.DeepEqual(s[k], want) {
					t.Errorf("%s: %s = %v, want %v", st.Name, k, s[k], want)
				}
			}
		}
		if st.Response == "session" && len(sessions) == 1 && sessions[0] != nil {
			ids[st.Name], _ = sessions[0]["id"].(string)
		}
	}
}

// sdkDecode reads a session as CheckoutSessionSerializer.parse does and
// says what it would stumble on.
func sdkDecode(r sdkReplay, s map[string]any) []string {
	if s == nil {
		return []string{"no session object"}
	}
	var problems []string
	for _, k := range r.SessionRequired {
		if _, ok := s[k].(string); !ok {
			problems = append(problems, "required "+k+" is not a string")
		}
	}
	for k, v := range s {
		if !slices.Contains(r.SessionFields, k) {
			problems = append(problems, "key "+k+" is not in the SDK's field set")
			continue
		}
		switch k {
		case "created_at", "completed_at", "expires_at":
			// parseDateTime: an ISO 8601 date-time, or null where optional.
			if str, ok := v.(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
					problems = append(problems, k+": "+err.Error())
				}
			} else if v != nil {
				problems = append(problems, k+" is neither a date-time nor null")
			}
		case "success_url", "cancel_url", "checkout_url", "coupon_code", "billing_start_date", "subscription_id":
			if _, ok := v.(string); !ok && v != nil {
				problems = append(problems, k+" is neither a string nor null")
			}
		}
	}
	// The server writes every optional key, null where empty; an absent
	// one would read as undefined rather than null.
	for _, k := range r.SessionFields {
		if _, ok := s[k]; !ok {
			problems = append(problems, "key "+k+" is missing")
		}
	}
	return problems
}
