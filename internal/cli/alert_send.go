package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/starter/ingest"
)

// Environment variables that set the defaults of alert send's --url and --token.
const (
	EnvURL          = "FIREBREAK_URL"
	EnvGenericToken = "FIREBREAK_GENERIC_TOKEN"
)

// Alert statuses alert send accepts.
const (
	alertFiring   = "firing"
	alertResolved = "resolved"
)

// genericAlertPath is where Firebreak takes alerts in its generic format.
const genericAlertPath = "/v1/alerts/generic"

// maxAnswerBytes bounds how much of Firebreak's answer alert send reads.
const maxAnswerBytes = 1 << 20

// maxReasonBytes bounds how much of an answer that is not JSON an error quotes.
const maxReasonBytes = 200

// alertSendOptions are the inputs of alert send.
type alertSendOptions struct {
	IO         IOStreams
	HTTPClient *http.Client

	URL      string
	Token    string
	DedupKey string
	Service  string
	Title    string
	Type     string
	Status   string
	Impact   incident.Impact
	Labels   map[string]string
	Output   string
}

// newCmdAlertSend returns alert send; runF replaces alertSendRun in tests.
func newCmdAlertSend(f *Factory, runF func(context.Context, *alertSendOptions) error) *cobra.Command {
	opts := &alertSendOptions{IO: f.IO}
	var impact, labels []string
	cmd := &cobra.Command{
		Use:   "send --service SERVICE [flags]",
		Short: "Send a test alert to a running Firebreak",
		Long: "Post one alert in Firebreak's generic format to " + genericAlertPath + " of a running " +
			"`firebreak serve` or `firebreak dev`, authenticated with the generic integration's bearer " +
			"token, and print the incident it went to. Alerts with the same --dedup-key go to the same " +
			"incident; send --status resolved to resolve the alert.",
		Example: `  firebreak alert send --service checkout --impact customers=some --impact core_degraded=true
  firebreak alert send --service checkout --status resolved`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
			if err := requireFlags(cmd, "service"); err != nil {
				return err
			}
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if u, err := url.Parse(opts.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usageErrorf("invalid --url %q: use http://host:port or https://host", opts.URL)
			}
			if !cmd.Flags().Changed("token") {
				opts.Token = os.Getenv(EnvGenericToken)
			}
			if strings.TrimSpace(opts.DedupKey) == "" {
				opts.DedupKey = "test-" + opts.Service
			}
			switch opts.Status = strings.ToLower(opts.Status); opts.Status {
			case alertFiring, alertResolved:
			default:
				return usageErrorf("invalid --status %q: use firing or resolved", opts.Status)
			}
			var err error
			if opts.Impact, err = parseImpact(impact); err != nil {
				return err
			}
			if opts.Labels, err = parseLabels(labels); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return alertSendRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.URL, "url", envOr(EnvURL, "http://127.0.0.1:8080"), "Firebreak's base `URL` (env "+EnvURL+")")
	fl.StringVar(&opts.Token, "token", "", "the generic integration's bearer `token` (default $"+EnvGenericToken+")")
	fl.StringVar(&opts.DedupKey, "dedup-key", "", "`key` that groups repeats of the alert (default \"test-\" and the service)")
	fl.StringVar(&opts.Service, "service", "", "affected `service` (required)")
	fl.StringVar(&opts.Title, "title", "Test alert from firebreak alert send", "one-line `title`")
	fl.StringVar(&opts.Type, "type", "", "incident `type`: outage, degradation, security, ...")
	fl.StringVar(&opts.Status, "status", alertFiring, "alert `status`: firing or resolved")
	fl.StringArrayVar(&impact, "impact", nil, "impact fact `key=value`, repeatable: "+impactKeys)
	fl.StringArrayVar(&labels, "label", nil, "`key=value` label, repeatable")
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

// genericAlert is the body of the generic alert webhook (see alerts.ParseGeneric).
type genericAlert struct {
	DedupKey string            `json:"dedup_key"`
	Title    string            `json:"title"`
	Service  string            `json:"service"`
	Type     string            `json:"type,omitempty"`
	Status   string            `json:"status"`
	Impact   *incident.Impact  `json:"impact,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
}

// alertSendRun posts the alert and prints what Firebreak did with it.
func alertSendRun(ctx context.Context, opts *alertSendOptions) error {
	alert := genericAlert{
		DedupKey: opts.DedupKey, Title: opts.Title, Service: opts.Service, Type: opts.Type,
		Status: opts.Status, Labels: opts.Labels,
	}
	if opts.Impact != (incident.Impact{}) {
		alert.Impact = &opts.Impact
	}
	body, err := json.Marshal(alert)
	if err != nil {
		return fmt.Errorf("encode alert: %w", err)
	}
	base := strings.TrimRight(opts.URL, "/")
	endpoint := base + genericAlertPath
	// Errors name the endpoint without the user information or query values --url may carry.
	shown := safetext.RedactURL(base) + genericAlertPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("send alert to %s: %w", shown, withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	if opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+opts.Token)
	}
	resp, err := opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("send alert to %s: %w", shown, withoutURL(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("read answer from %s: %w", shown, withoutURL(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("alert rejected (HTTP %d): %s", resp.StatusCode, rejection(resp.StatusCode, answer))
	}
	var result ingest.Response
	if err := json.Unmarshal(answer, &result); err != nil {
		return fmt.Errorf("read answer from %s: invalid JSON: %w", shown, err)
	}
	if result.Incidents == nil {
		result.Incidents = []string{}
	}
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, result)
	}
	var text strings.Builder
	if result.Accepted > 0 || result.Ignored == 0 {
		fmt.Fprintf(&text, "Accepted %d alert(s)", result.Accepted)
		if len(result.Incidents) > 0 {
			fmt.Fprintf(&text, " for %s", printable(strings.Join(result.Incidents, ", ")))
		}
		text.WriteString(".\n")
	}
	if result.Ignored > 0 {
		fmt.Fprintf(&text, "Ignored %d resolved alert(s): no open incident to update.\n", result.Ignored)
	}
	_, err = io.WriteString(opts.IO.Out, text.String())
	return err
}

// rejection returns the reason in an error answer, made printable and cut to maxReasonBytes: its
// "error" field, else its text, else the status text.
func rejection(status int, answer []byte) string {
	var problem struct {
		Error string `json:"error"`
	}
	text := printable(string(answer))
	if json.Unmarshal(answer, &problem) == nil && strings.TrimSpace(problem.Error) != "" {
		text = printable(problem.Error)
	}
	if text == "" {
		return http.StatusText(status)
	}
	if len(text) > maxReasonBytes {
		text = strings.ToValidUTF8(text[:maxReasonBytes], "") + "..."
	}
	return text
}

// withoutURL returns the error inside a *url.Error, which repeats the whole URL with any
// credentials it holds, or err itself.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
