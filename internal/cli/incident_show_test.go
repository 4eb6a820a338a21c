package cli

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdShow(t *testing.T) {
	testParse(t, newCmdShow, []parseCase[showOptions]{
		{name: "text", args: []string{"chk-1"}, want: showOptions{Key: "chk-1", Output: "text", Wait: testWait}},
		{name: "json", args: []string{"chk-1", "-o", "json"}, want: showOptions{Key: "chk-1", Output: "json", Wait: testWait}},
		{name: "workflow ID", args: []string{"incident-chk-1"}, want: showOptions{Key: "chk-1", Output: "text", Wait: testWait}},
		{name: "wait", args: []string{"chk-1", "--wait", "2s"}, want: showOptions{Key: "chk-1", Output: "text", Wait: 2 * time.Second}},
		{name: "negative wait", args: []string{"chk-1", "--wait", "-1s"}, wantErr: "invalid --wait -1s"},
		{name: "bad output", args: []string{"chk-1", "-o", "table"}, wantErr: `invalid --output "table"`},
		{name: "missing key", args: nil, wantErr: "accepts 1 arg(s), received 0"},
		{name: "invalid key", args: []string{"incident/1"}, wantErr: `"incident/1" is neither an incident key nor an incident workflow ID`},
	}, func(_ *testing.T, o *showOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

// showState is an acknowledged sev1 incident at its second escalation level.
func showState() workflows.State {
	at := func(min int) time.Time { return time.Date(2025, 3, 4, 10, min, 0, 0, time.UTC) }
	ackAt, due, commanderDue := at(4), at(20), at(30)
	return workflows.State{
		Key: "chk-1", WorkflowID: "incident-chk-1", Source: "cli", Service: "checkout", Type: "outage",
		Title: "Checkout returns 500s", StartedAt: at(0),
		Phase: incident.PhaseDelegate, Status: incident.StatusAcknowledged,
		Impact:          incident.Impact{CustomersAffected: "all", CoreDegraded: ptr(true)},
		Severity:        incident.Sev1,
		SeverityReasons: []string{"service down for all customers", "core functionality degraded"},
		Plan: incident.EngagementPlan{
			AckTimeouts:    []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute},
			ResponseTarget: 5 * time.Minute, ResolutionTarget: 4 * time.Hour,
		},
		Level: 2, AckDeadline: &due, CommanderDue: &commanderDue,
		Responders: []incident.Responder{
			{Person: "alice", Team: "payments", Level: 1, PagedAt: at(1), AcknowledgedAt: &ackAt},
			{Person: "dave", Team: "sre", Level: 2, PagedAt: at(6)},
		},
		AcknowledgedAt: &ackAt, AcknowledgedBy: "alice",
		Roles: map[incident.Role]string{incident.RoleTechLead: "alice"},
		Timeline: []incident.Entry{
			{At: at(0), Kind: "phase", Text: "detect"},
			{At: at(1), Kind: "page", Text: "paged alice (payments)"},
			{At: at(4), Kind: "ack", By: "alice", Text: "acknowledged by alice"},
		},
		Messages: []incident.Message{{Audience: incident.AudienceInternal, At: at(2), Text: "Checkout is down for all customers."}},
		Metrics:  incident.Metrics{TimeToAcknowledge: 4 * time.Minute, PagesSent: 2, EscalationsByDeadline: 1},
		Alerts: []incident.AlertRecord{{Fingerprint: "3c4f2b1a9e8d7c6b", Source: "alertmanager", Title: "Checkout error rate above 5%",
			Status: "firing", Count: 3, FirstSeen: at(0), LastSeen: at(3)}},
		AlertCount: 3,
	}
}

// resolvedState is showState resolved after 42 minutes, with both targets met.
func resolvedState() workflows.State {
	s := showState()
	resolved := s.StartedAt.Add(42 * time.Minute)
	s.Status, s.Phase, s.ResolvedAt, s.Resolution = incident.StatusResolved, incident.PhaseResolve, &resolved, "rolled back release 412"
	s.AckDeadline, s.CommanderDue = nil, nil
	s.Roles[incident.RoleCommander] = "bob"
	s.Metrics.TimeToResolve = 42 * time.Minute
	s.Metrics.ResponseTarget, s.Metrics.ResolutionTarget = 5*time.Minute, 4*time.Hour
	s.Metrics.ResponseTargetMet, s.Metrics.ResolutionTargetMet = ptr(true), ptr(true)
	s.Timeline = append(s.Timeline, incident.Entry{At: resolved, Kind: "resolve", By: "alice", Text: "resolved: rolled back release 412"})
	return s
}

func TestShowRun(t *testing.T) {
	tests := []struct {
		name     string
		state    workflows.State
		output   string
		queryErr error
		check    func(t *testing.T, out string)
		wantErr  string
	}{
		{
			name:   "report",
			state:  showState(),
			output: "text",
			check:  func(t *testing.T, out string) { golden(t, "show.golden", out) },
		},
		{
			name:   "resolved report",
			state:  resolvedState(),
			output: "text",
			check:  func(t *testing.T, out string) { golden(t, "show_resolved.golden", out) },
		},
		{
			name:   "json",
			state:  showState(),
			output: "json",
			check: func(t *testing.T, out string) {
				var got workflows.State
				require.NoError(t, json.Unmarshal([]byte(out), &got))
				require.Equal(t, showState(), got)
				require.Contains(t, out, "\n  \"key\": \"chk-1\",\n")
			},
		},
		{
			name:     "no such incident",
			output:   "text",
			queryErr: serviceerror.NewNotFound("workflow not found"),
			wantErr:  `show: no incident "chk-1"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			var value converter.EncodedValue
			if tt.queryErr == nil {
				payloads, err := converter.GetDefaultDataConverter().ToPayloads(tt.state)
				require.NoError(t, err)
				value = client.NewValue(payloads)
			}
			mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).Return(value, tt.queryErr)

			err := showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: tt.output, Wait: testWait})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, out.String())
		})
	}
}

// describedIncident is what Temporal knows of chk-1 without a worker: a running sev1 incident at
// escalation level 2 with a commander.
func describedIncident(t *testing.T) *workflowservice.DescribeWorkflowExecutionResponse {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	payload := func(v any) *commonpb.Payload {
		p, err := dc.ToPayload(v)
		require.NoError(t, err)
		return p
	}
	started := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: "incident-chk-1", RunId: "run-1"},
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		StartTime: timestamppb.New(started),
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			"IncidentService":         payload("checkout"),
			"IncidentType":            payload("outage"),
			"IncidentSeverity":        payload("sev1"),
			"IncidentStatus":          payload("acknowledged"),
			"IncidentPhase":           payload("delegate"),
			"IncidentCommander":       payload("bob"),
			"IncidentEscalationLevel": payload(int64(2)),
		}},
		Memo: &commonpb.Memo{Fields: map[string]*commonpb.Payload{
			"title":   payload("Checkout returns 500s"),
			"summary": payload("sev1 acknowledged, phase delegate, level 2 of 3, commander bob"),
		}},
	}}
}

func TestShowRunWithNoWorker(t *testing.T) {
	noAnswer := serviceerror.NewFailedPrecondition("no poller seen for task queue recently, worker may be down")
	tests := []struct {
		name     string
		queryErr error
		output   string
		check    func(t *testing.T, out string)
	}{
		{
			name:     "report",
			queryErr: noAnswer,
			output:   "text",
			check:    func(t *testing.T, out string) { golden(t, "show_no_worker.golden", out) },
		},
		{
			name:     "query runs out of time",
			queryErr: context.DeadlineExceeded,
			output:   "text",
			check:    func(t *testing.T, out string) { golden(t, "show_no_worker.golden", out) },
		},
		{
			name:     "json",
			queryErr: noAnswer,
			output:   "json",
			check: func(t *testing.T, out string) {
				require.JSONEq(t, `{
					"problem": "no worker is processing incidents: showing what Temporal's visibility knows",
					"key": "chk-1", "workflow_id": "incident-chk-1",
					"title": "Checkout returns 500s", "summary": "sev1 acknowledged, phase delegate, level 2 of 3, commander bob",
					"service": "checkout", "type": "outage", "severity": "sev1", "status": "acknowledged",
					"phase": "delegate", "level": 2, "commander": "bob", "workflow": "running",
					"started_at": "2026-12-01T09:00:00Z", "url": "http://ui.test/namespaces/default/workflows/incident-chk-1"
				}`, out)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, errOut := testIO("")
			f, mc := mockFactory(t, io)
			mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).Return(nil, tt.queryErr)
			mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(describedIncident(t), nil)

			err := showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: tt.output, Wait: testWait})
			require.NoError(t, err, "showing what Temporal knows is a success")
			require.Equal(t, "no worker is processing incidents: showing what Temporal's visibility knows\n", errOut.String())
			tt.check(t, out.String())
		})
	}
}

// TestShowRunBoundsTheQuery waits for real: with no worker the query is abandoned after --wait.
func TestShowRunBoundsTheQuery(t *testing.T) {
	io, out, errOut := testIO("")
	f, mc := mockFactory(t, io)
	const wait = 200 * time.Millisecond
	mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).
		Run(func(args mock.Arguments) { <-args.Get(0).(context.Context).Done() }).
		Return(nil, context.DeadlineExceeded)
	mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(describedIncident(t), nil)

	started := time.Now()
	require.NoError(t, showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: "text", Wait: wait}))
	require.WithinRange(t, time.Now(), started.Add(wait), started.Add(wait+time.Second))
	require.Contains(t, errOut.String(), "no worker is processing incidents")
	require.Contains(t, out.String(), "Checkout returns 500s")
}

func TestShowRunWithNoWorkerAndNoIncident(t *testing.T) {
	io, out, errOut := testIO("")
	f, mc := mockFactory(t, io)
	mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).Return(nil, context.DeadlineExceeded)
	mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(nil, serviceerror.NewNotFound("workflow not found"))

	err := showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: "text", Wait: testWait})
	require.EqualError(t, err, `show: no incident "chk-1"`)
	require.Empty(t, out.String())
	require.Empty(t, errOut.String())
}
