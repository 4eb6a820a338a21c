package cli

import (
	"context"
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
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/firebreak-dev/firebreak/workflows"
)

// The clock and wait of every responder run in these tests, and the expiry they give an update.
var (
	testNow    = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	testExpiry = workflows.Expiry{Expires: testNow.Add(testWait)}
)

const testWait = 10 * time.Second

// expectUpdate makes the mock client accept one update and answer it with out, or fail with err
// before the update is accepted. Either way it checks that the client waits for a worker at most
// testWait.
func expectUpdate(t *testing.T, mc *mocks.Client, key, name string, req any, out workflows.Outcome, err error) {
	t.Helper()
	bounded := func(args mock.Arguments) {
		deadline, ok := args.Get(0).(context.Context).Deadline()
		require.True(t, ok, "the update waits for a worker without a bound")
		require.WithinDuration(t, time.Now().Add(testWait), deadline, time.Second)
	}
	if err != nil {
		mc.On("UpdateWorkflow", mock.Anything, updateOptions(key, name, req)).Run(bounded).Return(nil, err)
		return
	}
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.AnythingOfType("*workflows.Outcome")).
		Run(func(args mock.Arguments) { *args.Get(1).(*workflows.Outcome) = out }).
		Return(nil)
	mc.On("UpdateWorkflow", mock.Anything, updateOptions(key, name, req)).Run(bounded).Return(handle, nil)
}

// expectDescribe makes the mock client describe incident chk-1's workflow as closed with status
// at closedAt, or fail with err.
func expectDescribe(mc *mocks.Client, status enumspb.WorkflowExecutionStatus, closedAt time.Time, err error) {
	if err != nil {
		mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(nil, err)
		return
	}
	mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: "incident-chk-1", RunId: "run-1"},
			Status:    status,
			StartTime: timestamppb.New(closedAt.Add(-time.Hour)),
			CloseTime: timestamppb.New(closedAt),
		},
	}, nil)
}

// updateCase is one run of a responder command: the error the update fails with, if any, what
// else the mock client must answer, and either what the command must print or the error it must
// return.
type updateCase struct {
	name      string
	updateErr error
	expect    func(t *testing.T, mc *mocks.Client)
	want      string
	wantErr   string
}

// answerCases are the answers every responder command gives when its update does not go through:
// no worker, a closed incident, an unknown one, an open but resolved one.
func answerCases(name string) []updateCase {
	resolvedAt := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	closedAt := resolvedAt.Add(72 * time.Hour)
	return []updateCase{
		{
			name:      "no worker accepts it in time",
			updateErr: client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded),
			wantErr:   "no worker is processing incidents: the update was not applied",
		},
		{
			name:      "resolved and closed",
			updateErr: serviceerror.NewNotFound("workflow execution already completed"),
			expect: func(t *testing.T, mc *mocks.Client) {
				expectDescribe(mc, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, closedAt, nil)
				run := mocks.NewWorkflowRun(t)
				run.On("Get", mock.Anything, mock.AnythingOfType("*workflows.Summary")).
					Run(func(args mock.Arguments) { args.Get(1).(*workflows.Summary).ResolvedAt = resolvedAt }).
					Return(nil)
				mc.On("GetWorkflow", mock.Anything, "incident-chk-1", "run-1").Return(run)
			},
			wantErr: "incident chk-1 is resolved and closed (resolved 2026-12-01T10:00:00Z); nothing was changed",
		},
		{
			name:      "resolved and closed, with no summary to read",
			updateErr: serviceerror.NewNotFound("workflow execution already completed"),
			expect: func(t *testing.T, mc *mocks.Client) {
				expectDescribe(mc, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, closedAt, nil)
				run := mocks.NewWorkflowRun(t)
				run.On("Get", mock.Anything, mock.Anything).Return(serviceerror.NewNotFound("history gone"))
				mc.On("GetWorkflow", mock.Anything, "incident-chk-1", "run-1").Return(run)
			},
			wantErr: "incident chk-1 is resolved and closed (resolved 2026-12-04T10:00:00Z); nothing was changed",
		},
		{
			name:      "terminated",
			updateErr: serviceerror.NewNotFound("workflow execution already completed"),
			expect: func(_ *testing.T, mc *mocks.Client) {
				expectDescribe(mc, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, closedAt, nil)
			},
			wantErr: "incident chk-1 is closed (terminated 2026-12-04T10:00:00Z); nothing was changed",
		},
		{
			name:      "no such incident",
			updateErr: serviceerror.NewNotFound("workflow not found"),
			expect: func(_ *testing.T, mc *mocks.Client) {
				expectDescribe(mc, 0, time.Time{}, serviceerror.NewNotFound("workflow not found"))
			},
			wantErr: name + `: no incident "chk-1"`,
		},
		{
			name:      "resolved, in its review window",
			updateErr: temporal.NewApplicationError("the incident is resolved", "Rejected"),
			wantErr:   name + " rejected: the incident is resolved",
		},
	}
}

// testUpdateRun runs each case, and then answerCases, as a subtest in which alice acts on
// incident chk-1 through run, which wraps the shared options in the command's own. The mock
// client expects the update name with req (which carries testExpiry), and answers it with out or
// fails it with the case's updateErr. A case with wantErr must return exactly that error and
// print nothing; any other must print want.
func testUpdateRun(t *testing.T, name string, req any, out workflows.Outcome, run func(context.Context, responderOptions) error, cases []updateCase) {
	t.Helper()
	for _, tt := range append(cases, answerCases(name)...) {
		t.Run(tt.name, func(t *testing.T) {
			io, stdout, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", name, req, out, tt.updateErr)
			if tt.expect != nil {
				tt.expect(t, mc)
			}

			err := run(context.Background(), responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice",
				Wait: testWait, Now: func() time.Time { return testNow }})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.Empty(t, stdout.String())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, stdout.String())
		})
	}
}

// TestSendUpdateGivesUpAfterWait waits for real: with no worker, the update is abandoned once
// --wait has passed and the responder hears that it was not applied.
func TestSendUpdateGivesUpAfterWait(t *testing.T) {
	io, stdout, _ := testIO("")
	f, mc := mockFactory(t, io)
	const wait = 200 * time.Millisecond
	req := workflows.AckRequest{By: "alice", Expiry: workflows.Expiry{Expires: testNow.Add(wait)}}
	var handle client.WorkflowUpdateHandle
	mc.On("UpdateWorkflow", mock.Anything, updateOptions("chk-1", workflows.UpdateAcknowledge, req)).
		Run(func(args mock.Arguments) { <-args.Get(0).(context.Context).Done() }). // no worker: the server holds on
		Return(handle, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded))

	started := time.Now()
	err := ackRun(context.Background(), &ackOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice",
		Wait: wait, Now: func() time.Time { return testNow }}})
	require.EqualError(t, err, "no worker is processing incidents: the update was not applied")
	require.WithinRange(t, time.Now(), started.Add(wait), started.Add(wait+time.Second))
	require.Empty(t, stdout.String())
}

// TestSendUpdateAcceptedButUnfinished: a worker accepted the update but its outcome did not come
// within --wait; the responder hears that it will still be applied.
func TestSendUpdateAcceptedButUnfinished(t *testing.T) {
	io, _, _ := testIO("")
	f, mc := mockFactory(t, io)
	const wait = 100 * time.Millisecond
	req := workflows.ResolveRequest{By: "alice", Summary: "rolled back", Expiry: workflows.Expiry{Expires: testNow.Add(wait)}}
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.Anything).
		Run(func(args mock.Arguments) { <-args.Get(0).(context.Context).Done() }).
		Return(context.DeadlineExceeded)
	mc.On("UpdateWorkflow", mock.Anything, updateOptions("chk-1", workflows.UpdateResolve, req)).Return(handle, nil)

	err := resolveRun(context.Background(), &resolveOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice",
		Wait: wait, Now: func() time.Time { return testNow }}, "rolled back"})
	require.EqualError(t, err, "resolve incident chk-1: a worker accepted the update but it did not finish within 100ms; "+
		"it will still be applied: see `firebreak incident show chk-1`")
}

// TestSendUpdateInterrupted: Ctrl-C while waiting is an interruption, not a missing worker.
func TestSendUpdateInterrupted(t *testing.T) {
	io, _, _ := testIO("")
	f, mc := mockFactory(t, io)
	ctx, cancel := context.WithCancel(context.Background())
	mc.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Run(func(mock.Arguments) { cancel() }).
		Return(nil, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.Canceled))

	err := ackRun(ctx, &ackOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice", Wait: testWait}})
	require.ErrorIs(t, err, context.Canceled)
	require.NotContains(t, err.Error(), "no worker")
}

// TestResponderAcceptsWorkflowID: every responder command takes the workflow ID `alert send`
// prints as well as the key, and a --wait.
func TestResponderAcceptsWorkflowID(t *testing.T) {
	testParse(t, newCmdAck, []parseCase[ackOptions]{
		{name: "workflow ID", args: []string{"incident-chk-1", "--as", "alice"},
			want: ackOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}}},
		{name: "wait", args: []string{"chk-1", "--as", "alice", "--wait", "3s"},
			want: ackOptions{responderOptions{Key: "chk-1", As: "alice", Wait: 3 * time.Second}}},
		{name: "zero wait", args: []string{"chk-1", "--as", "alice", "--wait", "0s"}, wantErr: "invalid --wait 0s"},
		{name: "not a duration", args: []string{"chk-1", "--as", "alice", "--wait", "soon"}, wantErr: `invalid argument "soon" for "--wait"`},
		{name: "neither key nor workflow ID", args: []string{"incident/chk-1", "--as", "alice"},
			wantErr: `"incident/chk-1" is neither an incident key nor an incident workflow ID`},
	}, func(_ *testing.T, o *ackOptions) { o.IO, o.Starter = IOStreams{}, nil })
}
