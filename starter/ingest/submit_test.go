package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

const (
	waitFor   = 5 * time.Second
	pollEvery = 5 * time.Millisecond
)

func testRoute(open bool) Route {
	return Route{Key: GroupKey("g"), Open: open, Routing: workflows.Routing{
		Group: "g", Service: "checkout", Type: "outage", Title: "Checkout errors"}}
}

func testAlerts(status string) []incident.Alert {
	return []incident.Alert{{Source: "generic", Fingerprint: "f", GroupKey: "g", Status: status, Title: "Checkout errors"}}
}

// onStart expects a start of an incident, eager and failing when one is running, with workflow
// ID id ("" for any).
func onStart(c *mocks.Client, id string) *mock.Call {
	return c.On("ExecuteWorkflow", mock.Anything, startOptionsOf(id), workflows.IncidentWorkflowName, mock.Anything)
}

// startOptionsOf matches the options of an incident's start with workflow ID id ("" for any).
func startOptionsOf(id string) any {
	return mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return (id == "" || o.ID == id) && o.EnableEagerStart && o.WorkflowExecutionErrorWhenAlreadyStarted &&
			o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE && o.TaskQueue == workflows.TaskQueue
	})
}

// startedOptions and startedInput are the options and the input of an expected start's call.
func startedOptions(args mock.Arguments) client.StartWorkflowOptions {
	return args.Get(1).(client.StartWorkflowOptions)
}

func startedInput(args mock.Arguments) workflows.IncidentInput {
	return args.Get(3).(workflows.IncidentInput)
}

// onSignal expects a signal of alerts to the incident of group g.
func onSignal(c *mocks.Client) *mock.Call {
	return c.On("SignalWorkflow", mock.Anything, "incident-"+GroupKey("g"), "", workflows.SignalAlerts, mock.Anything)
}

func TestSubmitterCoalescesAGroupsConcurrentAlerts(t *testing.T) {
	c := &mocks.Client{}
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	note := func(n int) {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, n)
	}
	onStart(c, "incident-"+GroupKey("g")).
		Run(func(args mock.Arguments) {
			note(len(startedInput(args).Pending[0].Alerts))
			<-release // hold the start in flight while the others queue
		}).Return(nil, nil).Once()
	onSignal(c).Run(func(args mock.Arguments) { note(len(args.Get(4).(workflows.AlertBatch).Alerts)) }).Return(nil).Once()
	s := &Submitter{Temporal: c}

	var wg sync.WaitGroup
	errs := make([]error, 50)
	wg.Go(func() { errs[0] = s.Submit(context.Background(), testRoute(true), testAlerts("firing")) })
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(sizes) == 1 }, waitFor, pollEvery)
	for i := 1; i < 50; i++ {
		wg.Go(func() { errs[i] = s.Submit(context.Background(), testRoute(true), testAlerts("firing")) })
	}
	require.Eventually(t, func() bool { return queued(s, GroupKey("g")) == 49 }, waitFor, pollEvery)
	close(release)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, []int{1, 49}, sizes, "49 alerts that arrived while the start was in flight travel in one signal to the started incident")
	c.AssertExpectations(t)
}

func TestSubmitterSignalsAnIncidentItFindsRunning(t *testing.T) {
	c := &mocks.Client{}
	onStart(c, "incident-"+GroupKey("g")).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("running", "", "r1")).Once()
	onSignal(c).Return(nil).Twice()
	s := &Submitter{Temporal: c}
	require.NoError(t, s.Submit(context.Background(), testRoute(true), testAlerts("firing")))
	require.NoError(t, s.Submit(context.Background(), testRoute(true), testAlerts("firing")))
	c.AssertExpectations(t) // one start: the second batch goes straight to the incident known to run
}

func TestSubmitterStartsTheNextIncidentWhenTheLastClosed(t *testing.T) {
	c := &mocks.Client{}
	onStart(c, "incident-"+GroupKey("g")).Return(nil, nil).Twice()
	onSignal(c).Return(serviceerror.NewNotFound("workflow execution already completed")).Once()
	s := &Submitter{Temporal: c}
	require.NoError(t, s.Submit(context.Background(), testRoute(true), testAlerts("firing")))
	require.NoError(t, s.Submit(context.Background(), testRoute(true), testAlerts("firing")), "the incident closed: a new one starts")
	c.AssertExpectations(t)
}

func TestSubmitterGivesUpOnAnIncidentThatKeepsClosing(t *testing.T) {
	c := &mocks.Client{}
	onStart(c, "").Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("running", "", "r1")).Times(maxStartAttempts)
	onSignal(c).Return(serviceerror.NewNotFound("workflow execution already completed")).Times(maxStartAttempts)
	s := &Submitter{Temporal: c}
	err := s.Submit(context.Background(), testRoute(true), testAlerts("firing"))
	require.ErrorContains(t, err, `alert group "g": its incident closed while the alerts were delivered, 3 times; try again`)
	c.AssertExpectations(t)
}

func TestSubmitterAnswersTemporalsFailure(t *testing.T) {
	c := &mocks.Client{}
	onStart(c, "").Return(nil, serviceerror.NewUnavailable("connection refused")).Once()
	s := &Submitter{Temporal: c}
	err := s.Submit(context.Background(), testRoute(true), testAlerts("firing"))
	var unavailable *serviceerror.Unavailable
	require.ErrorAs(t, err, &unavailable)
	require.ErrorContains(t, err, "start incident "+GroupKey("g"))
}

func TestSubmitterSignalsResolvedAlertsWithoutStarting(t *testing.T) {
	c := &mocks.Client{}
	onSignal(c).Return(serviceerror.NewNotFound("workflow not found")).Once()
	onSignal(c).Return(errors.New("connection refused")).Once()
	s := &Submitter{Temporal: c}
	require.ErrorIs(t, s.Submit(context.Background(), testRoute(false), testAlerts("resolved")), ErrNoIncident)
	require.ErrorContains(t, s.Submit(context.Background(), testRoute(false), testAlerts("resolved")), "connection refused")
	c.AssertNotCalled(t, "ExecuteWorkflow")
}

func TestGroupKeyIsAStableIncidentKey(t *testing.T) {
	for _, group := range []string{"g", `{}/{severity="page"}:{alertname="X"}`, "arn:aws:cloudwatch:us-east-1:1:alarm:x", ""} {
		key := GroupKey(group)
		require.NoError(t, workflows.ValidateKey(key))
		require.Equal(t, key, GroupKey(group))
	}
	require.NotEqual(t, GroupKey("a"), GroupKey("b"))
}

// queued counts the alerts of a group waiting for a signal, not counting one in flight.
func queued(s *Submitter, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	if g := s.groups[key]; g != nil {
		for _, b := range g.batches {
			n += len(b.alerts)
		}
	}
	return n
}
