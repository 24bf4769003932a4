package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/billctl/billctl/internal/cli/cmdutil"
	"github.com/billctl/billctl/internal/exitcode"
	"github.com/billctl/billctl/internal/safetext"
	"github.com/billctl/billctl/internal/sandbox"
	"github.com/billctl/billctl/internal/sandbox/webhook"
)

func newCmdEvents(f *cmdutil.Factory) *cobra.Command {
	var data dataFlags
	var session, typ string
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List the events the sandbox emitted, with each delivery's attempts",
		Long: strings.TrimSpace(`
List the events paid sessions emitted, oldest first, with every attempt to
deliver each (by sandbox listen --forward-to, sandbox serve --webhook-url or
events resend): the URL, the answer's status and time, or why it failed.
-o json prints them as an array: each event's envelope under "payload",
its attempts under "attempts".`),
		Example: cmdutil.Example(`
  # What did this session emit, and did my app take it?
  billctl sandbox events --session che_7n42DGM5Tflk9n8mt7Fhc7

  # Deliver one again
  billctl sandbox events resend evt_7n42DGM5Tflk9n8mt7Fhc7 --forward-to http://localhost:3000/hooks`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := jsonOutput(f)
			if err != nil {
				return err
			}
			ctx := f.Context
			if ctx == nil {
				ctx = context.Background()
			}
			st, err := data.open(ctx, f.Getenv)
			if err != nil {
				return err
			}
			defer st.Close()
			evs, err := st.Events(ctx, sandbox.EventFilter{SessionID: session, Type: typ})
			if err != nil {
				return err
			}
			if asJSON {
				return printEventsJSON(ctx, f, st, evs)
			}
			return printEvents(ctx, f, st, evs)
		},
	}
	cmd.Flags().StringVar(&session, "session", "", "only the events of this checkout session")
	cmd.Flags().StringVar(&typ, "type", "", "only events of this type, e.g. invoice.paid")
	data.add(cmd.Flags(), false)
	cmd.AddCommand(newCmdResend(f))
	return cmd
}

func printEvents(ctx context.Context, f *cmdutil.Factory, st *sandbox.Store, evs []sandbox.Event) error {
	if len(evs) == 0 {
		fmt.Fprintf(f.IO.Err, "No events in %s yet: they come when a %s session is paid.\n", where(st), emitters())
		return nil
	}
	for _, e := range evs {
		fmt.Fprintln(f.IO.Out, eventLine(e))
		as, err := st.Attempts(ctx, e.ID)
		if err != nil {
			return err
		}
		if len(as) == 0 {
			fmt.Fprintln(f.IO.Out, "  not delivered")
		}
		for i, a := range as {
			fmt.Fprintf(f.IO.Out, "  #%d %s %s → %s\n", i+1, a.At.Local().Format("15:04:05"), safetext.Line(a.URL), answerText(a))
		}
	}
	return nil
}

type eventJSON struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	Provider       string          `json:"provider"`
	SessionID      string          `json:"session_id"`
	SubscriptionID string          `json:"subscription_id,omitempty"`
	CreatedAt      string          `json:"created_at"`
	Payload        json.RawMessage `json:"payload"`
	Attempts       []attemptJSON   `json:"attempts"`
}

type attemptJSON struct {
	URL    string `json:"url"`
	At     string `json:"at"`
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
	TookMS int64  `json:"took_ms"`
}

func printEventsJSON(ctx context.Context, f *cmdutil.Factory, st *sandbox.Store, evs []sandbox.Event) error {
	out := []eventJSON{}
	for _, e := range evs {
		as, err := st.Attempts(ctx, e.ID)
		if err != nil {
			return err
		}
		j := eventJSON{ID: e.ID, Type: e.Type, Provider: e.Provider, SessionID: e.SessionID, SubscriptionID: e.SubscriptionID,
			CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339Nano), Payload: e.Payload, Attempts: []attemptJSON{}}
		for _, a := range as {
			j.Attempts = append(j.Attempts, attemptJSON{URL: a.URL, At: a.At.UTC().Format(time.RFC3339Nano), Status: a.Status, Error: a.Error, TookMS: a.Took.Milliseconds()})
		}
		out = append(out, j)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = f.IO.Out.Write(append(b, '\n'))
	return err
}

func newCmdResend(f *cmdutil.Factory) *cobra.Command {
	var data dataFlags
	var url string
	var headers []string
	cmd := &cobra.Command{
		Use:   "resend EVT_ID",
		Short: "Deliver one event again: the same webhook-id, a fresh timestamp and signature",
		Long: strings.TrimSpace(`
Deliver one event again, as Standard Webhooks prescribe for a retry: the
same webhook-id and body, a fresh webhook-timestamp and signature. It goes
to --forward-to, or else to the URL it was last delivered to. Exit 0 when
the answer is 2xx, 1 otherwise.`),
		Annotations: map[string]string{cmdutil.ArgsAnnotation: "the event ID (evt_…)"},
		Args:        cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if url != "" {
				u, err := webhook.ForwardURL(url)
				if err != nil {
					return cmdutil.FlagErrorf("--forward-to: %v", err)
				}
				url = u
			}
			hdr, err := parseHeaders(headers)
			if err != nil {
				return err
			}
			ctx := f.Context
			if ctx == nil {
				ctx = context.Background()
			}
			st, err := data.open(ctx, f.Getenv)
			if err != nil {
				return err
			}
			defer st.Close()
			e, err := st.Event(ctx, args[0])
			if errors.Is(err, sandbox.ErrNoEvent) {
				return exitcode.New(exitcode.Failure, fmt.Errorf("sandbox: no event %s in %s (sandbox events lists them)", safetext.Line(args[0]), where(st)))
			}
			if err != nil {
				return err
			}
			if url == "" {
				as, err := st.Attempts(ctx, e.ID)
				if err != nil {
					return err
				}
				if len(as) == 0 {
					return cmdutil.FlagErrorf("event %s was never delivered: give --forward-to URL", e.ID)
				}
				url = as[len(as)-1].URL
			}
			secret, err := st.SigningSecret(ctx)
			if err != nil {
				return err
			}
			key, err := webhook.ParseSecret(secret)
			if err != nil {
				return err
			}
			a := forward(ctx, st, webhook.NewClient(), url, key, e, hdr)
			fmt.Fprintf(f.IO.Out, "%s %s → %s\n", e.ID, safetext.Line(url), answerText(a))
			if a.Error != "" {
				return exitcode.New(exitcode.Failure, errors.New("sandbox: the delivery of "+e.ID+" failed ("+strconv.Itoa(a.Status)+")"))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "forward-to", "", "deliver it to this URL (default: where it was last delivered)")
	cmd.Flags().StringArrayVarP(&headers, "header", "H", nil, "add this header to the request ('K: V'; repeatable)")
	data.add(cmd.Flags(), false)
	return cmd
}

// emitters names the APIs whose paid sessions emit webhook events, as
// prose writes them ("Meteroid"; an API without webhooks emits none).
func emitters() string {
	var names []string
	for _, api := range APIs() {
		if api.Events != nil {
			names = append(names, titleCase(api.Name))
		}
	}
	return strings.Join(names, " or ")
}
