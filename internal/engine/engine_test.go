package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/request"
)

// fakeProvider wraps a real provider's request shape and answers creates
// itself: a body holding "fail" fails, one holding "slow" waits.
type fakeProvider struct {
	provider.Provider
	mu   sync.Mutex
	sent []string // the keys, in the order the creates arrived
}

func (p *fakeProvider) Subject(any) provider.Subject { return provider.Subject{} }

func (p *fakeProvider) Create(ctx context.Context, req provider.Request, key string) (*provider.Session, error) {
	body := req.Body
	p.mu.Lock()
	p.sent = append(p.sent, key)
	p.mu.Unlock()
	if bytes.Contains(body, []byte("slow")) {
		time.Sleep(20 * time.Millisecond)
	}
	if bytes.Contains(body, []byte("fail")) {
		return nil, &provider.APIError{Provider: "fake", Status: 400, Message: "refused"}
	}
	if bytes.Contains(body, []byte("revoked")) {
		return nil, &provider.APIError{Provider: "fake", Status: 401, Message: "bad token"}
	}
	return &provider.Session{ID: "che_" + key, Raw: body}, nil
}

// realProvider is the first registered provider, built without a network:
// its request shape is what the builder checks against.
func realProvider(t *testing.T) (*provider.Descriptor, provider.Provider) {
	t.Helper()
	d := registry.All()[0]
	return d, d.New(nil, "")
}

type sink struct{ items []provider.Result }

func (s *sink) Add(it provider.Result) error { s.items = append(s.items, it); return nil }
func (s *sink) Flush() error                 { return nil }
func (s *sink) Close() error                 { return nil }

type reporter struct {
	mu    sync.Mutex
	n     int
	notes []string
	done  bool
}

func (r *reporter) Add(n int) { r.mu.Lock(); r.n += n; r.mu.Unlock() }
func (r *reporter) Notef(f string, a ...any) {
	r.mu.Lock()
	r.notes = append(r.notes, fmt.Sprintf(f, a...))
	r.mu.Unlock()
}
func (r *reporter) Done() { r.done = true }

// spoolOf writes bodies to a spool.
func spoolOf(t *testing.T, bodies ...string) *Spool {
	t.Helper()
	sp, err := NewSpool()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sp.Close)
	for _, b := range bodies {
		if err := sp.Add(provider.Request{Body: []byte(b)}); err != nil {
			t.Fatal(err)
		}
	}
	return sp
}

func TestSendPrintsInInputOrder(t *testing.T) {
	p := &fakeProvider{}
	bodies := []string{`{"c":"slow"}`, `{"c":"1"}`, `{"c":"fail"}`, `{"c":"slow"}`, `{"c":"2"}`, `{"c":"3"}`}
	out, rep := &sink{}, &reporter{}
	var summary bytes.Buffer
	b := &Batch{Provider: p, Workers: 4, Key: func(i int) string { return Key("k", i) }}
	err := b.Send(context.Background(), spoolOf(t, bodies...), len(bodies), out, rep, &summary)
	var be *BatchError
	if !errors.As(err, &be) || exitcode.Code(err) != exitcode.Failure {
		t.Fatalf("err = %v, want a *BatchError with exit 1", err)
	}
	if len(out.items) != len(bodies) {
		t.Fatalf("%d results, want %d", len(out.items), len(bodies))
	}
	for i, it := range out.items {
		if it.Index != i+1 {
			t.Fatalf("result %d has index %d: not in input order", i, it.Index)
		}
		if (it.Err != nil) != (i == 2) {
			t.Errorf("result %d: err %v", i+1, it.Err)
		}
		if it.Session != nil && it.Session.ID != fmt.Sprintf("che_k-%d", i+1) {
			t.Errorf("result %d: session %s, want the key of document %d", i+1, it.Session.ID, i+1)
		}
	}
	if rep.n != len(bodies) || !rep.done {
		t.Errorf("progress counted %d (done %v), want %d", rep.n, rep.done, len(bodies))
	}
	if len(rep.notes) != 1 || !strings.HasPrefix(rep.notes[0], "document 3: ") {
		t.Errorf("notes %q, want the failed document", rep.notes)
	}
	if got := summary.String(); got != "created 5 of 6, 1 failed\n" {
		t.Errorf("summary %q", got)
	}
}

func TestSendFailFastSendsNothingAfterTheFailure(t *testing.T) {
	p := &fakeProvider{}
	bodies := []string{`{"c":"1"}`, `{"c":"fail"}`, `{"c":"3"}`, `{"c":"4"}`}
	out := &sink{}
	b := &Batch{Provider: p, Workers: 1, FailFast: true, Key: func(i int) string { return Key("k", i) }, ReplaysKeys: true, FixedKeys: true}
	err := b.Send(context.Background(), spoolOf(t, bodies...), len(bodies), out, &reporter{}, &bytes.Buffer{})
	if len(p.sent) != 2 {
		t.Fatalf("sent %v, want documents 1 and 2 only", p.sent)
	}
	if err == nil || !strings.Contains(err.Error(), "documents 3 to 4 were not sent: the same command again creates only those") {
		t.Fatalf("err = %v", err)
	}
}

func TestSendStopsAtARefusedToken(t *testing.T) {
	p := &fakeProvider{}
	bodies := []string{`{"c":"revoked"}`, `{"c":"2"}`, `{"c":"3"}`}
	b := &Batch{Provider: p, Workers: 1, Key: func(i int) string { return Key("", i) }}
	err := b.Send(context.Background(), spoolOf(t, bodies...), len(bodies), &sink{}, &reporter{}, &bytes.Buffer{})
	if exitcode.Code(err) != exitcode.Auth || len(p.sent) != 1 {
		t.Fatalf("err = %v (exit %d), sent %d; want exit 3 after one", err, exitcode.Code(err), len(p.sent))
	}
}

func TestSendInterruptedSendsNoMore(t *testing.T) {
	p := &fakeProvider{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	bodies := []string{`{"c":"1"}`, `{"c":"2"}`}
	b := &Batch{Provider: p, Workers: 2, Key: func(i int) string { return Key("", i) },
		Interrupts: func() (<-chan os.Signal, func()) { return make(chan os.Signal), func() {} }}
	err := b.Send(ctx, spoolOf(t, bodies...), len(bodies), &sink{}, &reporter{}, &bytes.Buffer{})
	if exitcode.Code(err) != exitcode.Interrupted || len(p.sent) != 0 {
		t.Fatalf("err = %v (exit %d), sent %d; want exit 130, nothing sent", err, exitcode.Code(err), len(p.sent))
	}
}

func TestBuildAppliesFlagsThenSet(t *testing.T) {
	d, p := realProvider(t)
	defs := RequestFlags(registry.All())
	var given []Given
	for _, def := range defs {
		if def.Name == "customer" {
			given = append(given, Given{Def: def, Vals: []string{"cus_flag"}})
		}
	}
	b := &Builder{Provider: p, Defs: defs, Flags: given, Sets: []string{"customer_id=cus_set"}}
	doc := request.NewDoc()
	_, _, err := b.Build(doc)
	// Whatever else the provider requires, the customer is the --set one.
	if got := doc.Get("customer_id"); got != "cus_set" {
		t.Fatalf("%s: customer_id %q, want --set to win over --customer", d.Name, got)
	}
	var errs *request.Errors
	if err != nil && !errors.As(err, &errs) {
		t.Fatalf("%s: %v", d.Name, err)
	}
	if _, _, err := (&Builder{Provider: p, Sets: []string{"no-equals"}}).Build(request.NewDoc()); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("--set without =: %v, want a usage error", err)
	}
}

func TestCheckFlagsRefusesAnotherProvidersFlags(t *testing.T) {
	defs := RequestFlags(registry.All())
	owned := map[string]FlagDef{}
	for _, d := range defs {
		if len(d.Owners) == 1 {
			owned[d.Owners[0]] = d
		}
	}
	if len(owned) < 2 {
		t.Fatalf("flags of their own for %d provider(s); the test needs two", len(owned))
	}
	for name, def := range owned {
		for other := range owned {
			err := CheckFlags([]Given{{Def: def, Vals: []string{"x"}}}, other)
			if (err == nil) != (name == other) {
				t.Errorf("--%s (of %s) with %s active: %v", def.Name, name, other, err)
			}
			if err != nil && exitcode.Code(err) != exitcode.Usage {
				t.Errorf("exit %d", exitcode.Code(err))
			}
		}
	}
}

func TestCheckListsEveryMistakeAndKeepsNothing(t *testing.T) {
	_, p := realProvider(t)
	docs := "unknown_field: 1\n---\nother_unknown: 2\n"
	kept := 0
	b := &Builder{Provider: p}
	total, single, err := Check(context.Background(), b, Input{R: strings.NewReader(docs), Name: "two.yaml"}, nil, func(int, provider.Request) error { kept++; return nil })
	if err == nil || exitcode.Code(err) != exitcode.Usage {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if !strings.Contains(err.Error(), "two.yaml:1") || !strings.Contains(err.Error(), "two.yaml:3") {
		t.Errorf("the errors do not name both documents' lines:\n%v", err)
	}
	if kept != 0 || total != 0 || single {
		t.Errorf("kept %d, total %d, single %v after a mistake", kept, total, single)
	}
}
