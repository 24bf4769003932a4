package create

import (
	"net/http"

	"github.com/billctl/billctl/internal/config"
	"github.com/billctl/billctl/internal/engine"
	"github.com/billctl/billctl/internal/output"
	"github.com/billctl/billctl/internal/provider"
)

// printDryRun shows the requests that would be sent. The token is never
// shown: the text and JSON forms redact it, and the curl form reads it
// from $BILLCTL_TOKEN when the command is run.
func printDryRun(opts *CreateOptions, s *config.Settings, p provider.Provider, reqs []engine.Planned, single bool) error {
	return output.DryRun(opts.IO.Out, s.Output, dryRequests(opts, s, p, reqs), single)
}

// dryRequests are the requests as a dry run shows them, the token redacted.
func dryRequests(opts *CreateOptions, s *config.Settings, p provider.Provider, reqs []engine.Planned) []output.DryRequest {
	// Without a token the header says so, rather than look as if one were
	// set: a real create would stop there (exit 3).
	auth := "Bearer [REDACTED]"
	if s.Token == "" {
		auth = "Bearer [no token configured]"
	}
	out := make([]output.DryRequest, len(reqs))
	for i, r := range reqs {
		out[i] = output.DryRequest{
			Index:  r.Index,
			Method: http.MethodPost,
			URL:    s.BaseURL + p.CreatePath(),
			Headers: map[string]string{
				"Authorization":   auth,
				"Content-Type":    "application/json",
				"Accept":          "application/json",
				"Idempotency-Key": r.Key,
				"User-Agent":      opts.UserAgent,
			},
			Body: r.Body,
		}
	}
	return out
}
