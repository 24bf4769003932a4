package prompt

import (
	"reflect"
	"testing"
)

func TestAllowed(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name             string
		in, out, noInput bool
		getenv           func(string) string
		want             bool
	}{
		{"both terminals", true, true, false, env(), true},
		{"stdin not a terminal", false, true, false, env(), false},
		{"stdout not a terminal", true, false, false, env(), false},
		{"--no-input", true, true, true, env(), false},
		{"BILLCTL_NO_INPUT=1", true, true, false, env("BILLCTL_NO_INPUT", "1"), false},
		{"BILLCTL_NO_INPUT=0", true, true, false, env("BILLCTL_NO_INPUT", "0"), true},
		{"CI=true", true, true, false, env("CI", "true"), false},
		{"CI=1", true, true, false, env("CI", "1"), false},
		{"CI=woodpecker", true, true, false, env("CI", "woodpecker"), false},
	}
	for _, tt := range tests {
		if got := Allowed(tt.in, tt.out, tt.noInput, tt.getenv); got != tt.want {
			t.Errorf("%s: Allowed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFilter(t *testing.T) {
	items := []Choice{
		{Value: "cus_10", Label: "Globex (globex)"},
		{Value: "cus_1", Label: "Acme Corp (acme)"},
		{Value: "cus_2", Label: "Bolt Ltd (acme-bolt)"},
		{Value: "cus_3", Label: "Tiny Acme"},
	}
	tests := []struct {
		text string
		want []string
	}{
		{"", []string{"cus_10", "cus_1", "cus_2", "cus_3"}},
		// An ID typed in full comes first, before those it is a prefix of.
		{"cus_1", []string{"cus_1", "cus_10"}},
		{"ACME", []string{"cus_1", "cus_2", "cus_3"}},
		{"tiny", []string{"cus_3"}},
		{"bolt", []string{"cus_2"}},
		{"zzz", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range filter(items, tt.text) {
			got = append(got, c.Value)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("filter(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []key
	}{
		{"a", []key{{kind: keyRune, r: 'a'}}},
		{"é", []key{{kind: keyRune, r: 'é'}}},
		{"\x1b", []key{{kind: keyCancel}}},
		{"\x03", []key{{kind: keyCancel}}},
		{"\x1b[A\x1b[B\x1bOA", []key{{kind: keyUp}, {kind: keyDown}, {kind: keyUp}}},
		{"\x1b[1;5C", []key{{kind: keyIgnore}}}, // Ctrl-Right
		{"\x1bx", []key{{kind: keyIgnore}}},     // Alt-x
		{"ab\r", []key{{kind: keyRune, r: 'a'}, {kind: keyRune, r: 'b'}, {kind: keyEnter}}},
		{"\x7f\x15", []key{{kind: keyBackspace}, {kind: keyClear}}},
		{"\xff", []key{{kind: keyIgnore}}},
	}
	for _, tt := range tests {
		if got := parseKeys([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseKeys(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"Acme":                  "Acme",
		"a\x1b[2Jb":             "a[2Jb",
		"line\nbreak\r":         "linebreak",
		"\u202egnp.exe":         "gnp.exe",
		"c1\u009b31m":           "c131m",
		"Zoë Café 東京":           "Zoë Café 東京",
		"sep\u2028arator\u2029": "separator",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	items := []Choice{{Value: "plv_1", Label: "Starter"}, {Value: "plv_2", Label: "Pro"}, {Value: "plv_3", Label: "Pro Plus"}}
	one := question{typed: true}
	many := question{typed: true, multi: true}
	tests := []struct {
		q      question
		tokens []string
		vals   []string
		narrow []string
		msg    bool
	}{
		{one, []string{"2"}, []string{"plv_2"}, nil, false},
		{one, []string{"4"}, nil, nil, true},
		{one, []string{"PLV_3"}, []string{"plv_3"}, nil, false},
		{one, []string{"pro"}, nil, []string{"plv_2", "plv_3"}, false},
		{one, []string{"plv_9"}, []string{"plv_9"}, nil, false},
		{question{}, []string{"plv_9"}, nil, nil, true},
		{many, []string{"1", "plv_3", "plv_8"}, []string{"plv_1", "plv_3", "plv_8"}, nil, false},
	}
	for _, tt := range tests {
		vals, narrow, msg := resolve(tt.tokens, items, items, tt.q)
		var n []string
		for _, c := range narrow {
			n = append(n, c.Value)
		}
		if !reflect.DeepEqual(vals, tt.vals) || !reflect.DeepEqual(n, tt.narrow) || (msg != "") != tt.msg {
			t.Errorf("resolve(%v) = %v, %v, %q; want %v, %v, message %v", tt.tokens, vals, n, msg, tt.vals, tt.narrow, tt.msg)
		}
	}
}

func TestWindow(t *testing.T) {
	tests := []struct{ n, cur, size, from, to int }{
		{3, 0, 7, 0, 3},
		{20, 0, 7, 0, 7},
		{20, 10, 7, 7, 14},
		{20, 19, 7, 13, 20},
	}
	for _, tt := range tests {
		if from, to := window(tt.n, tt.cur, tt.size); from != tt.from || to != tt.to {
			t.Errorf("window(%d, %d, %d) = %d, %d; want %d, %d", tt.n, tt.cur, tt.size, from, to, tt.from, tt.to)
		}
	}
}

func TestNewAccessible(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, false},
		{map[string]string{"TERM": "xterm", "BILLCTL_ACCESSIBLE": "1"}, true},
		{map[string]string{"TERM": "xterm", "BILLCTL_ACCESSIBLE": "0"}, false},
		{map[string]string{"TERM": "dumb"}, true},
	} {
		if got := New(nil, nil, func(k string) string { return tt.env[k] }).Accessible; got != tt.want {
			t.Errorf("New with %v: Accessible = %v, want %v", tt.env, got, tt.want)
		}
	}
}
