package statuspage

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func TestTemporalReaderList(t *testing.T) {
	c := mocks.NewClient(t)
	closed := t0.Add(time.Hour)
	row := func(id string, status enumspb.WorkflowExecutionStatus, memo map[string]*commonpb.Payload) *workflowpb.WorkflowExecutionInfo {
		info := &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: id},
			Status:    status,
			StartTime: timestamppb.New(t0),
			Memo:      &commonpb.Memo{Fields: memo},
			SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
				workflows.AttrService.GetName():  payload(t, "checkout"),
				workflows.AttrSeverity.GetName(): payload(t, "sev2"),
				workflows.AttrStatus.GetName():   payload(t, "resolved"),
			}},
		}
		if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			info.CloseTime = timestamppb.New(closed)
		}
		return info
	}
	since := t0.Add(-HistoryWindow)
	c.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
		return r.Namespace == "ops" && r.PageSize == 3 &&
			r.Query == "WorkflowType = 'Incident' AND ExecutionStatus != 'ContinuedAsNew' AND IncidentStatus = 'resolved' AND StartTime >= '"+since.Format(time.RFC3339Nano)+"'"
	})).Return(&workflowservice.ListWorkflowExecutionsResponse{Executions: []*workflowpb.WorkflowExecutionInfo{
		row("incident-a", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, map[string]*commonpb.Payload{"title": payload(t, "A")}),
		row("incident-b", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, map[string]*commonpb.Payload{"title": payload(t, "B"), "private": payload(t, true)}),
		row("incident-c", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, map[string]*commonpb.Payload{"private": payload(t, "yes")}),
		row("incident-d", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, nil),
	}}, nil)

	r := &TemporalReader{Client: c, Namespace: "ops"}
	rows, err := r.List(context.Background(), Resolved, since, 3)
	require.NoError(t, err)
	require.Equal(t, []Row{
		{Key: "a", Title: "A", Service: "checkout", Severity: "sev2", Status: "resolved", Running: true, StartedAt: t0},
		{Key: "b", Title: "B", Service: "checkout", Severity: "sev2", Status: "resolved", Private: true, StartedAt: t0, ClosedAt: &closed},
		{Key: "c", Service: "checkout", Severity: "sev2", Status: "resolved", Private: true, StartedAt: t0, ClosedAt: &closed},
	}, rows, "at most the limit; a private mark that is not a boolean still marks the incident private")
}

func TestTemporalReaderListsOpenRunningIncidents(t *testing.T) {
	c := mocks.NewClient(t)
	c.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
		return r.Namespace == "default" && r.Query == "WorkflowType = 'Incident' AND ExecutionStatus != 'ContinuedAsNew' AND "+
			"IncidentStatus IN ('triggered', 'acknowledged') AND ExecutionStatus = 'Running'"
	})).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil)
	rows, err := (&TemporalReader{Client: c}).List(context.Background(), Open, time.Time{}, 51)
	require.NoError(t, err)
	require.Empty(t, rows)
}

func TestTemporalReaderSummary(t *testing.T) {
	want := workflows.Summary{Key: "b", Severity: incident.Sev2, StartedAt: t0, ResolvedAt: t0.Add(time.Hour), Resolution: "reindexed"}
	result, err := converter.GetDefaultDataConverter().ToPayloads(want)
	require.NoError(t, err)

	c := mocks.NewClient(t)
	completed := mocks.NewHistoryEventIterator(t)
	completed.On("HasNext").Return(true).Once()
	completed.On("Next").Return(&historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
		WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{Result: result},
	}}, nil).Once()
	c.On("GetWorkflowHistory", mock.Anything, "incident-b", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT).Return(completed).Once()

	terminated := mocks.NewHistoryEventIterator(t)
	terminated.On("HasNext").Return(true).Once()
	terminated.On("Next").Return(&historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionTerminatedEventAttributes{
		WorkflowExecutionTerminatedEventAttributes: &historypb.WorkflowExecutionTerminatedEventAttributes{Reason: "cleanup"},
	}}, nil).Once()
	terminated.On("HasNext").Return(false).Once()
	c.On("GetWorkflowHistory", mock.Anything, "incident-t", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT).Return(terminated).Once()

	r := &TemporalReader{Client: c}
	got, err := r.Summary(context.Background(), "b")
	require.NoError(t, err)
	require.Equal(t, want.Resolution, got.Resolution)
	require.True(t, want.ResolvedAt.Equal(got.ResolvedAt))
	_, err = r.Summary(context.Background(), "t")
	require.ErrorIs(t, err, errNotCompleted)
}

func TestTemporalReaderState(t *testing.T) {
	c := mocks.NewClient(t)
	value := mocks.NewEncodedValue(t)
	value.On("Get", mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(0).(*incident.State) = incident.State{Key: "a", Private: true}
	}).Return(nil)
	c.On("QueryWorkflow", mock.Anything, "incident-a", "", workflows.QueryState).Return(value, nil)
	s, err := (&TemporalReader{Client: c}).State(context.Background(), "a")
	require.NoError(t, err)
	require.True(t, s.Private)
}
