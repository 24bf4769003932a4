package create

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/cli/checkout/shared"
	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/format"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/prompt"
	"github.com/billctl/billctl/internal/provider"
	"github.com/billctl/billctl/internal/request"
)

// lookupTimeout bounds one list read for a question: past it the person
// is told, and can still type the value.
const lookupTimeout = 20 * time.Second

// mayAsk reports whether create may ask for missing fields: a lone
// session from flags (no -f, no --rows, no --dry-run), on a terminal, and
// nothing saying never to (prompt.Allowed).
func (opts *CreateOptions) mayAsk() bool {
	if opts.File != "" || opts.Rows != "" || opts.DryRun {
		return false
	}
	if _, ok := opts.IO.In.(*os.File); !ok {
		return false
	}
	return prompt.Allowed(opts.IO.StdinTTY, opts.IO.StdoutTTY, opts.NoInput, opts.Getenv)
}

// onlyMissing reports whether building from the flags fails only for
// required fields left out: then asking can help. Any other mistake is
// reported as usual, before anyone is asked anything.
func onlyMissing(b *engine.Builder) bool {
	_, _, err := b.Build(request.NewDoc())
	var errs *request.Errors
	if !errors.As(err, &errs) || len(errs.List) == 0 {
		return false
	}
	for _, fe := range errs.List {
		if !strings.HasPrefix(fe.Msg, "required field missing") {
			return false
		}
	}
	return true
}

// ask asks on the terminal for the provider's fields that no flag or
// --set gave, shows the request and asks to confirm. It returns the flags
// given with the answers added, in table order, and the prompter, to ask
// again once the session exists. Ctrl-C, Esc or a no is exit 130 with
// nothing sent.
func (opts *CreateOptions) ask(s *config.Settings, desc *provider.Descriptor, p provider.Provider, given []engine.Given) ([]engine.Given, *prompt.Prompter, error) {
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	// The key shown is the key sent.
	if opts.IdempotencyKey == "" {
		opts.IdempotencyKey = engine.NewKey()
	}
	h := opts.HTTPClient(s)
	form := prompt.Form{
		Given:    opts.isGiven,
		Question: "Create this checkout session?",
	}
	for _, d := range opts.flags.defs {
		if d.Ask == provider.NotAsked || !d.For(s.Provider) {
			continue
		}
		fld := field(d, p)
		if fn := desc.Lookups[d.Lookup]; d.Lookup != "" && fn != nil {
			fld.Lookup = func(ctx context.Context) ([]prompt.Choice, error) {
				ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
				defer cancel()
				items, err := fn(ctx, h, s.Company)
				choices := make([]prompt.Choice, len(items))
				for i, it := range items {
					choices[i] = prompt.Choice{Value: it.ID, Label: it.Description}
				}
				return choices, err
			}
		}
		if d.Ask == provider.AskFirst {
			form.Required = append(form.Required, fld)
		} else {
			form.Optional = append(form.Optional, fld)
		}
	}
	merge := func(vals prompt.Values) []engine.Given {
		var out []engine.Given
		at := map[string]bool{}
		for _, g := range given {
			at[g.Def.Name] = true
		}
		for _, d := range opts.flags.defs {
			if at[d.Name] {
				for _, g := range given {
					if g.Def.Name == d.Name {
						out = append(out, g)
					}
				}
			} else if v := vals[d.Name]; len(v) > 0 {
				out = append(out, engine.Given{Def: d, Vals: v})
			}
		}
		return out
	}
	form.Preview = func(vals prompt.Values) (string, error) {
		b := &engine.Builder{Provider: p, Defs: opts.flags.defs, Flags: merge(vals), Sets: opts.Sets}
		_, req, err := b.Build(request.NewDoc())
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		reqs := dryRequests(opts, s, p, []engine.Planned{{Body: req.Body, Key: opts.key(0)}})
		if err := output.DryRun(&buf, format.Table, reqs, true); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	pr := prompt.New(opts.IO.In.(*os.File), opts.IO.Out, opts.Getenv)
	vals, err := pr.Run(ctx, form)
	if errors.Is(err, prompt.ErrCancelled) {
		return nil, nil, exitcode.New(exitcode.Interrupted, errors.New("cancelled; nothing was sent"))
	}
	if err != nil {
		return nil, nil, err
	}
	return merge(vals), pr, nil
}

// isGiven reports whether a flag, or a --set of the field it sets, gave
// a value: that is never asked again.
func (opts *CreateOptions) isGiven(name string) bool {
	if opts.flags.fs.Changed(name) {
		return true
	}
	for _, d := range opts.flags.defs {
		if d.Name != name || d.Path == "" {
			continue
		}
		for _, kv := range opts.Sets {
			path, _, _ := strings.Cut(kv, "=")
			if path == d.Path || strings.HasPrefix(path, d.Path+".") || strings.HasPrefix(path, d.Path+"[") {
				return true
			}
		}
	}
	return false
}

// field is the question for a request flag.
func field(d engine.FlagDef, p provider.Provider) prompt.Field {
	fld := prompt.Field{Name: d.Name, Label: label(d.Name), Hint: d.Usage, Kind: prompt.Text}
	switch {
	case d.Kind == provider.ListFlag && d.Lookup != "":
		fld.Kind = prompt.Many
	case d.Lookup != "":
		fld.Kind = prompt.One
	case d.Kind == provider.BoolFlag:
		fld.Kind, fld.Choices = prompt.One, []prompt.Choice{{Value: "true"}, {Value: "false"}}
	case d.Kind == provider.EnumFlag:
		fld.Kind = prompt.One
		for _, v := range d.Values {
			fld.Choices = append(fld.Choices, prompt.Choice{Value: v})
		}
	}
	if fld.Kind == prompt.One {
		fld.Hint = "" // the list's own help says more
	}
	fld.Check = checkValue(d, p)
	return fld
}

// checkValue vets a value typed for d as the flag itself would be: the
// mistakes that name the flag are shown, the others (fields still
// missing) are not the answer's.
func checkValue(d engine.FlagDef, p provider.Provider) func(string) error {
	return func(v string) error {
		b := &engine.Builder{Provider: p, Flags: []engine.Given{{Def: d, Vals: []string{v}}}}
		_, _, err := b.Build(request.NewDoc())
		var errs *request.Errors
		if !errors.As(err, &errs) {
			return err
		}
		var msgs []string
		for _, fe := range errs.List {
			if fe.Place == "--"+d.Name {
				msgs = append(msgs, fe.Msg)
			}
		}
		if len(msgs) == 0 {
			return nil
		}
		return errors.New(strings.Join(msgs, "; "))
	}
}

// label is how a question names a flag: "plan-version" reads "Plan version".
func label(name string) string {
	s := strings.ReplaceAll(name, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// offerOpen asks, once a session made from answers exists, whether to open
// its page. The session is made whatever the answer: a Ctrl-C here is a no.
func offerOpen(opts *CreateOptions, s *config.Settings, d *provider.Descriptor, pr *prompt.Prompter, sess *provider.Session) error {
	if sess.URL == "" || shared.NoPage(shared.ProviderName(s), shared.Vocabulary(d), sess) != "" {
		return nil
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if ok, err := pr.Confirm(ctx, "Open the checkout page in your browser?", false); err == nil && ok {
		return opts.openURL(s, d, sess)
	}
	return nil
}
