package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter/alerts"
)

func TestNewCmdAlertSend(t *testing.T) {
	started := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	defaults := alertSendOptions{
		URL: "http://127.0.0.1:8080", DedupKey: "test-checkout", Service: "checkout",
		Title: "Test alert from firebreak alert send", Status: "firing", Output: "text",
	}
	for _, name := range []string{EnvURL, EnvGenericToken} {
		t.Setenv(name, "") // unless a case sets it
	}
	testParse(t, newCmdAlertSend, []parseCase[alertSendOptions]{
		{name: "defaults", args: []string{"--service", "checkout"}, want: defaults},
		{
			name: "environment",
			env:  map[string]string{EnvURL: "https://firebreak.example", EnvGenericToken: "env-token"},
			args: []string{"--service", "checkout"},
			want: func() alertSendOptions {
				o := defaults
				o.URL, o.Token = "https://firebreak.example", "env-token"
				return o
			}(),
		},
		{
			name: "flags win over the environment",
			env:  map[string]string{EnvURL: "https://firebreak.example", EnvGenericToken: "env-token"},
			args: []string{"--service", "checkout", "--url", "http://localhost:9090", "--token", ""},
			want: func() alertSendOptions {
				o := defaults
				o.URL = "http://localhost:9090"
				return o
			}(),
		},
		{
			name: "everything",
			args: []string{
				"--service", "checkout", "--url", "http://fb:8080/", "--token", "t0k", "--dedup-key", "chk-latency",
				"--title", "Checkout slow", "--type", "latency", "--status", "RESOLVED",
				"--impact", "customers=some", "--impact", "performance-degraded=true", "--impact", "support_cases=3",
				"--impact", "started_at=2026-03-01T12:00:00Z", "--label", "region=eu", "--label", "team=pay", "-o", "json",
			},
			want: alertSendOptions{
				URL: "http://fb:8080/", Token: "t0k", DedupKey: "chk-latency", Service: "checkout",
				Title: "Checkout slow", Type: "latency", Status: "resolved", Output: "json",
				Impact: incident.Impact{
					CustomersAffected: "some", PerformanceDegraded: ptr(true), SupportCases: ptr(3), StartedAt: &started,
				},
				Labels: map[string]string{"region": "eu", "team": "pay"},
			},
		},
		{name: "missing service", args: nil, wantErr: "required flag --service not set"},
		{name: "blank service", args: []string{"--service", " "}, wantErr: "required flag --service not set"},
		{name: "bad status", args: []string{"--service", "s", "--status", "pending"}, wantErr: `invalid --status "pending": use firing or resolved`},
		{name: "unknown impact key", args: []string{"--service", "s", "--impact", "mood=sad"}, wantErr: `invalid --impact "mood=sad": unknown key "mood"`},
		{name: "bad impact value", args: []string{"--service", "s", "--impact", "data_loss=maybe"}, wantErr: `invalid --impact "data_loss=maybe": data_loss must be true or false`},
		{name: "impact without value", args: []string{"--service", "s", "--impact", "data_loss"}, wantErr: `invalid --impact "data_loss": use key=value`},
		{name: "bad label", args: []string{"--service", "s", "--label", "region"}, wantErr: `invalid --label "region"`},
		{name: "bad url", args: []string{"--service", "s", "--url", "localhost:8080"}, wantErr: `invalid --url "localhost:8080"`},
		{name: "bad output", args: []string{"--service", "s", "-o", "yaml"}, wantErr: `invalid --output "yaml": use text or json`},
		{name: "positional argument", args: []string{"--service", "s", "extra"}, wantErr: "unknown command"},
	}, func(t *testing.T, o *alertSendOptions) {
		require.NotNil(t, o.HTTPClient)
		require.Equal(t, 15*time.Second, o.HTTPClient.Timeout)
		o.IO, o.HTTPClient = IOStreams{}, nil
	})
}

func TestAlertSendRun(t *testing.T) {
	firing := alertSendOptions{
		Token: "t0k", DedupKey: "test-checkout", Service: "checkout", Title: "Checkout slow", Type: "latency",
		Status: "firing", Impact: incident.Impact{CustomersAffected: "some", SupportCases: ptr(3)},
		Labels: map[string]string{"team": "pay", "region": "eu"},
	}
	firingBody := `{"dedup_key":"test-checkout","title":"Checkout slow","service":"checkout","type":"latency",` +
		`"status":"firing","impact":{"customers_affected":"some","support_cases":3},"labels":{"region":"eu","team":"pay"}}`
	resolved := alertSendOptions{
		Token: "t0k", DedupKey: "test-checkout", Service: "checkout", Title: "Test alert from firebreak alert send",
		Status: "resolved",
	}
	resolvedBody := `{"dedup_key":"test-checkout","title":"Test alert from firebreak alert send","service":"checkout","status":"resolved"}`
	tests := []struct {
		name     string
		opts     alertSendOptions
		output   string
		status   int
		answer   string
		wantBody string
		want     string
		wantErr  string
	}{
		{
			name:     "accepted",
			opts:     firing,
			output:   "text",
			status:   http.StatusAccepted,
			answer:   `{"accepted":1,"ignored":0,"incidents":["incident-alert-3f2a"]}`,
			wantBody: firingBody,
			want:     "Accepted 1 alert(s) for incident-alert-3f2a.\n",
		},
		{
			name:     "accepted as json",
			opts:     firing,
			output:   "json",
			status:   http.StatusAccepted,
			answer:   `{"accepted":1,"ignored":0,"incidents":["incident-alert-3f2a"]}`,
			wantBody: firingBody,
			want:     "{\n  \"accepted\": 1,\n  \"ignored\": 0,\n  \"incidents\": [\n    \"incident-alert-3f2a\"\n  ]\n}\n",
		},
		{
			name:     "resolved with no open incident",
			opts:     resolved,
			output:   "text",
			status:   http.StatusAccepted,
			answer:   `{"accepted":0,"ignored":1,"incidents":[]}`,
			wantBody: resolvedBody,
			want:     "Ignored 1 resolved alert(s): no open incident to update.\n",
		},
		{
			name:     "wrong token",
			opts:     firing,
			output:   "text",
			status:   http.StatusUnauthorized,
			answer:   `{"error":"missing or wrong credentials for the generic integration"}`,
			wantBody: firingBody,
			wantErr:  "alert rejected (HTTP 401): missing or wrong credentials for the generic integration",
		},
		{
			name:     "wrong token as json",
			opts:     firing,
			output:   "json",
			status:   http.StatusUnauthorized,
			answer:   `{"error":"missing or wrong credentials for the generic integration"}`,
			wantBody: firingBody,
			wantErr:  "alert rejected (HTTP 401): missing or wrong credentials for the generic integration",
		},
		{
			name:     "answer that is not json",
			opts:     firing,
			output:   "text",
			status:   http.StatusBadGateway,
			answer:   "upstream\nunavailable\n",
			wantBody: firingBody,
			wantErr:  "alert rejected (HTTP 502): upstream; unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotBody string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				assert.NoError(t, err)
				gotBody = string(body)
				_, err = alerts.ParseGeneric(body)
				assert.NoError(t, err, "the body must be a valid generic alert")
				assert.Equal(t, http.MethodPost, r.Method)
				assert.Equal(t, "/v1/alerts/generic", r.URL.Path)
				assert.Equal(t, "Bearer t0k", r.Header.Get("Authorization"))
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.answer)
			}))
			defer srv.Close()

			streams, out, _ := testIO("")
			o := tt.opts
			o.IO, o.HTTPClient, o.URL, o.Output = streams, srv.Client(), srv.URL+"/", tt.output
			err := alertSendRun(context.Background(), &o)
			require.Equal(t, tt.wantBody, gotBody)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}

func TestAlertSendRunUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()

	io, _, _ := testIO("")
	o := alertSendOptions{IO: io, HTTPClient: &http.Client{Timeout: 5 * time.Second}, URL: url, DedupKey: "k", Title: "t", Status: "firing"}
	err := alertSendRun(context.Background(), &o)
	require.ErrorContains(t, err, "send alert to "+url+"/v1/alerts/generic: ")
	require.ErrorContains(t, err, "connection refused")
}
