package e2e_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/workflows"
)

// heartbeatConfig is the alert configuration with a watchdog heartbeat due within 3 seconds of
// each ping (interval 2s, grace 1s) on the search service.
func heartbeatConfig(t testing.TB) *config.Config {
	cfg := alertConfig(t)
	yes, no := true, false
	cfg.Heartbeats = []config.Heartbeat{{
		Name: "watchdog", Integration: config.IntegrationAlertmanager,
		Interval: config.Duration(2 * time.Second), Grace: config.Duration(time.Second),
		Service: "search", Title: "Heartbeat watchdog missed",
		Impact: config.HeartbeatImpact{CustomersAffected: "none", CoreDegraded: &yes, DataLoss: &no},
	}}
	return cfg
}

// ping pings a heartbeat with a token and returns the status and the answer.
func (fb *firebreak) ping(name, token string) (int, map[string]any) {
	fb.t.Helper()
	return fb.post("/v1/heartbeats/"+name, http.Header{"Authorization": {"Bearer " + token}}, nil)
}

// heartbeat queries a heartbeat's workflow for its state.
func (fb *firebreak) heartbeat(name string) workflows.HeartbeatState {
	fb.t.Helper()
	v, err := fb.client.QueryWorkflow(context.Background(), workflows.HeartbeatWorkflowID(name), "", workflows.QueryHeartbeat)
	require.NoError(fb.t, err)
	var s workflows.HeartbeatState
	require.NoError(fb.t, v.Get(&s))
	return s
}

// heartbeatHistory returns the history of a heartbeat workflow's latest run.
func (fb *firebreak) heartbeatHistory(name string) *historypb.History {
	fb.t.Helper()
	iter := fb.client.GetWorkflowHistory(context.Background(), workflows.HeartbeatWorkflowID(name), "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(fb.t, err)
		h.Events = append(h.Events, e)
	}
	return h
}

func TestHeartbeatStopsAndResumesInRealTime(t *testing.T) {
	fb := startFirebreak(t, options{config: heartbeatConfig(t)})
	key := ingest.GroupKey("heartbeat/watchdog") // the alert's group key, the same for every miss

	// Pings every second keep it quiet: no incident for 6 seconds, twice the deadline.
	for range 6 {
		status, answer := fb.ping("watchdog", alertmanagerToken)
		require.Equal(t, http.StatusAccepted, status, answer)
		require.Equal(t, map[string]any{"heartbeat": "watchdog", "workflow": "heartbeat-watchdog", "due_within_seconds": 3.0}, answer)
		time.Sleep(time.Second)
	}
	s := fb.heartbeat("watchdog")
	require.Equal(t, workflows.HeartbeatUp, s.Status)
	require.Equal(t, 6, s.Pings, "202 means Temporal holds the ping")
	require.Equal(t, 0, fb.incidentRuns(key))

	// Pings that arrive together are each held.
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = fb.ping("watchdog", alertmanagerToken) })
	}
	wg.Wait()
	for _, status := range statuses {
		require.Equal(t, http.StatusAccepted, status)
	}
	require.Equal(t, 26, fb.heartbeat("watchdog").Pings)

	// Silence: 3 seconds after the last ping the alert opens an incident on search, which pages.
	stopped := time.Now()
	var st workflows.State
	for deadline := time.Now().Add(waitFor); ; time.Sleep(100 * time.Millisecond) {
		if fb.incidentRuns(key) > 0 {
			if st = fb.state(key); len(st.Responders) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			h := fb.heartbeatHistory("watchdog")
			t.Fatalf("no incident engaged anyone in %s; heartbeat %+v; activities %q; timers %q", waitFor, fb.heartbeat("watchdog"), activities(h), timers(h))
		}
	}
	t.Logf("last ping to the first responder engaged: %s (deadline 3s)", time.Since(stopped).Round(time.Millisecond))
	require.Equal(t, "search", st.Service)
	require.Equal(t, "heartbeat", st.Source)
	require.Equal(t, "Heartbeat watchdog missed", st.Title)
	require.Equal(t, incident.Sev2, st.Severity, "core function degraded, no customers affected")
	require.Len(t, st.Alerts, 1)
	require.Equal(t, incident.AlertFiring, st.Alerts[0].Status)
	require.Eventually(t, func() bool { return len(fb.console.lines("PAGE", "Heartbeat watchdog missed")) > 0 }, waitFor, 100*time.Millisecond)
	hb := fb.heartbeat("watchdog")
	require.Equal(t, workflows.HeartbeatMissed, hb.Status)
	require.True(t, hb.AlertFiring)
	require.Equal(t, workflows.WorkflowID(key), hb.Incident)
	require.GreaterOrEqual(t, hb.MissedAt.Sub(hb.LastPing), 3*time.Second)

	// Pings resume: the same alert of the same incident resolves.
	status, _ := fb.ping("watchdog", alertmanagerToken)
	require.Equal(t, http.StatusAccepted, status)
	require.Eventually(t, func() bool { st = fb.state(key); return st.Alerts[0].Status == incident.AlertResolved }, waitFor, 100*time.Millisecond)
	require.Len(t, st.Alerts, 1, "missed and resumed are one alert")
	require.Equal(t, 2, st.Alerts[0].Count)
	require.Equal(t, 1, fb.incidentRuns(key))
	require.Eventually(t, func() bool { hb = fb.heartbeat("watchdog"); return !hb.AlertFiring }, waitFor, 100*time.Millisecond)
	require.Equal(t, workflows.HeartbeatUp, hb.Status)

	h := fb.heartbeatHistory("watchdog")
	require.Equal(t, []string{
		"RaiseHeartbeatAlert: raise: heartbeat watchdog missed (no ping within 3s)",
		"ResolveHeartbeatAlert: resolve: heartbeat watchdog pings again",
	}, activities(h))
	require.Contains(t, timers(h), "ping deadline of watchdog (interval 2s + grace 1s)")
	if *record {
		data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
		require.NoError(t, err)
		dir := filepath.Join("..", "..", "workflows", "testdata", "histories", "heartbeat")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "stops-and-resumes.json"), data, 0o644))
	}
}

func TestHeartbeatPingsAreAuthenticatedAndNamed(t *testing.T) {
	fb := startFirebreak(t, options{config: heartbeatConfig(t)})
	tests := []struct {
		name   string
		target string
		token  string
		status int
		want   map[string]any
	}{
		{"unknown heartbeat", "watchdgo", alertmanagerToken, http.StatusNotFound, map[string]any{"error": `no heartbeat named "watchdgo" is configured`}},
		{"unknown heartbeat, wrong token", "watchdgo", "guess", http.StatusUnauthorized, map[string]any{"error": "missing or wrong bearer token"}},
		{"wrong token", "watchdog", genericToken, http.StatusUnauthorized,
			map[string]any{"error": "missing or wrong bearer token for heartbeat watchdog (the alertmanager integration's)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, answer := fb.ping(tt.target, tt.token)
			require.Equal(t, tt.status, status)
			require.Equal(t, tt.want, answer)
		})
	}
	_, err := fb.client.DescribeWorkflowExecution(context.Background(), workflows.HeartbeatWorkflowID("watchdog"), "")
	require.Error(t, err, "a refused ping starts nothing")
}
