package workflowquery

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/grpc"
)

// staleCache is how a worker fails a query it answers from a history that moved on (sdk-go#755).
var staleCache = serviceerror.NewQueryFailed("[TMPRL1100] invalid state transition: attempt to handleInitiatedEvent, CommandType: Timer, ID: 36, state=Created")

// fakeTemporal answers queries with its errors in turn (an answer when the turn's error is nil)
// and records the sticky queue resets it is asked for.
type fakeTemporal struct {
	errs     []error
	asked    int
	resets   []*workflowservice.ResetStickyTaskQueueRequest
	resetErr error
}

func (f *fakeTemporal) QueryWorkflow(_ context.Context, workflowID, _, queryType string, _ ...any) (converter.EncodedValue, error) {
	turn := f.asked
	f.asked++
	if turn < len(f.errs) && f.errs[turn] != nil {
		return nil, f.errs[turn]
	}
	payloads, err := converter.GetDefaultDataConverter().ToPayloads(workflowID + "/" + queryType)
	if err != nil {
		panic(err)
	}
	return client.NewValue(payloads), nil
}

func (f *fakeTemporal) WorkflowService() workflowservice.WorkflowServiceClient {
	return fakeService{temporal: f}
}

type fakeService struct {
	workflowservice.WorkflowServiceClient // nil: any other call panics
	temporal                              *fakeTemporal
}

func (s fakeService) ResetStickyTaskQueue(_ context.Context, req *workflowservice.ResetStickyTaskQueueRequest, _ ...grpc.CallOption) (*workflowservice.ResetStickyTaskQueueResponse, error) {
	s.temporal.resets = append(s.temporal.resets, req)
	return &workflowservice.ResetStickyTaskQueueResponse{}, s.temporal.resetErr
}

func answer(t *testing.T, v converter.EncodedValue) string {
	t.Helper()
	var s string
	if err := v.Get(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAskReturnsTheAnswerOfTheFirstQuery(t *testing.T) {
	f := &fakeTemporal{}
	v, err := Ask(context.Background(), f, "prod", "incident-X", "", "state")
	if err != nil {
		t.Fatal(err)
	}
	if got := answer(t, v); got != "incident-X/state" {
		t.Errorf("answer %q", got)
	}
	if f.asked != 1 || len(f.resets) != 0 {
		t.Errorf("asked %d times, reset %d times; want 1 and 0", f.asked, len(f.resets))
	}
}

func TestAskClearsTheStickyQueueAndAsksAgainAfterAStaleCacheFailure(t *testing.T) {
	f := &fakeTemporal{errs: []error{staleCache}}
	v, err := Ask(context.Background(), f, "prod", "incident-X", "run-1", "state")
	if err != nil {
		t.Fatal(err)
	}
	if got := answer(t, v); got != "incident-X/state" {
		t.Errorf("answer %q", got)
	}
	if f.asked != 2 {
		t.Errorf("asked %d times, want 2", f.asked)
	}
	if len(f.resets) != 1 {
		t.Fatalf("%d resets, want 1", len(f.resets))
	}
	r := f.resets[0]
	if r.GetNamespace() != "prod" || r.GetExecution().GetWorkflowId() != "incident-X" || r.GetExecution().GetRunId() != "run-1" {
		t.Errorf("reset %v, want namespace prod, workflow incident-X, run run-1", r)
	}
}

func TestAskResetsInTheDefaultNamespaceWhenNoneIsGiven(t *testing.T) {
	f := &fakeTemporal{errs: []error{staleCache}}
	if _, err := Ask(context.Background(), f, "", "incident-X", "", "state"); err != nil {
		t.Fatal(err)
	}
	if len(f.resets) != 1 || f.resets[0].GetNamespace() != "default" {
		t.Errorf("resets %v, want one in namespace default", f.resets)
	}
}

func TestAskReturnsOtherFailuresWithoutAskingAgain(t *testing.T) {
	for name, failure := range map[string]error{
		"query handler failed": serviceerror.NewQueryFailed("unknown queryType nope. KnownQueryTypes=[state]"),
		"no such workflow":     serviceerror.NewNotFound("workflow not found"),
		"deadline":             context.DeadlineExceeded,
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeTemporal{errs: []error{failure}}
			_, err := Ask(context.Background(), f, "prod", "incident-X", "", "state")
			if !errors.Is(err, failure) {
				t.Errorf("error %v, want %v", err, failure)
			}
			if f.asked != 1 || len(f.resets) != 0 {
				t.Errorf("asked %d times, reset %d times; want 1 and 0", f.asked, len(f.resets))
			}
		})
	}
}

func TestAskAsksOnlyOnceMoreAndSaysWhyTheResetFailed(t *testing.T) {
	resetErr := serviceerror.NewNotFound("workflow execution already completed")
	f := &fakeTemporal{errs: []error{staleCache, staleCache, staleCache}, resetErr: resetErr}
	_, err := Ask(context.Background(), f, "prod", "incident-X", "", "state")
	if !errors.Is(err, staleCache) || !errors.Is(err, resetErr) {
		t.Fatalf("error %v, want the second query's failure and the reset's", err)
	}
	if !strings.Contains(err.Error(), "clearing its sticky queue") {
		t.Errorf("error %q does not say the reset failed", err)
	}
	if f.asked != 2 || len(f.resets) != 1 {
		t.Errorf("asked %d times, reset %d times; want 2 and 1", f.asked, len(f.resets))
	}
}
