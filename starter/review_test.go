package starter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	updatepb "go.temporal.io/api/update/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/review"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// escalation is the recorded history of an incident that escalated, changed severity and was
// resolved, in one run.
func escalation(t *testing.T) []*historypb.HistoryEvent {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "workflows", "testdata", "histories", "escalation.json"))
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return h.GetEvents()
}

func payloads(t *testing.T, v any) *commonpb.Payloads {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	require.NoError(t, err)
	return p
}

var runTwoAt = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

// update returns the accepted and completed events of one update, at seconds after runTwoAt.
func update(t *testing.T, id int64, seconds int, name string, arg any, outcome string) []*historypb.HistoryEvent {
	t.Helper()
	at := timestamppb.New(runTwoAt.Add(time.Duration(seconds) * time.Second))
	updateID := fmt.Sprintf("u%d", id)
	return []*historypb.HistoryEvent{
		{EventId: id, EventTime: at, EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionUpdateAcceptedEventAttributes{WorkflowExecutionUpdateAcceptedEventAttributes: &historypb.WorkflowExecutionUpdateAcceptedEventAttributes{
				ProtocolInstanceId: updateID,
				AcceptedRequest:    &updatepb.Request{Input: &updatepb.Input{Name: name, Args: payloads(t, arg)}},
			}}},
		{EventId: id + 1, EventTime: at, EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionUpdateCompletedEventAttributes{WorkflowExecutionUpdateCompletedEventAttributes: &historypb.WorkflowExecutionUpdateCompletedEventAttributes{
				Meta:    &updatepb.Meta{UpdateId: updateID},
				Outcome: &updatepb.Outcome{Value: &updatepb.Outcome_Success{Success: payloads(t, workflows.Outcome{Text: outcome})}},
			}}},
	}
}

// carriedRun is a run that continued an incident as new from previous: it starts carrying the
// state, and a responder names a commander in it.
func carriedRun(t *testing.T, previous string, carried *incident.State) []*historypb.HistoryEvent {
	t.Helper()
	at := func(s int) *timestamppb.Timestamp {
		return timestamppb.New(runTwoAt.Add(time.Duration(s) * time.Second))
	}
	in := workflows.IncidentInput{Key: "search-2", Service: "search", Title: "Search is slow", Carried: carried}
	return []*historypb.HistoryEvent{
		{EventId: 1, EventTime: at(0), EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
				WorkflowType: &commonpb.WorkflowType{Name: workflows.IncidentWorkflowName}, Input: payloads(t, in), ContinuedExecutionRunId: previous,
			}}},
		{EventId: 2, EventTime: at(0), EventType: enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED},
		{EventId: 5, EventTime: at(60), EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionUpdateAcceptedEventAttributes{WorkflowExecutionUpdateAcceptedEventAttributes: &historypb.WorkflowExecutionUpdateAcceptedEventAttributes{
				ProtocolInstanceId: "u1",
				AcceptedRequest: &updatepb.Request{Input: &updatepb.Input{Name: workflows.UpdateAssign,
					Args: payloads(t, workflows.AssignRequest{By: "lena", Role: incident.RoleCommander, Person: "bob"})}},
			}}},
		{EventId: 6, EventTime: at(61), EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionUpdateCompletedEventAttributes{WorkflowExecutionUpdateCompletedEventAttributes: &historypb.WorkflowExecutionUpdateCompletedEventAttributes{
				Meta:    &updatepb.Meta{UpdateId: "u1"},
				Outcome: &updatepb.Outcome{Value: &updatepb.Outcome_Success{Success: payloads(t, workflows.Outcome{Text: "bob is commander (assigned by lena)"})}},
			}}},
	}
}

func TestReviewInputAcrossRuns(t *testing.T) {
	first := escalation(t)
	carried := &incident.State{Key: "search-2"}
	second := carriedRun(t, "run-1", carried)
	second = append(second, update(t, 7, 120, workflows.UpdateFollowUp, workflows.FollowUpRequest{By: "lena", Owner: "kenji", Text: "alert on index lag"}, "follow-up 1 added for kenji")...)
	second = append(second, update(t, 9, 180, workflows.UpdateFollowUp, workflows.FollowUpRequest{By: "lena", Owner: "ana", Text: "rebuild runbook"}, "follow-up 2 added for ana")...)
	second = append(second, update(t, 11, 240, workflows.UpdateCloseReview, workflows.CloseReviewRequest{By: "lena", Summary: "two actions"}, "review closed")...)
	h := starter.ReviewHistory{WorkflowID: "incident-search-2", Runs: []starter.ReviewRun{
		{RunID: "run-1", Events: first}, {RunID: "run-2", Events: second},
	}}
	in, err := starter.ReviewInput(h, nil, runTwoAt.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"run-1", "run-2"}, in.Runs)
	require.Equal(t, "Search is slow", in.Title, "the incident's facts come from the run that opened it")
	require.Equal(t, first[0].GetEventTime().AsTime(), in.StartedAt)
	require.Equal(t, []review.RoleChange{{At: runTwoAt.Add(61 * time.Second), Role: incident.RoleCommander, Person: "bob", By: "lena"}}, in.Roles)
	require.Equal(t, []review.Action{
		{ID: 1, At: runTwoAt.Add(120 * time.Second), By: "lena", Owner: "kenji", Text: "alert on index lag"},
		{ID: 2, At: runTwoAt.Add(180 * time.Second), By: "lena", Owner: "ana", Text: "rebuild runbook"},
	}, in.Actions)
	require.Equal(t, &review.Resolution{At: runTwoAt.Add(240 * time.Second), By: "lena", Summary: "two actions"}, in.ReviewClosed)
	last := in.Timeline[len(in.Timeline)-1]
	require.Equal(t, review.Entry{Run: 1, EventID: 12, At: runTwoAt.Add(240 * time.Second), Event: "WorkflowExecutionUpdateCompleted",
		Text: "review closed"}, last)
	require.Equal(t, len(first)+len(second), len(in.Timeline)+in.Omitted, "every event of every run is on the timeline or counted as bookkeeping")
}

func TestReviewInputRejects(t *testing.T) {
	_, err := starter.ReviewInput(starter.ReviewHistory{WorkflowID: "incident-x"}, nil, runTwoAt)
	require.EqualError(t, err, "review: the incident has no history")

	events := escalation(t)
	broken := &historypb.HistoryEvent{EventId: 200, EventTime: timestamppb.New(runTwoAt), EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
		Attributes: &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{
			SignalName: workflows.SignalAlerts, Input: payloads(t, "not a batch"),
		}}}
	_, err = starter.ReviewInput(starter.ReviewHistory{Runs: []starter.ReviewRun{{RunID: "r", Events: append(events, broken)}}}, nil, runTwoAt)
	require.ErrorContains(t, err, "review: run r, event 200: decode alerts")
}

// approvalMarker is the marker a runbook run records when the approval policy decides a step.
func approvalMarker(t *testing.T, id int64, out activities.ApprovalOutcome) *historypb.HistoryEvent {
	t.Helper()
	return &historypb.HistoryEvent{EventId: id, EventTime: timestamppb.New(runTwoAt), EventType: enumspb.EVENT_TYPE_MARKER_RECORDED,
		Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
			MarkerName: "LocalActivity",
			Details: map[string]*commonpb.Payloads{
				"data":   payloads(t, map[string]any{"ActivityID": "3", "ActivityType": "DecideApproval"}),
				"result": payloads(t, out),
			},
		}}}
}

func TestReviewInputReadsRunbookApprovals(t *testing.T) {
	h := starter.ReviewHistory{WorkflowID: "incident-search-2", Runs: []starter.ReviewRun{{RunID: "run-1", Events: escalation(t)}},
		Runbooks: map[string][]*historypb.HistoryEvent{"runbook-search-2-rollback-1": {
			approvalMarker(t, 12, activities.ApprovalOutcome{
				Decision: policies.ApprovalDecision{Needed: true, Count: 1, WaitSeconds: 600, OnTimeout: "escalate", Reasons: []string{"mutating step in production"}},
				Eligible: []string{"lena"}, Input: map[string]any{"action": "aws.ecs.rollback"}, PolicyRevision: "sha256:abc",
			}),
		}},
	}
	in, err := starter.ReviewInput(h, nil, runTwoAt)
	require.NoError(t, err)
	last := in.Decisions[len(in.Decisions)-1]
	require.Equal(t, review.Decision{
		At: runTwoAt, Run: -1, EventID: 12, Workflow: "runbook-search-2-rollback-1", Policy: review.PolicyApproval,
		Outcome: "aws.ecs.rollback: 1 approval(s) from lena within 600s, then escalate", Reasons: []string{"mutating step in production"}, Revision: "sha256:abc",
	}, last)
}

// iterator is a history event iterator over events in memory.
type iterator struct{ events []*historypb.HistoryEvent }

func (it *iterator) HasNext() bool { return len(it.events) > 0 }

func (it *iterator) Next() (*historypb.HistoryEvent, error) {
	e := it.events[0]
	it.events = it.events[1:]
	return e, nil
}

func TestReviewHistoryWalksBackToTheRunThatOpenedTheIncident(t *testing.T) {
	tests := []struct {
		name     string
		carried  *incident.State
		wantRuns []string
	}{
		{name: "continued as new carrying the state", carried: &incident.State{Key: "search-2"}, wantRuns: []string{"run-1", "run-2"}},
		{name: "a new incident after a resolved one", wantRuns: []string{"run-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mc := mocks.NewClient(t)
			c := &starter.Client{Temporal: mc}
			mc.On("DescribeWorkflowExecution", mock.Anything, "incident-search-2", "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
				WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: "incident-search-2", RunId: "run-2"}},
			}, nil)
			serve := func(run string, events []*historypb.HistoryEvent) {
				mc.On("GetWorkflowHistory", mock.Anything, "incident-search-2", run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).
					Return(func(context.Context, string, string, bool, enumspb.HistoryEventFilterType) client.HistoryEventIterator {
						return &iterator{events: events}
					})
			}
			child := &commonpb.WorkflowExecution{WorkflowId: "runbook-search-2-rollback-1", RunId: "child-run"}
			second := append(carriedRun(t, "run-1", tt.carried), &historypb.HistoryEvent{EventId: 7, EventTime: timestamppb.New(runTwoAt),
				EventType: enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
				Attributes: &historypb.HistoryEvent_ChildWorkflowExecutionStartedEventAttributes{ChildWorkflowExecutionStartedEventAttributes: &historypb.ChildWorkflowExecutionStartedEventAttributes{
					WorkflowExecution: child,
				}}})
			serve("run-2", second)
			if tt.carried != nil {
				serve("run-1", escalation(t))
			}
			marker := approvalMarker(t, 12, activities.ApprovalOutcome{PolicyRevision: "sha256:abc"})
			mc.On("GetWorkflowHistory", mock.Anything, child.WorkflowId, child.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).
				Return(func(context.Context, string, string, bool, enumspb.HistoryEventFilterType) client.HistoryEventIterator {
					return &iterator{events: []*historypb.HistoryEvent{marker}}
				})
			h, err := c.ReviewHistory(context.Background(), "search-2")
			require.NoError(t, err)
			var runs []string
			for _, r := range h.Runs {
				runs = append(runs, r.RunID)
			}
			require.Equal(t, tt.wantRuns, runs)
			require.Len(t, h.Runbooks["runbook-search-2-rollback-1"], 1, "the runbook run's history is read for its approvals")
		})
	}
}
