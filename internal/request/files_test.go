package request

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/billctl/billctl/internal/exitcode"
)

// readErr reads text and decodes every document into wire; it returns the
// first error.
func readErr(text string) error {
	_, err := Read(strings.NewReader(text), "in.yaml", func(d *Doc) error {
		var w wire
		return Decode(d, &w)
	})
	return err
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error\n%v\nwant it to contain %q", err, p)
		}
	}
	if exitcode.Code(err) != exitcode.Usage {
		t.Errorf("exit code %d, want 2", exitcode.Code(err))
	}
}

func TestUnquotedDateInAStringField(t *testing.T) {
	got := decodeJSON(t, readOne(t, "name: 2026-12-31\ntags: [2026-01-01, x]\nmetadata: {since: 2026-01-01}\nday: 2026-01-02\n"))
	want := `{"name":"2026-12-31","day":"2026-01-02","tags":["2026-01-01","x"],"metadata":{"since":"2026-01-01"}}`
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	// A date field still checks the date; a number is still not a string.
	wantErr(t, readErr("name: n\nday: 2026-02-30\n"), `in.yaml:2: day: "2026-02-30" is not a valid date`)
	wantErr(t, readErr("name: 12\n"), `in.yaml:1: name: expected a string, got the integer 12`)
}

func TestDuplicateKeysNameBothLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"name: n\nname: m\n", `in.yaml:2: name: key given twice, at lines 1 and 2`},
		{"name: n\nmetadata:\n  a: 1\n  b: 2\n  a: 3\n", `in.yaml:5: metadata.a: key given twice, at lines 3 and 5`},
		{"name: n\nitems:\n  - id: a\n    id: b\n", `in.yaml:4: items[0].id: key given twice, at lines 3 and 4`},
		{"[{\"name\": \"n\"},\n {\"name\": \"n\",\n  \"metadata\": {\"k\": 1, \"k\": 2}}]", `in.yaml:3 (document 2): metadata.k: key given twice, at lines 3 and 3`},
		{"{\"name\": \"n\",\n \"name\": \"m\"}", `in.yaml:2: name: key given twice, at lines 1 and 2`},
		{"name: n\n---\nname: a\nname: b\n", `in.yaml:4 (document 2): name: key given twice, at lines 3 and 4`},
	}
	for _, tt := range tests {
		wantErr(t, readErr(tt.in), tt.want)
	}
}

func TestMergeKeys(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"metadata from a base", "name: n\nmetadata:\n  base: &b {team: core, tier: 1}\n  m:\n    <<: *b\n    tier: 2\n",
			`{"name":"n","metadata":{"base":{"team":"core","tier":1},"m":{"team":"core","tier":2}}}`},
		{"explicit key wins wherever written", "name: n\nmetadata:\n  b: &b {x: 1, y: 1}\n  m: {y: 2, <<: *b}\n",
			`{"name":"n","metadata":{"b":{"x":1,"y":1},"m":{"y":2,"x":1}}}`},
		{"first of a list wins", "name: n\nmetadata:\n  a: &a {x: a}\n  b: &b {x: b, y: b}\n  m: {<<: [*a, *b]}\n",
			`{"name":"n","metadata":{"a":{"x":"a"},"b":{"x":"b","y":"b"},"m":{"x":"a","y":"b"}}}`},
		{"merge of a merge", "name: n\nmetadata:\n  a: &a {x: 1}\n  b: &b {<<: *a, y: 2}\n  m: {<<: *b, z: 3}\n",
			`{"name":"n","metadata":{"a":{"x":1},"b":{"x":1,"y":2},"m":{"x":1,"y":2,"z":3}}}`},
		{"fields of the request", "items:\n  - &i {id: a, count: 1}\n  - {<<: *i, id: b}\nname: n\n",
			`{"name":"n","items":[{"id":"a","count":1},{"id":"b","count":1}]}`},
		{"inline mapping", "name: n\nterms:\n  <<: {count: 4}\n",
			`{"name":"n","terms":{"count":4}}`},
		{"a quoted << is a plain key", "name: n\nmetadata: {\"<<\": 1}\n",
			`{"name":"n","metadata":{"\u003c\u003c":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeJSON(t, readOne(t, tt.in)); got != tt.want {
				t.Errorf("body\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	wantErr(t, readErr("name: n\nmetadata:\n  <<: 3\n"), `in.yaml:3: metadata.<<: a merge key (<<) takes a mapping or a list of mappings, got the integer 3`)
}

func TestTabsAndEncodingNameTheLine(t *testing.T) {
	wantErr(t, readErr("name: n\nterms:\n\tcount: 1\n"), `in.yaml:3: the line is indented with a tab: YAML indents with spaces only`)
	wantErr(t, readErr("name: n\n---\nname: m\nterms:\n  \tcount: 1\n"), `in.yaml:5 (document 2): the line is indented with a tab`)
	wantErr(t, readErr("name: n\nmetadata:\n  k: caf\xe9\n"), `in.yaml:3: the line is not UTF-8 text`)
	wantErr(t, readErr("[{\"name\": \"n\"},\n{\"name\": \"\xff\"}]"), `in.yaml:2 (document 2): the line is not UTF-8 text`)
	wantErr(t, readErr("\xff\xfen\x00a\x00m\x00e\x00:\x00 \x00n\x00\n\x00"), `in.yaml:1: the line is not UTF-8 text`)
}

// endless is an input that never ends: name: n, then a memo of x's.
type endless struct{ head string }

func (e *endless) Read(p []byte) (int, error) {
	if e.head != "" {
		n := copy(p, e.head)
		e.head = e.head[n:]
		return n, nil
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// A document larger than the API accepts is refused as it is read, with
// the memory of the limit and not of the document.
func TestHugeDocumentRefusedWhileReading(t *testing.T) {
	for _, head := range []string{"name: n\nmetadata: {memo: ", "name: n\n---\nname: ", "[{\"name\": \"n\"}, {\"name\": \"", "{\"name\": \""} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Read(io.LimitReader(&endless{head: head}, 200<<20), "in.yaml", func(*Doc) error { return nil })
		runtime.ReadMemStats(&after)
		wantErr(t, err, "the document is longer than 4 MiB: the API accepts a request body of at most 1 MiB")
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
			t.Errorf("%q: reading allocated %d MiB", head, got>>20)
		}
	}
	// Text that fits but makes a body over the limit is refused by Decode.
	big := "name: n\nmetadata: {memo: \"" + strings.Repeat(`\u0001`, 200_000) + "\"}\n"
	wantErr(t, readErr(big), "in.yaml:1: the request body would be 1200035 bytes: the API accepts at most 1048576 (1 MiB)")
	if err := readErr("name: n\nmetadata: {memo: \"" + strings.Repeat("x", 1<<19) + "\"}\n"); err != nil {
		t.Errorf("a body of half a MiB: %v", err)
	}
}

// A wrong file is not printed back: at most an excerpt of a value, at
// most maxErrors mistakes, and the known fields once.
func TestWrongFileIsNotEchoed(t *testing.T) {
	shadow := "root:$6$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nsecretuser:$6$zzz:19000:0:99999:7:::\n"
	err := readErr(shadow + "bin:*:19000:0:99999:7:::\nsys:*:19000:0:99999:7:::\nsync:*:19000:0:99999:7:::\n")
	wantErr(t, err, `in.yaml:1: this is not a request document: none of its 6 keys is a field of the request`)
	if strings.Contains(err.Error(), "daemon") || strings.Contains(err.Error(), "$6$") {
		t.Errorf("the error quotes the file:\n%v", err)
	}
	// With a field of the request among them, an odd key is quoted in part.
	err = readErr("name: n\n" + shadow)
	wantErr(t, err, `in.yaml:2: "root:$6$abcd"…: unknown field`)
	if strings.Contains(err.Error(), "efgh") {
		t.Errorf("the error quotes the file:\n%v", err)
	}
	wantErr(t, readErr("name: "+strings.Repeat("y", 1000)+"\ncolor: "+strings.Repeat("z", 1000)+"\n"), `color: "`+strings.Repeat("z", 40)+`"… is not one of RED, GREEN`)
	var b strings.Builder
	b.WriteString("name: n\n")
	for i := 0; i < 100; i++ {
		b.WriteString("secret_" + strings.Repeat("k", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": value\n")
	}
	err = readErr(b.String())
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v", err)
	}
	if len(errs.List) != maxErrors+1 || !strings.Contains(err.Error(), "and 80 more problems in this document") {
		t.Errorf("%d errors:\n%v", len(errs.List), err)
	}
	if n := strings.Count(err.Error(), "known fields: "); n != 1 {
		t.Errorf("the known fields are listed %d times:\n%v", n, err)
	}
	// A lone mistake carries its note.
	wantErr(t, readErr("name: n\nzzz: 1\n"), "in.yaml:2: zzz: unknown field (known fields: amount, color, day")
}

// flaky is a terminal: io.EOF for a Ctrl-D, then more if read again.
type flaky struct{ parts []string }

func (f *flaky) Read(p []byte) (int, error) {
	if len(f.parts) == 0 {
		return 0, io.EOF
	}
	s := f.parts[0]
	f.parts = f.parts[1:]
	if s == "" {
		return 0, io.EOF
	}
	return copy(p, s), nil
}

func TestStdinEndsAtOneCtrlD(t *testing.T) {
	in := &flaky{parts: []string{"name: n\n", "", "name: typed after Ctrl-D\n"}}
	docs := 0
	single, err := Read(in, "<stdin>", func(d *Doc) error { docs++; return nil })
	if err != nil || !single || docs != 1 {
		t.Errorf("single=%v docs=%d err=%v; want one document, read up to the first Ctrl-D", single, docs, err)
	}
	var msg bytes.Buffer
	if r := Stdin(strings.NewReader("x"), &msg, true); r == nil || !strings.Contains(msg.String(), "Reading a request document from stdin") || !strings.Contains(msg.String(), "Ctrl-D") {
		t.Errorf("on a terminal: %q", msg.String())
	}
	msg.Reset()
	Stdin(strings.NewReader("x"), &msg, false)
	if msg.Len() != 0 {
		t.Errorf("from a pipe: %q", msg.String())
	}
}
