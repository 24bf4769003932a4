package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// listRows is how many rows of a list show at once.
const listRows = 7

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// ttyUI asks on a terminal in raw mode, redrawing each question in place.
// The cursor always rests on the question's first line, after what was
// typed, so a redraw starts there and clears what is below.
type ttyUI struct {
	fd      int
	state   *term.State
	rd      *reader
	out     io.Writer
	delay   time.Duration
	sigs    chan os.Signal
	pending []key
}

func newTTY(in *os.File, rd *reader, out io.Writer, delay time.Duration) (*ttyUI, error) {
	fd := int(in.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("cannot ask on the terminal: %w", err)
	}
	u := &ttyUI{fd: fd, state: state, rd: rd, out: out, delay: delay, sigs: make(chan os.Signal, 1)}
	// In raw mode Ctrl-C is a key, not a signal; these come from elsewhere
	// (kill, a closed terminal) and must still leave the terminal usable.
	signal.Notify(u.sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	return u, nil
}

// close puts the terminal back as it was: cursor shown, echo and line
// editing on.
func (u *ttyUI) close() {
	signal.Stop(u.sigs)
	_, _ = io.WriteString(u.out, "\x1b[?25h")
	_ = term.Restore(u.fd, u.state)
}

// take adds what one read returned to the keys pending.
func (u *ttyUI) take(c chunk, ok bool) error {
	if !ok || errors.Is(c.err, io.EOF) {
		return ErrCancelled
	}
	if c.err != nil {
		return fmt.Errorf("reading the terminal: %w", c.err)
	}
	u.pending = append(u.pending, parseKeys(c.b)...)
	return nil
}

func (u *ttyUI) pop() key {
	k := u.pending[0]
	u.pending = u.pending[1:]
	return k
}

// key waits for the next key press.
func (u *ttyUI) key(ctx context.Context) (key, error) {
	for len(u.pending) == 0 {
		select {
		case <-ctx.Done():
			return key{}, ErrCancelled
		case <-u.sigs:
			return key{}, ErrCancelled
		case c, ok := <-u.rd.ch:
			if err := u.take(c, ok); err != nil {
				return key{}, err
			}
		}
	}
	return u.pop(), nil
}

// A line is one line of a question as drawn; dim lines are help.
type line struct {
	s   string
	dim bool
}

func (u *ttyUI) width() int {
	if w, _, err := term.GetSize(u.fd); err == nil && w > 1 {
		return w
	}
	return 80
}

// draw replaces the question on screen by lines and puts the cursor at
// column col of the first.
func (u *ttyUI) draw(lines []line, col int) {
	w := u.width()
	var b strings.Builder
	b.WriteString("\x1b[?25l\r\x1b[J")
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\r\n")
		}
		s := truncate(l.s, w-1)
		if l.dim {
			s = "\x1b[2m" + s + "\x1b[0m"
		}
		b.WriteString(s)
	}
	if n := len(lines) - 1; n > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", n)
	}
	b.WriteString("\r")
	if col = min(col, w-1); col > 0 {
		fmt.Fprintf(&b, "\x1b[%dC", col)
	}
	b.WriteString("\x1b[?25h")
	_, _ = io.WriteString(u.out, b.String())
}

// end replaces the question by one line and moves below it.
func (u *ttyUI) end(s string) {
	_, _ = io.WriteString(u.out, "\r\x1b[J"+truncate(s, u.width()-1)+"\r\n")
}

func (u *ttyUI) show(text string) {
	text = strings.ReplaceAll(text, "\t", "    ")
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(clean(l))
		b.WriteString("\r\n")
	}
	_, _ = io.WriteString(u.out, b.String())
}

func (u *ttyUI) pick(ctx context.Context, q question) ([]string, error) {
	l := &listView{q: q, chosen: map[string]bool{}}
	done := q.src.done
	var spinAt, tick <-chan time.Time
	select {
	case <-done:
		l.load()
		done = nil
	default:
		t := time.NewTimer(u.delay)
		defer t.Stop()
		spinAt = t.C
	}
	var ticker *time.Ticker
	defer func() {
		if ticker != nil {
			ticker.Stop()
		}
	}()
	for {
		for len(u.pending) > 0 {
			k := u.pop()
			if k.kind == keyCancel {
				u.end(l.head())
				return nil, ErrCancelled
			}
			if vals, fin := l.press(k); fin {
				u.end(l.summary(vals))
				return vals, nil
			}
		}
		u.draw(l.lines(), utf8.RuneCountInString(l.head()))
		select {
		case <-ctx.Done():
			u.end(l.head())
			return nil, ErrCancelled
		case <-u.sigs:
			u.end(l.head())
			return nil, ErrCancelled
		case c, ok := <-u.rd.ch:
			if err := u.take(c, ok); err != nil {
				u.end(l.head())
				return nil, err
			}
		case <-done:
			done = nil
			l.load()
			if ticker != nil {
				ticker.Stop()
				ticker, tick = nil, nil
			}
		case <-spinAt:
			if done != nil {
				l.spinning = true
				ticker = time.NewTicker(100 * time.Millisecond)
				tick = ticker.C
			}
		case <-tick:
			l.frame++
		}
	}
}

func (u *ttyUI) text(ctx context.Context, fld Field, required bool) (string, error) {
	var typed []rune
	var msg string
	head := func() string { return "? " + fld.Label + ": " + string(typed) }
	for {
		lines := []line{{s: head()}}
		hint := fld.Hint
		if !required {
			hint = strings.TrimSpace(hint + " (Enter alone to skip)")
		}
		if hint != "" {
			lines = append(lines, line{s: "  " + hint, dim: true})
		}
		if msg != "" {
			lines = append(lines, line{s: "  ✗ " + msg})
		}
		u.draw(lines, utf8.RuneCountInString(head()))
		k, err := u.key(ctx)
		if err != nil {
			u.end(head())
			return "", err
		}
		switch k.kind {
		case keyCancel:
			u.end(head())
			return "", ErrCancelled
		case keyRune:
			typed = append(typed, k.r)
			msg = ""
		case keyBackspace:
			if len(typed) > 0 {
				typed = typed[:len(typed)-1]
			}
		case keyClear:
			typed = nil
		case keyEnter:
			v := strings.TrimSpace(string(typed))
			if v == "" {
				if !required {
					u.end("✔ " + fld.Label + ": (skipped)")
					return "", nil
				}
				msg = "a value is needed"
				continue
			}
			if fld.Check != nil {
				if err := fld.Check(v); err != nil {
					msg = clean(err.Error())
					continue
				}
			}
			u.end("✔ " + fld.Label + ": " + v)
			return v, nil
		}
	}
}

func (u *ttyUI) yesNo(ctx context.Context, q string, def bool) (bool, error) {
	opts := "(y/N)"
	if def {
		opts = "(Y/n)"
	}
	head := "? " + q + " " + opts + " "
	for {
		u.draw([]line{{s: head}}, utf8.RuneCountInString(head))
		k, err := u.key(ctx)
		if err != nil {
			u.end(head)
			return false, err
		}
		ans, decided := def, false
		switch {
		case k.kind == keyCancel:
			u.end(head)
			return false, ErrCancelled
		case k.kind == keyEnter:
			decided = true
		case k.kind == keyRune && (k.r == 'y' || k.r == 'Y'):
			ans, decided = true, true
		case k.kind == keyRune && (k.r == 'n' || k.r == 'N'):
			ans, decided = false, true
		}
		if decided {
			u.end("✔ " + q + " " + yesno(ans))
			return ans, nil
		}
	}
}

func yesno(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// listView is the state of a list question on a terminal.
type listView struct {
	q        question
	items    []Choice
	loaded   bool
	err      error
	typed    []rune
	cur      int
	chosen   map[string]bool
	order    []string // chosen values, in the order chosen
	spinning bool
	frame    int
	msg      string
}

func (l *listView) load() {
	l.loaded, l.spinning = true, false
	l.items = append(l.q.src.items[:len(l.q.src.items):len(l.q.src.items)], l.items...)
	l.err = l.q.src.err
	l.cur = 0
}

func (l *listView) matches() []Choice { return filter(l.items, string(l.typed)) }

func (l *listView) head() string { return "? " + colon(l.q.label) + string(l.typed) }

// colon ends a question's label: "Customer: ", but "Anything else? ".
func colon(label string) string {
	if strings.HasSuffix(label, "?") {
		return label + " "
	}
	return label + ": "
}

// press handles one key; fin reports that the answer is vals.
func (l *listView) press(k key) (vals []string, fin bool) {
	m := l.matches()
	switch k.kind {
	case keyRune:
		if l.q.multi && k.r == ' ' {
			l.toggle(m)
			return nil, false
		}
		l.typed = append(l.typed, k.r)
		l.cur, l.msg = 0, ""
	case keyBackspace:
		if len(l.typed) > 0 {
			l.typed = l.typed[:len(l.typed)-1]
		}
		l.cur, l.msg = 0, ""
	case keyClear:
		l.typed, l.cur, l.msg = nil, 0, ""
	case keyUp:
		if l.cur > 0 {
			l.cur--
		}
	case keyDown:
		if l.cur < len(m)-1 {
			l.cur++
		}
	case keyEnter:
		if l.q.multi && len(l.order) > 0 {
			return l.order, true
		}
		text := strings.TrimSpace(string(l.typed))
		switch {
		case len(m) > 0 && (text != "" || l.q.required || !l.q.multi):
			return []string{m[l.cur].Value}, true
		case text != "" && l.q.typed:
			if l.q.check != nil {
				if err := l.q.check(text); err != nil {
					l.msg = clean(err.Error())
					return nil, false
				}
			}
			return []string{text}, true
		case text == "" && !l.q.required:
			return nil, true
		case text != "":
			l.msg = "nothing matches"
		default:
			l.msg = "pick one, or type a value"
		}
	}
	return nil, false
}

// toggle chooses or unchooses the highlighted row; with no match, it
// chooses the value typed.
func (l *listView) toggle(m []Choice) {
	if len(m) > 0 {
		v := m[l.cur].Value
		if l.chosen[v] {
			delete(l.chosen, v)
			for i, o := range l.order {
				if o == v {
					l.order = append(l.order[:i], l.order[i+1:]...)
					break
				}
			}
		} else {
			l.chosen[v] = true
			l.order = append(l.order, v)
		}
		return
	}
	text := strings.TrimSpace(string(l.typed))
	if text == "" || !l.q.typed || l.chosen[text] {
		return
	}
	if l.q.check != nil {
		if err := l.q.check(text); err != nil {
			l.msg = clean(err.Error())
			return
		}
	}
	l.items = append(l.items, Choice{Value: text})
	l.chosen[text] = true
	l.order = append(l.order, text)
	l.typed, l.cur = nil, 0
}

func (l *listView) lines() []line {
	out := []line{{s: l.head()}, {s: "  " + l.q.hint, dim: true}}
	if l.msg != "" {
		out = append(out, line{s: "  ✗ " + l.msg})
	}
	m := l.matches()
	switch {
	case !l.loaded && l.spinning:
		out = append(out, line{s: "  " + spinnerFrames[l.frame%len(spinnerFrames)] + " Loading the list…", dim: true})
	case !l.loaded:
	case l.err != nil:
		s := "  ✗ Could not read the list: " + clean(l.err.Error())
		if l.q.typed {
			s += "; type the value and press Enter"
		}
		out = append(out, line{s: s})
	case len(l.items) == 0:
		out = append(out, line{s: "  The list is empty; type the value and press Enter", dim: true})
	case len(m) == 0 && l.q.typed:
		out = append(out, line{s: "  No match; Enter uses what you typed", dim: true})
	case len(m) == 0:
		out = append(out, line{s: "  No match", dim: true})
	}
	from, to := window(len(m), l.cur, listRows)
	for i := from; i < to; i++ {
		c := m[i]
		s := "  "
		if i == l.cur {
			s = "❯ "
		}
		if l.q.multi {
			if l.chosen[c.Value] {
				s += "[x] "
			} else {
				s += "[ ] "
			}
		}
		out = append(out, line{s: s + display(c)})
	}
	if hidden := len(m) - (to - from); hidden > 0 {
		out = append(out, line{s: fmt.Sprintf("  … %d more; type to narrow the list", hidden), dim: true})
	}
	return out
}

// summary is the line that replaces the question once answered.
func (l *listView) summary(vals []string) string {
	if len(vals) == 0 {
		return "✔ " + l.q.label + " (none)"
	}
	shown := make([]string, len(vals))
	for i, v := range vals {
		shown[i] = v
		for _, c := range l.items {
			if c.Value == v {
				shown[i] = display(c)
				break
			}
		}
	}
	return "✔ " + colon(l.q.label) + strings.Join(shown, ", ")
}
