package prompt

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/prompt/ptytest"
)

func TestMain(m *testing.M) {
	if os.Getenv("PROMPT_TEST_HELPER") != "" {
		os.Exit(runHelper())
	}
	os.Exit(m.Run())
}

// Keys as a terminal sends them.
const (
	enter = ptytest.Enter
	ctrlC = ptytest.CtrlC
	esc   = ptytest.Esc
	down  = ptytest.Down
	up    = ptytest.Up
	space = ptytest.Space
	bkspc = ptytest.Backspace
)

// session is the helper program (helper_test.go) on a pseudo-terminal.
type session struct {
	*ptytest.Session
	t      *testing.T
	result string
}

func start(t *testing.T, env ...string) *session {
	t.Helper()
	s := &session{t: t, result: filepath.Join(t.TempDir(), "result.json")}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROMPT_TEST_HELPER=1", "PROMPT_TEST_RESULT="+s.result, "TERM=xterm")
	cmd.Env = append(cmd.Env, env...)
	s.Session = ptytest.Start(t, cmd)
	return s
}

func (s *session) expect(want string)  { s.t.Helper(); s.Expect(want) }
func (s *session) send(keys ...string) { s.t.Helper(); s.Send(keys...) }
func (s *session) wait() int           { s.t.Helper(); return s.Wait() }
func (s *session) output() string      { return s.Output() }
func (s *session) restored()           { s.t.Helper(); s.Restored() }

// values reads what the program returned.
func (s *session) values() Values {
	s.t.Helper()
	b, err := os.ReadFile(s.result)
	if err != nil {
		s.t.Fatalf("no result: %v; output:\n%q", err, s.output())
	}
	var v Values
	if err := json.Unmarshal(b, &v); err != nil {
		s.t.Fatal(err)
	}
	return v
}

func TestPickFilterTrialConfirm(t *testing.T) {
	s := start(t)
	s.expect("? Customer: ")
	s.expect("Acme Corp (acme)  cus_1")
	s.send("b", "o", "l")
	s.expect("? Customer: bol")
	s.expect("❯ Bolt Ltd (bolt)  cus_2")
	s.send(enter)
	s.expect("✔ Customer: Bolt Ltd (bolt)  cus_2")
	s.expect("? Plan version: ")
	s.expect("Pro v2  plv_2")
	s.send(down, enter)
	s.expect("✔ Plan version: Pro v2  plv_2")
	s.expect("? Anything else?")
	s.send(space, enter) // Trial days, the first
	s.expect("? Trial days: ")
	s.send("x", enter)
	s.expect(`"x" is not a whole number of days`)
	s.send(bkspc, "1", "4", enter)
	s.expect("✔ Trial days: 14")
	s.expect("  customer = cus_2\r\n  plan-version = plv_2\r\n  trial-days = 14\r\n")
	s.expect("? Create this checkout session? (Y/n)")
	s.send(enter)
	s.expect("✔ Create this checkout session? Yes")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.output())
	}
	want := Values{"customer": {"cus_2"}, "plan-version": {"plv_2"}, "trial-days": {"14"}}
	if got := s.values(); !reflect.DeepEqual(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
	s.restored()
}

func TestSeveralAddOnsAndTypedValues(t *testing.T) {
	s := start(t, "PROMPT_TEST_GIVEN=plan-version")
	s.expect("? Customer: ")
	s.expect("cus_3")
	// An alias or ID that is not in the list is taken as typed.
	s.send("c", "u", "s", "_", "9", "9")
	s.expect("No match; Enter uses what you typed")
	s.send(enter)
	s.expect("✔ Customer: cus_99")
	// Given as a flag: never asked.
	s.expect("? Anything else?")
	s.send(down, space, down, down, space, enter) // Add-ons, Expires in hours
	s.expect("? Add-ons: ")
	s.send(down, space, up, space)
	s.send("a", "d", "d", "_", "7", space, enter)
	s.expect("✔ Add-ons: Priority support  add_2, Extra seats  add_1, add_7")
	s.expect("? Expires in hours: ")
	s.send(enter) // optional: left empty
	s.expect("✔ Expires in hours: (skipped)")
	s.expect("? Create this checkout session? (Y/n)")
	s.send("y")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.output())
	}
	want := Values{"customer": {"cus_99"}, "add-on": {"add_2", "add_1", "add_7"}}
	if got := s.values(); !reflect.DeepEqual(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
	if strings.Contains(s.output(), "Plan version") {
		t.Error("asked for a plan version given as a flag")
	}
	s.restored()
}

func TestUntrustedLabelsAreCleaned(t *testing.T) {
	s := start(t)
	s.expect("Evil [2J[HInc  cus_4")
	s.send(ctrlC)
	s.wait()
	if strings.Contains(s.output(), "\x1b[2J") {
		t.Error("a label's escape sequence reached the terminal")
	}
}

// Ctrl-C or Esc at each prompt: nothing returned, status 130, the
// terminal as it was and the cursor shown.
func TestCancelAtEachPrompt(t *testing.T) {
	// The keys that lead to each prompt, and the text that shows it.
	steps := []struct {
		prompt string
		keys   []string
	}{
		{"? Customer: ", []string{enter}},
		{"? Plan version: ", []string{enter}},
		{"? Anything else?", []string{space, enter}},
		{"? Trial days: ", []string{"3", enter}},
		{"? Create this checkout session?", nil},
	}
	for i := range steps {
		for _, key := range []struct{ name, seq string }{{"ctrl-c", ctrlC}, {"esc", esc}} {
			t.Run(strings.Trim(steps[i].prompt, "? :")+"/"+key.name, func(t *testing.T) {
				t.Parallel()
				s := start(t)
				for _, st := range steps[:i] {
					s.expect(st.prompt)
					s.expect("\x1b[?25h") // drawn
					s.send(st.keys...)
				}
				s.expect(steps[i].prompt)
				s.expect("\x1b[?25h")
				s.send(key.seq)
				if code := s.wait(); code != 130 {
					t.Fatalf("exit %d, want 130; output:\n%q", code, s.output())
				}
				if _, err := os.Stat(s.result); err == nil {
					t.Error("values returned after a cancel")
				}
				s.expect("error: cancelled")
				s.restored()
			})
		}
	}
}

func TestSlowLookupShowsSpinner(t *testing.T) {
	s := start(t, "PROMPT_TEST_DELAY=1500ms")
	s.expect("? Customer: ")
	s.expect("Loading the list…")
	s.expect("Acme Corp (acme)  cus_1")
	s.send("a", "c", "m", "e", "l", enter)
	s.expect("✔ Customer: Acme Labs (acmelabs)  cus_3")
	s.send(ctrlC)
	if code := s.wait(); code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	s.restored()
}

func TestTypeWhileListLoads(t *testing.T) {
	s := start(t, "PROMPT_TEST_DELAY=1h")
	s.expect("Loading the list…")
	s.send("c", "u", "s", "_", "7", enter)
	s.expect("✔ Customer: cus_7")
	s.expect("? Plan version: ")
	s.send(enter, enter, enter)
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.output())
	}
	want := Values{"customer": {"cus_7"}, "plan-version": {"plv_1"}}
	if got := s.values(); !reflect.DeepEqual(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
}

func TestFailedLookupStillTakesTypedID(t *testing.T) {
	s := start(t, "PROMPT_TEST_FAIL=503 Service Unavailable\x1b[2J")
	s.expect("✗ Could not read the list: 503 Service Unavailable[2J; type the value and press Enter")
	s.send(enter)
	s.expect("pick one, or type a value")
	s.send("a", "c", "m", "e", enter)
	s.expect("✔ Customer: acme")
	s.send(enter, enter, "n")
	if code := s.wait(); code != 130 {
		t.Fatalf("exit %d after answering no, want 130", code)
	}
	if _, err := os.Stat(s.result); err == nil {
		t.Error("values returned after answering no")
	}
	s.restored()
}

func TestAccessible(t *testing.T) {
	s := start(t, "BILLCTL_ACCESSIBLE=1")
	s.expect("Customer\r\n1. Acme Corp (acme)  cus_1\r\n2. Bolt Ltd (bolt)  cus_2\r\n")
	s.expect("Type a number, or text to narrow the list, or a value in full.\r\nCustomer: ")
	s.send("acme\r")
	s.expect("2 matching:\r\n1. Acme Corp (acme)  cus_1\r\n2. Acme Labs (acmelabs)  cus_3\r\n")
	s.expect("Customer: ")
	s.send("2\r")
	s.expect("Plan version\r\n1. Starter v3  plv_1\r\n2. Pro v2  plv_2\r\n")
	s.send("2\r")
	s.expect("Anything else?\r\n1. Trial days  trial-days\r\n")
	s.expect("Enter alone for none.\r\nAnything else? ")
	s.send("1\r")
	s.expect("Trial days (a whole number; Enter alone to skip): ")
	s.send("two\r")
	s.expect(`"two" is not a whole number of days`)
	s.send("14\r")
	s.expect("  trial-days = 14\r\n")
	s.expect("Create this checkout session? Type y or n (Enter alone: yes): ")
	s.send("y\r")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; output:\n%q", code, s.output())
	}
	want := Values{"customer": {"cus_3"}, "plan-version": {"plv_2"}, "trial-days": {"14"}}
	if got := s.values(); !reflect.DeepEqual(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
	if strings.Contains(s.output(), "\x1b") {
		t.Errorf("escape sequences in accessible mode:\n%q", s.output())
	}
	s.restored()
}

func TestAccessibleCancel(t *testing.T) {
	prompts := []struct{ prompt, answer string }{
		{"Customer: ", "1\r"},
		{"Plan version: ", "1\r"},
		{"Anything else? ", "1\r"},
		{"Trial days (a whole number; Enter alone to skip): ", "5\r"},
		{"Create this checkout session? Type y or n (Enter alone: yes): ", ""},
	}
	for i := range prompts {
		for _, key := range []struct{ name, seq string }{{"ctrl-c", ctrlC}, {"esc", esc + "\r"}} {
			t.Run(strings.Fields(prompts[i].prompt)[0]+"/"+key.name, func(t *testing.T) {
				t.Parallel()
				s := start(t, "BILLCTL_ACCESSIBLE=1")
				for _, p := range prompts[:i] {
					s.expect(p.prompt)
					s.send(p.answer)
				}
				s.expect(prompts[i].prompt)
				s.send(key.seq)
				if code := s.wait(); code != 130 {
					t.Fatalf("exit %d, want 130; output:\n%q", code, s.output())
				}
				if _, err := os.Stat(s.result); err == nil {
					t.Error("values returned after a cancel")
				}
				s.restored()
			})
		}
	}
}

func TestAccessibleSlowAndFailedLookups(t *testing.T) {
	t.Run("slow", func(t *testing.T) {
		s := start(t, "BILLCTL_ACCESSIBLE=1", "PROMPT_TEST_DELAY=1h")
		s.expect("Customer\r\nReading the list…\r\nType the value and press Enter, or wait for the list.\r\n")
		s.send("cus_7\r")
		s.expect("Plan version\r\n")
		s.expect("Plan version: ")
		s.send("1\r", "\r", "\r")
		if code := s.wait(); code != 0 {
			t.Fatalf("exit %d; output:\n%q", code, s.output())
		}
		want := Values{"customer": {"cus_7"}, "plan-version": {"plv_1"}}
		if got := s.values(); !reflect.DeepEqual(got, want) {
			t.Errorf("values = %v, want %v", got, want)
		}
	})
	t.Run("failed", func(t *testing.T) {
		s := start(t, "BILLCTL_ACCESSIBLE=1", "PROMPT_TEST_FAIL=503 Service Unavailable")
		s.expect("Could not read the list: 503 Service Unavailable\r\nType a value in full.\r\nCustomer: ")
		s.send("acme\r")
		s.expect("Plan version: ")
		s.send("2\r", "\r", "\r")
		if code := s.wait(); code != 0 {
			t.Fatalf("exit %d; output:\n%q", code, s.output())
		}
		want := Values{"customer": {"acme"}, "plan-version": {"plv_2"}}
		if got := s.values(); !reflect.DeepEqual(got, want) {
			t.Errorf("values = %v, want %v", got, want)
		}
	})
}
