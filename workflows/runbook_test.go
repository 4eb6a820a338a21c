package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/runbook"
)

// rollbackRunbook rolls back, then checks health and announces in parallel; the rollback has
// an undo, and so does the flag switch before it.
func rollbackRunbook(t *testing.T) runbook.Runbook {
	t.Helper()
	r := runbook.Runbook{
		Name:   "ecs-rollback",
		Params: []runbook.Param{{Name: "service", Type: runbook.TypeString, Default: "checkout"}},
		Steps: []runbook.Step{
			{ID: "flag", Action: "aws.appconfig_flag", With: map[string]any{
				"application": "shop", "environment": "prod", "profile": "flags", "flag": "new_checkout"},
				Undo: &runbook.Step{Action: "aws.appconfig_flag", With: map[string]any{
					"application": "shop", "environment": "prod", "profile": "flags", "flag": "new_checkout", "enabled": true}}},
			{ID: "rollback", Action: "aws.ecs_rollback", Approval: &runbook.Approval{Required: true},
				With: map[string]any{"cluster": "prod", "service": "${{ params.service }}"},
				Undo: &runbook.Step{Action: "aws.ecs_rollback", With: map[string]any{
					"cluster": "prod", "service": "${{ params.service }}", "task_definition": "${{ steps.rollback.outputs.from }}"}}},
			{Parallel: []runbook.Step{
				{ID: "check", Action: "http_check", With: map[string]any{"url": "https://checkout.example.com/health", "timeout": "5m"}},
				{ID: "pause", Action: "wait", With: map[string]any{"duration": "1m"}},
			}},
		},
	}
	hash, err := r.ComputeHash()
	require.NoError(t, err)
	r.Hash = hash
	return r
}

// fakeActions records the calls each action gets, in order, and fails the ones told to.
type fakeActions struct {
	calls []string
	fail  map[string]bool
}

func (f *fakeActions) ecs(_ context.Context, in map[string]any) (map[string]any, error) {
	name := "rollback"
	if in["task_definition"] != nil {
		name = "rollback.undo to " + in["task_definition"].(string)
	}
	f.calls = append(f.calls, name+" key="+in["idempotency_key"].(string))
	if f.fail[name] {
		return nil, temporal.NewNonRetryableApplicationError("boom", "Test", nil)
	}
	return map[string]any{"from": "checkout:41", "to": "checkout:40"}, nil
}

func (f *fakeActions) flag(_ context.Context, in map[string]any) (map[string]any, error) {
	name := "flag"
	if in["enabled"] == true {
		name = "flag.undo"
	}
	f.calls = append(f.calls, name)
	if f.fail[name] {
		return nil, temporal.NewNonRetryableApplicationError("flag service down", "Test", nil)
	}
	return map[string]any{"version": 3}, nil
}

type runbookCase struct {
	name     string
	decision policies.ApprovalDecision
	fail     map[string]bool
	facts    RunbookFacts
	// during runs in the workflow's time while the run waits.
	during func(t *testing.T, env *testsuite.TestWorkflowEnvironment)
	// escalations the parent is asked for.
	wantState  string
	wantCalls  []string
	wantSteps  map[string]string
	wantUndo   int
	wantApprov []string
	requests   int
}

func needs(count int, onTimeout string) policies.ApprovalDecision {
	return policies.ApprovalDecision{Needed: true, Approvers: []string{"commander", "tech_lead"}, Count: count, WaitSeconds: 600, OnTimeout: onTimeout}
}

func vote(t *testing.T, env *testsuite.TestWorkflowEnvironment, at time.Duration, name, by string, wantErr string) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, by+name, &testsuite.TestUpdateCallback{
			OnReject: func(err error) {
				if wantErr == "" {
					t.Errorf("%s by %s rejected: %v", name, by, err)
					return
				}
				require.ErrorContains(t, err, wantErr)
			},
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, StepVote{Step: "rollback", By: by})
	}, at)
}

func TestRunbookRun(t *testing.T) {
	roles := map[incident.Role]string{incident.RoleCommander: "carol", incident.RoleTechLead: "dave"}
	okCalls := []string{"flag", "rollback key=inc-1/run-1/rollback"}
	cases := []runbookCase{
		{
			name: "approval granted", decision: needs(1, policies.OnTimeoutReject),
			during: func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
				vote(t, env, time.Minute, UpdateApproveStep, "alice", "cannot approve")
				vote(t, env, 2*time.Minute, UpdateApproveStep, "mallory", "may not decide")
				vote(t, env, 3*time.Minute, UpdateApproveStep, "carol", "")
			},
			wantState: RunSucceeded, wantCalls: okCalls, wantApprov: []string{"carol"},
			wantSteps: map[string]string{"flag": StepSucceeded, "rollback": StepSucceeded, "check": StepSucceeded, "pause": StepSucceeded},
		},
		{
			name: "rejected: completed steps undone", decision: needs(1, policies.OnTimeoutReject),
			during: func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
				vote(t, env, time.Minute, UpdateRejectStep, "dave", "")
			},
			wantState: RunRejected, wantCalls: []string{"flag", "flag.undo"},
			wantSteps: map[string]string{"flag": StepUndone, "rollback": StepRejected, "check": StepPending},
		},
		{
			name: "timed out, on_timeout reject", decision: needs(1, policies.OnTimeoutReject),
			wantState: RunRejected, wantCalls: []string{"flag", "flag.undo"},
			wantSteps: map[string]string{"rollback": StepRejected},
		},
		{
			name: "timed out, on_timeout approve", decision: needs(1, policies.OnTimeoutApprove),
			wantState: RunSucceeded, wantCalls: okCalls,
			wantSteps: map[string]string{"rollback": StepSucceeded},
		},
		{
			name: "timed out, on_timeout escalate, then approved", decision: needs(1, policies.OnTimeoutEscalate),
			during: func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
				vote(t, env, 15*time.Minute, UpdateApproveStep, "dave", "")
			},
			wantState: RunSucceeded, wantCalls: okCalls, wantApprov: []string{"dave"},
		},
		{
			name: "timed out, on_timeout escalate, still nobody", decision: needs(1, policies.OnTimeoutEscalate),
			wantState: RunRejected, wantCalls: []string{"flag", "flag.undo"},
		},
		{
			name: "quorum of two", decision: needs(2, policies.OnTimeoutReject),
			during: func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
				vote(t, env, time.Minute, UpdateApproveStep, "carol", "")
				vote(t, env, 2*time.Minute, UpdateApproveStep, "carol", "already approved")
				vote(t, env, 3*time.Minute, UpdateApproveStep, "dave", "")
			},
			wantState: RunSucceeded, wantCalls: okCalls, wantApprov: []string{"carol", "dave"},
		},
		{
			name: "re-requested after a severity change", decision: needs(1, policies.OnTimeoutReject), requests: 2,
			during: func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
				env.RegisterDelayedCallback(func() {
					env.SignalWorkflow(SignalRunbookFacts, RunbookFacts{Severity: incident.Sev1, Roles: roles})
				}, time.Minute)
				vote(t, env, 2*time.Minute, UpdateApproveStep, "carol", "")
			},
			wantState: RunSucceeded, wantCalls: okCalls,
		},
		{
			name: "step failure undoes completed steps in reverse order", decision: policies.ApprovalDecision{},
			fail:      map[string]bool{"check": true},
			wantState: RunFailed,
			wantCalls: []string{"flag", "rollback key=inc-1/run-1/rollback", "rollback.undo to checkout:41 key=inc-1/run-1/rollback.undo", "flag.undo"},
			wantSteps: map[string]string{"flag": StepUndone, "rollback": StepUndone, "check": StepFailed, "pause": StepSucceeded},
		},
		{
			name: "a failing undo is reported and the others still run", decision: policies.ApprovalDecision{},
			fail:      map[string]bool{"check": true, "flag.undo": true},
			wantState: RunFailed, wantUndo: 1,
			wantCalls: []string{"flag", "rollback key=inc-1/run-1/rollback", "rollback.undo to checkout:41 key=inc-1/run-1/rollback.undo", "flag.undo"},
			wantSteps: map[string]string{"flag": StepUndoFailed, "rollback": StepUndone},
		},
		{
			name: "the incident closed while the step awaited approval: nothing more runs, nothing is undone", decision: needs(1, policies.OnTimeoutReject),
			during: func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
				env.RegisterDelayedCallback(func() {
					env.SignalWorkflow(SignalRunbookFacts, RunbookFacts{Severity: incident.Sev2, Roles: roles, Closed: true})
				}, time.Minute)
				vote(t, env, 2*time.Minute, UpdateApproveStep, "carol", "not awaiting approval")
			},
			wantState: RunCancelled, wantCalls: []string{"flag"},
			wantSteps: map[string]string{"flag": StepSucceeded, "rollback": StepCancelled, "check": StepPending, "pause": StepPending},
		},
		{
			name: "dry run makes no call", decision: policies.ApprovalDecision{DryRun: true},
			wantState: RunSucceeded, wantCalls: nil,
			wantSteps: map[string]string{"flag": StepDryRun, "rollback": StepDryRun, "check": StepSucceeded},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterWorkflowWithOptions(Runbook, workflow.RegisterOptions{Name: RunbookWorkflowName})
			fake := &fakeActions{fail: tc.fail}
			env.RegisterActivityWithOptions(fake.ecs, activity.RegisterOptions{Name: "aws.ecs_rollback"})
			env.RegisterActivityWithOptions(fake.flag, activity.RegisterOptions{Name: "aws.appconfig_flag"})
			ra := &activities.RunbookActivities{}
			env.RegisterActivity(ra)
			decisions := 0
			env.OnActivity(ra.DecideApproval, mock.Anything, mock.Anything).Return(
				func(_ context.Context, req activities.ApprovalRequest) (activities.ApprovalOutcome, error) {
					d := tc.decision
					if req.Action == "aws.appconfig_flag" {
						d.Needed = false
					} else {
						decisions++
					}
					return activities.DecideApproval(context.Background(), fixedDecider{d}, nil, req)
				})
			env.OnActivity(ra.CheckHTTP, mock.Anything, mock.Anything).Return(
				func(_ context.Context, req activities.HTTPCheckRequest) (activities.HTTPCheckResult, error) {
					if tc.fail["check"] {
						return activities.HTTPCheckResult{Status: 503}, temporal.NewNonRetryableApplicationError("unhealthy", activities.ErrUnhealthy, nil)
					}
					return activities.HTTPCheckResult{Status: 200, Attempts: 1}, nil
				})
			if tc.during != nil {
				tc.during(t, env)
			}
			facts := RunbookFacts{Severity: incident.Sev2, Roles: roles}
			env.ExecuteWorkflow(RunbookWorkflowName, RunbookInput{
				Runbook: rollbackRunbook(t), Params: map[string]any{"service": "checkout"}, Run: 1, Requester: "alice",
				Incident: runbook.Incident{Key: "inc-1", Service: "checkout", Severity: incident.Sev2, Labels: map[string]string{"environment": "production"}},
				Facts:    facts,
			})
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var status RunbookStatus
			require.NoError(t, env.GetWorkflowResult(&status))
			require.Equal(t, tc.wantState, status.State, status.Error)
			require.Equal(t, tc.wantCalls, fake.calls)
			got := map[string]string{}
			for _, s := range status.Steps {
				got[s.ID] = s.State
			}
			for id, want := range tc.wantSteps {
				require.Equal(t, want, got[id], "step %s", id)
			}
			require.Len(t, status.UndoFailed, tc.wantUndo)
			if tc.wantApprov != nil {
				require.Equal(t, tc.wantApprov, status.Steps[1].Approval.ApprovedBy)
			}
			if tc.requests > 0 {
				require.Equal(t, tc.requests, decisions)
				require.Equal(t, tc.requests, status.Steps[1].Approval.Requests)
			}
		})
	}
}

// fixedDecider answers the approval decision with d.
type fixedDecider struct{ d policies.ApprovalDecision }

func (f fixedDecider) Decide(_ context.Context, _ policies.Name, _, out any) error {
	p, ok := out.(*policies.ApprovalDecision)
	if !ok {
		return errors.New("not an approval decision")
	}
	*p = f.d
	return nil
}

func (fixedDecider) Revision() string { return "test" }

// TestRunbookParallelBlockRunsTogether runs a block of a one-minute and a two-minute wait after
// a one-minute wait: the run takes three minutes, not four.
func TestRunbookParallelBlockRunsTogether(t *testing.T) {
	r := runbook.Runbook{Name: "waits", Steps: []runbook.Step{
		{ID: "first", Action: "wait", With: map[string]any{"duration": "1m"}},
		{Parallel: []runbook.Step{
			{ID: "short", Action: "wait", With: map[string]any{"duration": "1m"}},
			{ID: "long", Action: "wait", With: map[string]any{"duration": "2m"}},
		}},
	}}
	hash, err := r.ComputeHash()
	require.NoError(t, err)
	r.Hash = hash
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	start := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(Runbook, workflow.RegisterOptions{Name: RunbookWorkflowName})
	env.ExecuteWorkflow(RunbookWorkflowName, RunbookInput{Runbook: r, Run: 1, Requester: "alice",
		Incident: runbook.Incident{Key: "inc-1"}, Facts: RunbookFacts{Severity: incident.Sev2}})
	require.NoError(t, env.GetWorkflowError())
	var status RunbookStatus
	require.NoError(t, env.GetWorkflowResult(&status))
	require.Equal(t, RunSucceeded, status.State)
	require.Equal(t, 3*time.Minute, env.Now().Sub(start))
}
