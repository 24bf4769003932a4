package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/provider/registry"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/page"
	"github.com/billctl/billctl/internal/sandbox/page/purchase"
	"github.com/billctl/billctl/internal/sandbox/webhook"
)

// webhookFlags are --webhook-url and --webhook-secret of `sandbox serve`.
type webhookFlags struct {
	url    string
	secret string
}

// check validates the flags before anything starts (exit 2 when wrong).
func (w *webhookFlags) check() error {
	if w.url != "" {
		if err := webhook.CheckURL(w.url); err != nil {
			return cmdutil.FlagErrorf("--webhook-url: %v", err)
		}
	}
	if w.secret != "" {
		if _, err := webhook.ParseSecret(w.secret); err != nil {
			return cmdutil.FlagErrorf("--webhook-secret: %v", err)
		}
	}
	return nil
}

// catalog is the demo catalogue of every API the sandbox serves, as the
// page and the webhooks describe purchases from it.
func catalog() *purchase.Catalog {
	var apis []purchase.API
	for _, d := range registry.All() {
		if d.Sandbox != nil {
			apis = append(apis, purchase.API{Name: d.Name, Items: d.Sandbox().Catalog(), Describe: d.SandboxPurchase})
		}
	}
	return purchase.NewCatalog(apis...)
}

// checkoutPages builds the checkout pages of the sessions in st and, with
// --webhook-url, starts delivering the webhook of each completion until ctx
// ends; wait returns once the delivery under way, if any, is recorded.
// Deliveries and their answers are logged to the server's log.
func checkoutPages(ctx context.Context, f *cmdutil.Factory, st *sandbox.Store, w webhookFlags, po pageOptions) (h http.Handler, wait func(), err error) {
	log := po.log
	cat := catalog()
	if w.secret != "" {
		// Kept in the database: listeners and later starts sign with it too.
		if _, err := st.SetSigningSecret(ctx, w.secret); err != nil {
			return nil, nil, err
		}
	}
	if w.url != "" {
		secret, err := st.SigningSecret(ctx)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(f.IO.Err, "Webhooks are signed with %s (kept in the database; `billctl sandbox reset --secret` changes it).\n", secret)
		d := webhook.NewDispatcher(webhook.Options{Outbox: webhook.StoreOutbox{Store: st}, URL: w.url, SecretOf: storeSecret(st), Log: log})
		webhook.QueueOnComplete(st, w.url, d.Notify)
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		wait = func() { <-done }
		fmt.Fprintf(f.IO.Err, "Each completed session's events go to %s.\n", w.url)
	}
	if wait == nil {
		wait = func() {}
	}
	words := func(provider string, s sandbox.Status) string { return statusWord("", provider, string(s)) }
	o := page.Options{Sessions: &page.SandboxSessions{Store: st, Catalog: cat, StatusName: words}, Log: log, Secret: po.secret}
	if po.token != "" {
		// Off loopback: a page is opened with its key, and a program
		// (sandbox pay) acts with the server's token.
		env := &sandbox.Env{PageSecret: po.secret, Token: po.token}
		o.Key = env.PageKey
		o.Program = env.Authorized
	}
	return page.New(o), wait, nil
}

// pageOptions are what the pages take from the server: its log, the
// database's page secret (the forms' tokens; the URLs' keys with a
// token) and the token.
type pageOptions struct {
	log    *slog.Logger
	secret []byte
	token  string
}

// storeSecret reads the signing secret of st before each attempt, so a
// `sandbox reset --secret` takes effect at once.
func storeSecret(st *sandbox.Store) func(ctx context.Context) (webhook.Secret, error) {
	return func(ctx context.Context) (webhook.Secret, error) {
		s, err := st.SigningSecret(ctx)
		if err != nil {
			return nil, err
		}
		return webhook.ParseSecret(s)
	}
}
