package starter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestClosedError(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		name string
		err  starter.ClosedError
		want string
	}{
		{"resolved", starter.ClosedError{Key: "chk-1", Status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, At: at},
			"incident chk-1 is resolved and closed (resolved 2026-12-01T09:00:00Z); nothing was changed"},
		{"resolved, time unknown", starter.ClosedError{Key: "chk-1", Status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED},
			"incident chk-1 is resolved and closed (resolved); nothing was changed"},
		{"terminated", starter.ClosedError{Key: "chk-1", Status: enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, At: at},
			"incident chk-1 is closed (terminated 2026-12-01T09:00:00Z); nothing was changed"},
		{"timed out", starter.ClosedError{Key: "chk-1", Status: enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, At: at},
			"incident chk-1 is closed (timed out 2026-12-01T09:00:00Z); nothing was changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.EqualError(t, &c.err, c.want)
		})
	}
}

// TestUpdateWithNoWorker: an update no worker accepts within the wait is reported as not applied,
// and errors.Is finds ErrNoWorker in it.
func TestUpdateWithNoWorker(t *testing.T) {
	mc := mocks.NewClient(t)
	mc.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Run(func(args mock.Arguments) { <-args.Get(0).(context.Context).Done() }).
		Return(nil, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded))
	c := &starter.Client{Temporal: mc}

	_, err := c.Update(context.Background(), "chk-1", workflows.UpdateAcknowledge, workflows.AckRequest{By: "alice"}, 50*time.Millisecond)
	require.EqualError(t, err, "no worker is processing incidents: the update was not applied")
	require.ErrorIs(t, err, starter.ErrNoWorker)
}

// TestUpdateOnClosedIncident: a NotFound answer is told apart into a closed incident (with how and
// when it closed) and one that does not exist.
func TestUpdateOnClosedIncident(t *testing.T) {
	mc := mocks.NewClient(t)
	mc.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed"))
	mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(nil, errors.New("connection reset"))
	c := &starter.Client{Temporal: mc}

	_, err := c.Update(context.Background(), "chk-1", workflows.UpdateNote, workflows.NoteRequest{}, time.Second)
	require.EqualError(t, err, `note: no incident "chk-1"`, "when describe fails, the first answer stands")
}
