package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
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

func TestSubmitterCoalescesAGroupsConcurrentAlerts(t *testing.T) {
	c := &mocks.Client{}
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	c.On("SignalWithStartWorkflow", mock.Anything, "incident-"+GroupKey("g"), workflows.SignalAlerts, mock.Anything,
		mock.Anything, workflows.IncidentWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) {
			mu.Lock()
			sizes = append(sizes, len(args.Get(3).(workflows.AlertBatch).Alerts))
			first := len(sizes) == 1
			mu.Unlock()
			if first {
				<-release // hold the first signal in flight while the others queue
			}
		}).Return(nil, nil)
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
	require.Equal(t, []int{1, 49}, sizes, "49 alerts that arrived while a signal was in flight travel in one signal")
}

func TestSubmitterSignalsResolvedAlertsWithoutStarting(t *testing.T) {
	c := &mocks.Client{}
	c.On("SignalWorkflow", mock.Anything, "incident-"+GroupKey("g"), "", workflows.SignalAlerts, mock.Anything).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	c.On("SignalWorkflow", mock.Anything, "incident-"+GroupKey("g"), "", workflows.SignalAlerts, mock.Anything).
		Return(errors.New("connection refused")).Once()
	s := &Submitter{Temporal: c}
	require.ErrorIs(t, s.Submit(context.Background(), testRoute(false), testAlerts("resolved")), ErrNoIncident)
	require.ErrorContains(t, s.Submit(context.Background(), testRoute(false), testAlerts("resolved")), "connection refused")
	c.AssertNotCalled(t, "SignalWithStartWorkflow")
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
