package workflows_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/runbook"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// ecsCalls records the ECS rollbacks a run makes, with the test clock's time to the second: while
// an activity runs, the test environment fires the next timer by real time, which left its clock
// a millisecond off once on a loaded machine.
type ecsCalls struct {
	mu    sync.Mutex
	h     *harness
	calls []string
}

func (e *ecsCalls) rollback(_ context.Context, in map[string]any) (map[string]any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, in["cluster"].(string)+"/"+in["service"].(string)+" key="+in["idempotency_key"].(string)+
		" at "+e.h.env.Now().Sub(wednesday10).Round(time.Second).String())
	return map[string]any{"from": "checkout:41", "to": "checkout:40"}, nil
}

// withRunbooks registers the runbook workflow, the runbooks shipped in ../runbooks and a fake
// ECS rollback on the harness.
func withRunbooks(t *testing.T, h *harness) *ecsCalls {
	set, err := worker.LoadRunbookSet("../runbooks")
	require.NoError(t, err)
	h.env.RegisterWorkflowWithOptions(workflows.Runbook, workflow.RegisterOptions{Name: workflows.RunbookWorkflowName})
	h.env.RegisterActivity(&activities.RunbookActivities{
		Runbooks: set, Policies: h.acts.Policies, Directory: h.acts.Directory, Notifiers: map[string]notify.Notifier{"console": h.rec},
	})
	// A run tells its incident when it ends; the test environment cannot deliver a child's
	// signal to its parent, which learns the end from the child's completion instead.
	h.env.OnSignalExternalWorkflow(mock.Anything, "incident-test-1", "", workflows.SignalRunbookEnded, mock.Anything).Return(nil).Maybe()
	calls := &ecsCalls{h: h}
	h.env.RegisterActivityWithOptions(calls.rollback, activity.RegisterOptions{Name: "aws.ecs_rollback"})
	return calls
}

func TestMatchingRunbookStartsAfterAssessmentAndHearsOfSeverityChanges(t *testing.T) {
	h := newHarness(t, wednesday10)
	calls := withRunbooks(t, h)
	in := input("search", some("some"))
	in.Labels = map[string]string{"ecs_cluster": "prod", "ecs_service": "checkout", "environment": "staging"}
	h.reject(time.Minute, workflows.UpdateRunbookRun, workflows.RunbookRunRequest{By: "nobody-known", Name: "ecs-rollback"}, "nobody-known")
	// The policy lets the commander object for 15 minutes outside production; the severity
	// change at 5 minutes asks again, so the rollback runs at 20 minutes, not 15.
	h.send(5*time.Minute, workflows.UpdateSeverity, workflows.SeverityRequest{By: "tom", Severity: incident.Sev1, Reason: "all customers"}, nil)
	h.at(10*time.Minute, func() {
		v, err := h.env.QueryWorkflow(workflows.QueryRunbookRuns)
		require.NoError(t, err)
		var runs []workflows.RunbookRunRef
		require.NoError(t, v.Get(&runs))
		require.Len(t, runs, 1)
		require.Equal(t, "incident-test-1/runbook/ecs-rollback/1", runs[0].WorkflowID)
		require.Equal(t, workflows.RunRunning, runs[0].State)
	})
	h.send(50*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "rolled back"}, nil)
	h.run(in)
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, []string{"prod/checkout key=test-1/run-1/rollback at 20m0s"}, calls.calls)
	var texts []string
	for _, e := range h.state().Timeline {
		if e.Kind == "runbook" {
			texts = append(texts, e.Text)
		}
	}
	require.Len(t, texts, 2, strings.Join(texts, "\n"))
	require.Contains(t, texts[0], "runbook ecs-rollback run 1 started (sha256:")
	require.Equal(t, "runbook ecs-rollback run 1 succeeded", texts[1])
}

// runbookSet is a worker's runbooks made in the test, for the run update's validator.
type runbookSet []*runbook.Compiled

func (s runbookSet) Runbook(name string) (*runbook.Compiled, bool) {
	for _, c := range s {
		if c.Runbook().Name == name {
			return c, true
		}
	}
	return nil, false
}

func (s runbookSet) All() []*runbook.Compiled { return s }

// slowDays is how long a slowRollback run takes: longer than a resolved incident stays open.
const slowDays = 40

// slowRollback rolls back, then waits slowDays days in steps of a day, then notifies: a run
// still in flight when the incident closes.
func slowRollback(t *testing.T) runbookSet {
	t.Helper()
	r := runbook.Runbook{
		Name: "slow-rollback",
		Params: []runbook.Param{
			{Name: "service", Type: runbook.TypeString, Required: true},
			{Name: "replicas", Type: runbook.TypeInt, Default: int64(2)},
		},
		Steps: []runbook.Step{{ID: "rollback", Action: "aws.ecs_rollback", With: map[string]any{"cluster": "prod", "service": "${{ params.service }}"},
			Undo: &runbook.Step{Action: "aws.ecs_rollback", With: map[string]any{"cluster": "prod", "service": "${{ params.service }}", "task_definition": "checkout:41"}}}},
	}
	for i := range slowDays {
		r.Steps = append(r.Steps, runbook.Step{ID: fmt.Sprintf("day%d", i+1), Action: "wait", With: map[string]any{"duration": "24h"}})
	}
	r.Steps = append(r.Steps, runbook.Step{ID: "done", Action: "notify", With: map[string]any{"message": "rolled back"}})
	hash, err := r.ComputeHash()
	require.NoError(t, err)
	r.Hash = hash
	c, err := runbook.Compile(&r)
	require.NoError(t, err)
	return runbookSet{c}
}

// withRunbookSet registers the incident workflow with set at hand, as the worker does, the
// runbook workflow and a fake ECS rollback; ended collects what runs tell the incident when
// they end.
func withRunbookSet(t *testing.T, h *harness, set runbookSet, ended *[]workflows.RunbookEnded) *ecsCalls {
	h.env.RegisterWorkflowWithOptions(workflows.IncidentWithRunbooks(set), workflow.RegisterOptions{
		Name: workflows.IncidentWorkflowName, DisableAlreadyRegisteredCheck: true,
	})
	h.env.RegisterWorkflowWithOptions(workflows.Runbook, workflow.RegisterOptions{Name: workflows.RunbookWorkflowName})
	h.env.RegisterActivity(&activities.RunbookActivities{
		Runbooks: set, Policies: h.acts.Policies, Directory: h.acts.Directory, Notifiers: map[string]notify.Notifier{"console": h.rec},
	})
	h.env.OnSignalExternalWorkflow(mock.Anything, "incident-test-1", "", workflows.SignalRunbookEnded, mock.Anything).Return(
		func(_, _, _, _ string, e any) error {
			*ended = append(*ended, e.(workflows.RunbookEnded))
			return nil
		}).Maybe()
	h.env.OnSignalExternalWorkflow(mock.Anything, "incident-test-1", "", workflows.SignalRunbookEnded, mock.Anything).Return(
		func(_, _, _, _ string, e any) error {
			*ended = append(*ended, e.(workflows.RunbookEnded))
			return nil
		}).Maybe()
	calls := &ecsCalls{h: h}
	h.env.RegisterActivityWithOptions(calls.rollback, activity.RegisterOptions{Name: "aws.ecs_rollback"})
	return calls
}

// runbookEntries returns the runbook entries of the incident's timeline.
func runbookEntries(s workflows.State) []string { return entries(s, "runbook") }

func TestTheRunUpdateValidatorRejectsUnknownRunbooksAndBadParams(t *testing.T) {
	h := newHarness(t, wednesday10)
	withRunbookSet(t, h, slowRollback(t), new([]workflows.RunbookEnded))
	in := input("search", some("some"))
	in.Labels = map[string]string{"environment": "staging"}
	run := func(name string, params map[string]string) workflows.RunbookRunRequest {
		return workflows.RunbookRunRequest{By: "tom", Name: name, Params: params}
	}
	h.reject(time.Minute, workflows.UpdateRunbookRun, run("ecs-rolback", map[string]string{"service": "checkout"}),
		`unknown runbook "ecs-rolback"; runbooks: slow-rollback`)
	h.reject(2*time.Minute, workflows.UpdateRunbookRun, run("slow-rollback", nil), `runbook slow-rollback: param "service" is required`)
	h.reject(3*time.Minute, workflows.UpdateRunbookRun, run("slow-rollback", map[string]string{"service": "checkout", "replicas": "two"}),
		`runbook slow-rollback: param "replicas": invalid integer "two"`)
	h.reject(4*time.Minute, workflows.UpdateRunbookRun, run("slow-rollback", map[string]string{"service": "checkout", "colour": "red", "replicas": "x"}),
		`runbook slow-rollback: unknown param "colour"; params: replicas, service; param "replicas": invalid integer "x"`)
	h.at(5*time.Minute, func() {
		require.Empty(t, runbookEntries(h.state()), "a rejected request records nothing")
		v, err := h.env.QueryWorkflow(workflows.QueryRunbookRuns)
		require.NoError(t, err)
		var runs []workflows.RunbookRunRef
		require.NoError(t, v.Get(&runs))
		require.Empty(t, runs)
	})
	h.send(6*time.Minute, workflows.UpdateRunbookRun, run("slow-rollback", map[string]string{"service": "checkout"}), nil)
	h.send(7*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "rolled back"}, nil)
	h.run(in)
	texts := runbookEntries(h.state())
	require.Len(t, texts, 2, strings.Join(texts, "\n"))
	require.Contains(t, texts[0], "runbook slow-rollback run 1 started (sha256:")
}

func TestAnIncidentClosesWithoutWaitingForARunInFlight(t *testing.T) {
	h := newHarness(t, wednesday10)
	var ended []workflows.RunbookEnded
	calls := withRunbookSet(t, h, slowRollback(t), &ended)
	in := input("search", some("some"))
	in.Labels = map[string]string{"environment": "staging"}
	h.send(time.Minute, workflows.UpdateRunbookRun, workflows.RunbookRunRequest{By: "tom", Name: "slow-rollback", Params: map[string]string{"service": "checkout"}}, nil)
	h.send(2*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "rolled back"}, nil)
	h.run(in)
	require.NoError(t, h.env.GetWorkflowError())
	// The incident closed when its review window ended, without waiting for the run, and told
	// the run, which cancelled its remaining steps and undid nothing.
	var closed []incident.Entry
	for _, e := range h.state().Timeline {
		if e.Text == "runbook slow-rollback run 1 was still running when the incident closed: it starts no further step" {
			closed = append(closed, e)
		}
	}
	require.Len(t, closed, 1, strings.Join(runbookEntries(h.state()), "\n"))
	require.Less(t, closed[0].At.Sub(wednesday10), slowDays*24*time.Hour, "the incident did not wait for the run")
	require.Len(t, calls.calls, 1, "the rollback ran once and was not undone")
	require.Len(t, ended, 1)
	require.Equal(t, workflows.RunCancelled, ended[0].State)
	require.Equal(t, "the incident closed before the run finished", ended[0].Error)
}

func TestAContinueAsNewCarriesTheRunsInFlight(t *testing.T) {
	h := newHarness(t, wednesday10)
	withRunbookSet(t, h, slowRollback(t), new([]workflows.RunbookEnded))
	in := input("search", some("some"))
	in.Labels = map[string]string{"environment": "staging"}
	h.send(time.Minute, workflows.UpdateRunbookRun, workflows.RunbookRunRequest{By: "tom", Name: "slow-rollback", Params: map[string]string{"service": "checkout"}}, nil)
	// One note a second until the timeline is full, each scheduling the next.
	var noteAt func(i int)
	noteAt = func(i int) {
		h.env.UpdateWorkflow(workflows.UpdateNote, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("note %d rejected: %v", i, err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, workflows.NoteRequest{By: "tom", Kind: incident.NoteObservation, Text: fmt.Sprintf("observation %d", i)})
		if i+1 < incident.MaxTimeline {
			h.env.RegisterDelayedCallback(func() { noteAt(i + 1) }, time.Second)
		}
	}
	h.at(2*time.Minute, func() { noteAt(0) })
	h.env.ExecuteWorkflow(workflows.IncidentWorkflowName, in)
	require.True(t, h.env.IsWorkflowCompleted())
	var next *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &next)
	var carried workflows.IncidentInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &carried))
	last := carried.Carried.Timeline[len(carried.Carried.Timeline)-1]
	require.Less(t, last.At.Sub(wednesday10), time.Hour, "the run in flight did not hold the continue-as-new back")
	require.Equal(t, 1, carried.RunbookRuns)
	require.Len(t, carried.Runbooks, 1)
	ref := carried.Runbooks[0]
	require.Equal(t, workflows.RunbookRunRef{Run: 1, Runbook: "slow-rollback", WorkflowID: "incident-test-1/runbook/slow-rollback/1",
		Requester: "tom", State: workflows.RunRunning}, ref)
}

func TestACarriedRunIsToldOfChangesAndReportsItsEnd(t *testing.T) {
	h := newHarness(t, wednesday10)
	withRunbookSet(t, h, slowRollback(t), new([]workflows.RunbookEnded))
	const runID = "incident-test-1/runbook/slow-rollback/1"
	var told []workflows.RunbookFacts
	h.env.OnSignalExternalWorkflow(mock.Anything, runID, "", workflows.SignalRunbookFacts, mock.Anything).Return(
		func(_, _, _, _ string, f any) error {
			told = append(told, f.(workflows.RunbookFacts))
			return nil
		})
	// Start as the run after a continue-as-new: an open incident and its run in flight.
	carried := workflows.State{
		Key: "test-1", WorkflowID: "default-test-workflow-id", Service: "search", Type: "outage", Title: "Search is failing",
		StartedAt: wednesday10.Add(-time.Hour).UTC(), Phase: incident.PhaseEscalate, Status: incident.StatusAcknowledged,
		Severity: incident.Sev2, Engagement: 1, Level: 1,
		Plan: incident.EngagementPlan{
			Tiers:       [][]incident.Target{{{Team: "discovery"}}, {{Team: "platform"}}},
			AckTimeouts: []time.Duration{10 * time.Minute, 10 * time.Minute},
		},
		Roles: map[incident.Role]string{},
	}
	in := workflows.IncidentInput{Key: "test-1", Service: "search", Title: "Search is failing", Carried: &carried, RunbookRuns: 1,
		Runbooks: []workflows.RunbookRunRef{{Run: 1, Runbook: "slow-rollback", WorkflowID: runID, Requester: "tom", State: workflows.RunRunning}}}
	h.send(time.Minute, workflows.UpdateSeverity, workflows.SeverityRequest{By: "tom", Severity: incident.Sev1, Reason: "all customers"}, nil)
	h.at(2*time.Minute, func() {
		h.env.SignalWorkflow(workflows.SignalRunbookEnded, workflows.RunbookEnded{Run: 1, Runbook: "slow-rollback", WorkflowID: runID,
			State: workflows.RunSucceeded, DryRun: []string{"rollback"}})
	})
	h.at(3*time.Minute, func() {
		v, err := h.env.QueryWorkflow(workflows.QueryRunbookRuns)
		require.NoError(t, err)
		var runs []workflows.RunbookRunRef
		require.NoError(t, v.Get(&runs))
		require.Equal(t, workflows.RunSucceeded, runs[0].State)
	})
	h.send(4*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "rolled back"}, nil)
	h.run(in)
	require.NoError(t, h.env.GetWorkflowError())
	require.Len(t, told, 1, "the carried run heard of the severity change")
	require.Equal(t, incident.Sev1, told[0].Severity)
	require.Contains(t, runbookEntries(h.state()),
		"runbook slow-rollback run 1 succeeded (dry run: the approval policy only plans in this environment; rollback shown, not run)")
}

func TestInTrainingTheApprovalPolicyMakesTheRunADryRun(t *testing.T) {
	h := newHarness(t, wednesday10)
	r := runbook.Runbook{Name: "rollback", Steps: []runbook.Step{
		{ID: "rollback", Action: "aws.ecs_rollback", With: map[string]any{"cluster": "prod", "service": "checkout"}},
	}}
	hash, err := r.ComputeHash()
	require.NoError(t, err)
	r.Hash = hash
	c, err := runbook.Compile(&r)
	require.NoError(t, err)
	calls := withRunbookSet(t, h, runbookSet{c}, new([]workflows.RunbookEnded))
	in := input("search", some("some"))
	in.Labels = map[string]string{"environment": "training"}
	h.send(time.Minute, workflows.UpdateRunbookRun, workflows.RunbookRunRequest{By: "tom", Name: "rollback"}, nil)
	h.send(10*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "rehearsed"}, nil)
	h.run(in)
	require.NoError(t, h.env.GetWorkflowError())
	require.Empty(t, calls.calls, "a dry run calls nothing")
	require.Contains(t, runbookEntries(h.state()),
		"runbook rollback run 1 succeeded (dry run: the approval policy only plans in this environment; rollback shown, not run)")
}
