package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/billctl/billctl/internal/cli/cmdutil"
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
	if w.url == "" {
		if w.secret != "" {
			return cmdutil.FlagErrorf("--webhook-secret needs --webhook-url")
		}
		return nil
	}
	if err := webhook.CheckURL(w.url); err != nil {
		return cmdutil.FlagErrorf("--webhook-url: %v", err)
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
	byAPI := map[string][]sandbox.Item{}
	for _, api := range APIs() {
		byAPI[api.Name] = api.Catalog()
	}
	return purchase.NewCatalog(byAPI)
}

// checkoutPages builds the checkout pages of the sessions in st and, with
// --webhook-url, starts delivering the webhook of each completion until ctx
// ends; wait returns once the delivery under way, if any, is recorded.
// Deliveries and their answers are logged to the server's log.
func checkoutPages(ctx context.Context, f *cmdutil.Factory, st *sandbox.Store, w webhookFlags) (h http.Handler, wait func(), err error) {
	log := slog.New(slog.NewTextHandler(f.IO.Err, nil))
	cat := catalog()
	if w.url != "" {
		secret := w.secret
		if secret == "" {
			secret = webhook.NewSecret()
			fmt.Fprintf(f.IO.Err, "Webhooks are signed with %s (give your receiver this secret, or pass --webhook-secret).\n", secret)
		}
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return nil, nil, cmdutil.FlagErrorf("--webhook-secret: %v", err)
		}
		d := webhook.NewDispatcher(webhook.Options{Outbox: webhook.StoreOutbox{Store: st}, URL: w.url, Secret: key, Log: log})
		webhook.QueueOnComplete(st, cat, w.url, d.Notify)
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		wait = func() { <-done }
		fmt.Fprintf(f.IO.Err, "Each completed session's subscription.created event goes to %s.\n", w.url)
	}
	if wait == nil {
		wait = func() {}
	}
	return page.New(page.Options{Sessions: &page.SandboxSessions{Store: st, Catalog: cat}, Log: log}), wait, nil
}
