package workflows_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

var heartbeatStart = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// delivered is one heartbeat alert as the intake saw it, at the test clock's offset from the start.
type delivered struct {
	at     time.Duration
	status string
}

// fakeIntake records the alerts the heartbeat activities deliver, and fails while told to. It
// stands in for the routing policy and the incident's signal-with-start, which the e2e test runs.
type fakeIntake struct {
	mu        sync.Mutex
	env       *testsuite.TestWorkflowEnvironment
	alerts    []incident.Alert
	at        []delivered
	failUntil time.Duration
}

func (f *fakeIntake) Submit(_ context.Context, a incident.Alert) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	at := f.env.Now().Sub(heartbeatStart)
	if at < f.failUntil {
		return "", errors.New("temporal unavailable")
	}
	f.alerts = append(f.alerts, a)
	f.at = append(f.at, delivered{at: at, status: a.Status})
	return "incident-alert-0123456789abcdef", nil
}

func (f *fakeIntake) deliveries() []delivered {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]delivered(nil), f.at...)
}

// heartbeatDirectory is the worker's configuration of heartbeats; remove takes one out.
type heartbeatDirectory struct {
	mu    sync.Mutex
	beats map[string]activities.Heartbeat
}

func (d *heartbeatDirectory) Heartbeat(name string) (activities.Heartbeat, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	hb, ok := d.beats[name]
	return hb, ok
}

func (d *heartbeatDirectory) remove(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.beats, name)
}

// heartbeatHarness runs the heartbeat workflow with the real heartbeat activities on the
// time-skipping test server; the alert intake and the configuration are fakes.
type heartbeatHarness struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	intake *fakeIntake
	dir    *heartbeatDirectory
}

func newHeartbeatHarness(t *testing.T, start time.Time) *heartbeatHarness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	h := &heartbeatHarness{t: t, env: env, intake: &fakeIntake{env: env}, dir: &heartbeatDirectory{beats: map[string]activities.Heartbeat{
		"watchdog": {Name: "watchdog", Service: "reports", Title: "Heartbeat watchdog missed", Impact: map[string]any{"customers_affected": "none"}},
	}}}
	env.RegisterWorkflowWithOptions(workflows.Heartbeat, workflow.RegisterOptions{Name: workflows.HeartbeatWorkflowName})
	env.RegisterActivityWithOptions(&activities.Activities{Heartbeats: h.dir, Alerts: h.intake}, activity.RegisterOptions{})
	return h
}

// ping sends a ping at start+d; a zero ping keeps the heartbeat's timing.
func (h *heartbeatHarness) ping(d time.Duration, p workflows.HeartbeatPing) {
	h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(workflows.SignalHeartbeatPing, p) }, d)
}

func (h *heartbeatHarness) state() workflows.HeartbeatState {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(workflows.QueryHeartbeat)
	require.NoError(h.t, err)
	var s workflows.HeartbeatState
	require.NoError(h.t, v.Get(&s))
	return s
}

// watchdog is a heartbeat due within 1m30s of each ping.
var watchdog = workflows.HeartbeatInput{Name: "watchdog", Interval: time.Minute, Grace: 30 * time.Second}

func every(step time.Duration, n int, from time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = from + time.Duration(i)*step
	}
	return out
}

func TestHeartbeat(t *testing.T) {
	notConfigured := "heartbeat watchdog missed but is not in the worker's configuration: it is no longer watched"
	tests := []struct {
		name string
		// pings at these offsets from the start; the first, at 0, is the one that starts it
		pings []time.Duration
		// the heartbeat leaves the worker's configuration at this offset
		removeAt time.Duration
		want     []delivered
		// ended is when the workflow ended, as an offset from the start
		ended time.Duration
	}{
		{
			name:  "pings just in time keep it quiet",
			pings: every(89*time.Second, 10, 0), removeAt: 14 * time.Minute,
			want:  nil,
			ended: 9*89*time.Second + 90*time.Second,
		},
		{
			name:  "a heartbeat that stops is raised, and resolved when it resumes",
			pings: []time.Duration{0, time.Minute, 2 * time.Minute, 10 * time.Minute}, removeAt: 11 * time.Minute,
			want: []delivered{
				{2*time.Minute + 90*time.Second, incident.AlertFiring},
				{10 * time.Minute, incident.AlertResolved},
			},
			ended: 10*time.Minute + 90*time.Second,
		},
		{
			name:  "a ping one second late resolves what the deadline raised",
			pings: []time.Duration{0, 91 * time.Second}, removeAt: 2 * time.Minute,
			want: []delivered{
				{90 * time.Second, incident.AlertFiring},
				{91 * time.Second, incident.AlertResolved},
			},
			ended: 181 * time.Second,
		},
		{
			name:  "a heartbeat silent for days is raised again every day",
			pings: []time.Duration{0}, removeAt: 30 * time.Hour,
			want: []delivered{
				{90 * time.Second, incident.AlertFiring},
				{24*time.Hour + 90*time.Second, incident.AlertFiring},
			},
			ended: 48*time.Hour + 90*time.Second,
		},
		{
			name:  "a heartbeat removed while up ends at its deadline without an alert",
			pings: []time.Duration{0, time.Minute}, removeAt: 2 * time.Minute,
			want:  nil,
			ended: 150 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHeartbeatHarness(t, heartbeatStart)
			for _, d := range tt.pings {
				h.ping(d, workflows.HeartbeatPing{Interval: time.Minute, Grace: 30 * time.Second})
			}
			h.env.RegisterDelayedCallback(func() { h.dir.remove("watchdog") }, tt.removeAt)
			h.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, watchdog)

			require.True(t, h.env.IsWorkflowCompleted())
			require.NoError(t, h.env.GetWorkflowError())
			var result workflows.HeartbeatResult
			require.NoError(t, h.env.GetWorkflowResult(&result))
			require.Equal(t, workflows.HeartbeatResult{Name: "watchdog", Ended: notConfigured}, result)
			require.Equal(t, tt.ended, h.env.Now().Sub(heartbeatStart), "ended")
			require.Equal(t, tt.want, h.intake.deliveries())
			s := h.state()
			require.Equal(t, len(tt.pings), s.Pings)
		})
	}
}

func TestHeartbeatAlertIsOneAlertFromMissToResumption(t *testing.T) {
	h := newHeartbeatHarness(t, heartbeatStart)
	h.ping(0, workflows.HeartbeatPing{})
	h.ping(5*time.Minute, workflows.HeartbeatPing{})
	h.env.RegisterDelayedCallback(func() {
		s := h.state()
		require.Equal(t, workflows.HeartbeatMissed, s.Status)
		require.True(t, s.AlertFiring)
		require.Equal(t, "incident-alert-0123456789abcdef", s.Incident)
		require.Equal(t, heartbeatStart.Add(90*time.Second), *s.MissedAt)
		require.Nil(t, s.Due)
	}, 4*time.Minute)
	h.env.RegisterDelayedCallback(func() {
		s := h.state()
		require.Equal(t, workflows.HeartbeatUp, s.Status)
		require.False(t, s.AlertFiring)
		require.Equal(t, heartbeatStart.Add(6*time.Minute+30*time.Second), *s.Due)
		h.dir.remove("watchdog")
	}, 6*time.Minute)
	h.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, watchdog)
	require.NoError(t, h.env.GetWorkflowError())

	require.Len(t, h.intake.alerts, 2)
	firing, resolved := h.intake.alerts[0], h.intake.alerts[1]
	require.Equal(t, incident.Alert{
		Source: "heartbeat", Fingerprint: "heartbeat/watchdog", GroupKey: "heartbeat/watchdog", Status: incident.AlertFiring,
		Title: "Heartbeat watchdog missed", Service: "reports", Labels: map[string]string{"heartbeat": "watchdog"},
		Annotations: map[string]string{"description": "No ping from heartbeat watchdog since 2026-12-01T10:00:00Z: one was due within 1m30s."},
		Impact:      map[string]any{"customers_affected": "none"},
		StartsAt:    heartbeatStart.Add(90 * time.Second),
	}, firing)
	require.Equal(t, incident.AlertResolved, resolved.Status)
	require.Equal(t, firing.Fingerprint, resolved.Fingerprint, "missed and resumed are the same alert")
	require.Equal(t, firing.GroupKey, resolved.GroupKey, "of the same incident")
	require.Equal(t, heartbeatStart.Add(5*time.Minute), resolved.EndsAt)
	require.Equal(t, "Heartbeat watchdog pinged again at 2026-12-01T10:05:00Z, after no ping from 2026-12-01T10:00:00Z.", resolved.Annotations["description"])
}

func TestHeartbeatPingChangesTheTiming(t *testing.T) {
	h := newHeartbeatHarness(t, heartbeatStart)
	h.ping(0, workflows.HeartbeatPing{})
	h.ping(time.Minute, workflows.HeartbeatPing{Interval: 10 * time.Minute, Grace: 0})
	h.ping(2*time.Minute, workflows.HeartbeatPing{Interval: time.Millisecond, Grace: 0}) // out of range: ignored
	h.env.RegisterDelayedCallback(func() { h.dir.remove("watchdog") }, 13*time.Minute)
	h.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, watchdog)
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, []delivered{{12 * time.Minute, incident.AlertFiring}}, h.intake.deliveries(),
		"the last valid timing (10m, no grace) counts from the last ping")
}

func TestHeartbeatAlertDeliveryIsRetried(t *testing.T) {
	h := newHeartbeatHarness(t, heartbeatStart)
	h.intake.failUntil = 20 * time.Minute // longer than the activity's 10 minutes of retries
	h.ping(0, workflows.HeartbeatPing{})
	var failed workflows.HeartbeatState
	h.env.RegisterDelayedCallback(func() { failed = h.state() }, 12*time.Minute)
	h.env.RegisterDelayedCallback(func() { h.dir.remove("watchdog") }, 30*time.Minute)
	h.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, watchdog)
	require.NoError(t, h.env.GetWorkflowError())

	require.Contains(t, failed.Problem, "raise heartbeat watchdog: temporal unavailable")
	require.False(t, failed.AlertFiring)
	require.NotNil(t, failed.RetryAt)
	got := h.intake.deliveries()
	require.Len(t, got, 1, "raised once, when the intake came back")
	require.Equal(t, incident.AlertFiring, got[0].status)
	require.GreaterOrEqual(t, got[0].at, 20*time.Minute)
	require.Less(t, got[0].at, 26*time.Minute)
}

func TestHeartbeatContinuesAsNewKeepingItsDeadline(t *testing.T) {
	in := watchdog
	in.PingsPerRun = 3
	first := newHeartbeatHarness(t, heartbeatStart)
	for _, d := range []time.Duration{0, 30 * time.Second, time.Minute} {
		first.ping(d, workflows.HeartbeatPing{})
	}
	first.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, in)
	var next *workflow.ContinueAsNewError
	require.True(t, errors.As(first.env.GetWorkflowError(), &next), "got %v", first.env.GetWorkflowError())
	require.Equal(t, time.Minute, first.env.Now().Sub(heartbeatStart), "continued as new at the third ping")
	var carried workflows.HeartbeatInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &carried))
	require.Equal(t, 3, carried.PingsPerRun)
	require.NotNil(t, carried.Carried)
	require.Equal(t, heartbeatStart.Add(time.Minute), carried.Carried.LastPing)
	require.Equal(t, 3, carried.Carried.Pings)

	// The next run starts later and still raises the alert 1m30s after the last ping, then
	// resolves it on the next ping.
	second := newHeartbeatHarness(t, heartbeatStart.Add(70*time.Second))
	second.ping(5*time.Minute, workflows.HeartbeatPing{})
	second.env.RegisterDelayedCallback(func() { second.dir.remove("watchdog") }, 6*time.Minute)
	second.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, carried)
	require.NoError(t, second.env.GetWorkflowError())
	require.Equal(t, []delivered{
		{150 * time.Second, incident.AlertFiring},
		{70*time.Second + 5*time.Minute, incident.AlertResolved},
	}, second.intake.deliveries())
	require.Equal(t, 4, second.state().Pings)
}

func TestHeartbeatMissedContinuesAsNewStillFiring(t *testing.T) {
	in := watchdog
	in.PingsPerRun = 2
	h := newHeartbeatHarness(t, heartbeatStart)
	h.ping(0, workflows.HeartbeatPing{})
	h.ping(10*time.Minute, workflows.HeartbeatPing{})
	h.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, in)
	var next *workflow.ContinueAsNewError
	require.True(t, errors.As(h.env.GetWorkflowError(), &next), "got %v", h.env.GetWorkflowError())
	var carried workflows.HeartbeatInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &carried))
	require.Equal(t, workflows.HeartbeatUp, carried.Carried.Status)
	require.False(t, carried.Carried.AlertFiring, "resolved before continuing as new")
	require.Equal(t, []delivered{{90 * time.Second, incident.AlertFiring}, {10 * time.Minute, incident.AlertResolved}}, h.intake.deliveries())
}

func TestHeartbeatCancelled(t *testing.T) {
	h := newHeartbeatHarness(t, heartbeatStart)
	h.ping(0, workflows.HeartbeatPing{})
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 10*time.Minute)
	h.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, watchdog)
	var canceled *temporal.CanceledError
	require.True(t, errors.As(h.env.GetWorkflowError(), &canceled), "got %v", h.env.GetWorkflowError())
	require.Len(t, h.intake.deliveries(), 1, "raised once before the cancellation")
}

func TestHeartbeatRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		in   workflows.HeartbeatInput
	}{
		{"no name", workflows.HeartbeatInput{Interval: time.Minute}},
		{"interval too short", workflows.HeartbeatInput{Name: "watchdog", Interval: time.Millisecond}},
		{"negative grace", workflows.HeartbeatInput{Name: "watchdog", Interval: time.Minute, Grace: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHeartbeatHarness(t, heartbeatStart)
			h.env.ExecuteWorkflow(workflows.HeartbeatWorkflowName, tt.in)
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(h.env.GetWorkflowError(), &appErr), "got %v", h.env.GetWorkflowError())
			require.Equal(t, activities.ErrBadInput, appErr.Type())
		})
	}
}

// TestReplayHeartbeatHistories replays heartbeat histories recorded on the real server by
// `go test ./test/e2e -run Heartbeat -record`, so that a change to the heartbeat workflow that
// would break running heartbeats fails here.
func TestReplayHeartbeatHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "heartbeat", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflows.Heartbeat, workflow.RegisterOptions{Name: workflows.HeartbeatWorkflowName})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
