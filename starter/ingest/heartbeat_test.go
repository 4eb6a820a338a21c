package ingest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/workflows"
)

// heartbeatConfig is the test organisation with a token for Alertmanager and generic alerts,
// none for SNS, and three heartbeats.
func heartbeatConfig() *config.Config {
	cfg := configtest.Organisation()
	cfg.Alerts.Integrations = map[string]config.Integration{
		config.IntegrationAlertmanager: {Token: "am-token"},
		config.IntegrationGeneric:      {Token: "generic-token"},
		config.IntegrationSNS:          {},
	}
	cfg.Heartbeats = []config.Heartbeat{
		{Name: "watchdog", Integration: config.IntegrationAlertmanager, Interval: config.Duration(time.Minute), Grace: config.Duration(time.Minute), Service: "search", Title: "Heartbeat watchdog missed"},
		{Name: "backup", Integration: config.IntegrationGeneric, Interval: config.Duration(24 * time.Hour), Grace: config.Duration(time.Hour), Service: "search", Title: "Backup missed"},
		{Name: "tokenless", Integration: config.IntegrationSNS, Interval: config.Duration(time.Minute), Grace: config.Duration(time.Minute), Service: "search"},
	}
	return cfg
}

func TestHeartbeatPing(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		token    string
		temporal error // what signal-with-start returns; nil when it must not be called
		status   int
		want     string // the JSON answer
	}{
		{name: "accepted", path: "/v1/heartbeats/watchdog", token: "am-token", status: http.StatusAccepted,
			want: `{"heartbeat":"watchdog","workflow":"heartbeat-watchdog","due_within_seconds":120}`},
		{name: "generic integration's heartbeat", path: "/v1/heartbeats/backup", token: "generic-token", status: http.StatusAccepted,
			want: `{"heartbeat":"backup","workflow":"heartbeat-backup","due_within_seconds":90000}`},
		{name: "wrong token", path: "/v1/heartbeats/watchdog", token: "guess", status: http.StatusUnauthorized,
			want: `{"error":"missing or wrong bearer token for heartbeat watchdog (the alertmanager integration's)"}`},
		{name: "another integration's token", path: "/v1/heartbeats/watchdog", token: "generic-token", status: http.StatusUnauthorized,
			want: `{"error":"missing or wrong bearer token for heartbeat watchdog (the alertmanager integration's)"}`},
		{name: "no token", path: "/v1/heartbeats/watchdog", status: http.StatusUnauthorized,
			want: `{"error":"missing or wrong bearer token for heartbeat watchdog (the alertmanager integration's)"}`},
		{name: "integration without a token", path: "/v1/heartbeats/tokenless", token: "am-token", status: http.StatusUnauthorized,
			want: `{"error":"the sns integration has no token configured (alerts.integrations.sns): heartbeat tokenless accepts no ping"}`},
		{name: "unknown heartbeat", path: "/v1/heartbeats/watchdgo", token: "am-token", status: http.StatusNotFound,
			want: `{"error":"no heartbeat named \"watchdgo\" is configured"}`},
		{name: "unknown heartbeat without a token", path: "/v1/heartbeats/watchdgo", status: http.StatusUnauthorized,
			want: `{"error":"missing or wrong bearer token"}`},
		{name: "escape sequences in the name", path: "/v1/heartbeats/%1B%5D0%3Bowned%07%E2%80%AE", token: "am-token", status: http.StatusNotFound,
			want: `{"error":"no heartbeat named \"\\x1b]0;owned\\a\\u202e\" is configured"}`},
		{name: "long name", path: "/v1/heartbeats/" + strings.Repeat("a", 5000), token: "generic-token", status: http.StatusNotFound,
			want: `{"error":"no heartbeat named \"` + strings.Repeat("a", 64) + `\"… is configured"}`},
		{name: "temporal unavailable", path: "/v1/heartbeats/watchdog", token: "am-token", temporal: errors.New("rpc error: dial tcp 10.0.0.7:7233: connection refused"),
			status: http.StatusServiceUnavailable, want: `{"error":"the ping of heartbeat watchdog could not be stored: retry"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &mocks.Client{}
			if tt.status == http.StatusAccepted || tt.temporal != nil {
				c.On("SignalWithStartWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything,
					mock.Anything, mock.Anything).Return(nil, tt.temporal).Once()
			}
			h := NewHandler(Options{Config: heartbeatConfig(), Submitter: &Submitter{Temporal: c}})
			req := httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(`{"ignored": true}`))
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			require.JSONEq(t, tt.want, rec.Body.String())
			if tt.status == http.StatusServiceUnavailable {
				require.Equal(t, "5", rec.Header().Get("Retry-After"))
			}
			c.AssertExpectations(t)
		})
	}
}

func TestHeartbeatPingSignalsWithStart(t *testing.T) {
	c := &mocks.Client{}
	c.On("SignalWithStartWorkflow", mock.Anything, "heartbeat-watchdog", workflows.SignalHeartbeatPing,
		workflows.HeartbeatPing{Interval: time.Minute, Grace: time.Minute},
		mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
			return o.ID == "heartbeat-watchdog" && o.TaskQueue == workflows.TaskQueue &&
				o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE && o.StaticSummary == "Heartbeat watchdog"
		}),
		workflows.HeartbeatWorkflowName,
		workflows.HeartbeatInput{Name: "watchdog", Interval: time.Minute, Grace: time.Minute},
	).Return(nil, nil).Once()
	h := NewHandler(Options{Config: heartbeatConfig(), Submitter: &Submitter{Temporal: c}})
	// A body far over any limit is never read.
	req := httptest.NewRequest(http.MethodPost, "/v1/heartbeats/watchdog", bytes.NewReader(make([]byte, 8<<20)))
	req.Header.Set("Authorization", "Bearer am-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	c.AssertExpectations(t)
}

func TestHeartbeatPingNeedsPost(t *testing.T) {
	h := NewHandler(Options{Config: heartbeatConfig(), Submitter: &Submitter{Temporal: &mocks.Client{}}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/heartbeats/watchdog", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestIntakeRoutesAndSubmitsOneAlert(t *testing.T) {
	evaluator, err := policies.Load(context.Background(), "")
	require.NoError(t, err)
	cfg := heartbeatConfig()
	firing := incident.Alert{Source: "heartbeat", Fingerprint: "heartbeat/watchdog", GroupKey: "heartbeat/watchdog",
		Status: incident.AlertFiring, Title: "Heartbeat watchdog missed", Service: "search", Impact: map[string]any{"customers_affected": "none"}}
	resolved := firing
	resolved.Status = incident.AlertResolved
	id := workflows.WorkflowID(GroupKey("heartbeat/watchdog"))

	tests := []struct {
		name   string
		alert  incident.Alert
		expect func(c *mocks.Client)
		want   string
		err    string
	}{
		{
			name: "a firing alert starts or feeds its incident", alert: firing, want: id,
			expect: func(c *mocks.Client) {
				c.On("ExecuteWorkflow", mock.Anything, startOptionsOf(id), workflows.IncidentWorkflowName,
					mock.MatchedBy(func(in workflows.IncidentInput) bool {
						b := in.Pending[0]
						return len(in.Pending) == 1 && len(b.Alerts) == 1 && b.Routing.Service == "search" &&
							b.Routing.Title == "Heartbeat watchdog missed" && b.Routing.Impact.CustomersAffected == "none"
					})).Return(nil, nil).Once()
			},
		},
		{
			name: "a resolved alert with no incident is nobody's", alert: resolved, want: "",
			expect: func(c *mocks.Client) {
				c.On("SignalWorkflow", mock.Anything, id, "", workflows.SignalAlerts, mock.Anything).
					Return(serviceerror.NewNotFound("workflow not found")).Once()
			},
		},
		{
			name: "temporal unavailable", alert: firing, err: "connection refused",
			expect: func(c *mocks.Client) {
				onStart(c, id).Return(nil, errors.New("connection refused")).Once()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &mocks.Client{}
			tt.expect(c)
			in := &Intake{Router: &Router{Policies: evaluator, Config: cfg}, Submitter: &Submitter{Temporal: c}}
			got, err := in.Submit(context.Background(), tt.alert)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
			} else {
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			}
			c.AssertExpectations(t)
		})
	}
}
