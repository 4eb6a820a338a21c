package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdRunbookPlan(t *testing.T) {
	testParse(t, newCmdRunbookPlan, []parseCase[runbookPlanOptions]{
		{name: "params, requester and json",
			args: []string{"inc-1", "ecs-rollback", "--param", "service=checkout", "--param", "cluster=a=b", "--as", "alice", "-o", "json"},
			want: runbookPlanOptions{Key: "inc-1", Name: "ecs-rollback", Params: map[string]string{"service": "checkout", "cluster": "a=b"},
				As: "alice", Output: "json", Wait: defaultWait}},
		{name: "sources of runbooks and policies",
			args: []string{"inc-1", "x", "--runbooks", "rb", "--policies", "pol", "--config", "c.yaml", "--wait", "3s"},
			want: runbookPlanOptions{Key: "inc-1", Name: "x", Params: map[string]string{}, Runbooks: "rb", Policies: "pol", Config: "c.yaml",
				Output: "text", Wait: 3 * time.Second}},
		{name: "no name", args: []string{"inc-1"}, wantErr: "accepts 2 arg"},
		{name: "param without value", args: []string{"inc-1", "x", "--param", "service"}, wantErr: "write it as name=value"},
		{name: "param twice", args: []string{"inc-1", "x", "--param", "a=1", "--param", "a=2"}, wantErr: "given twice"},
		{name: "bad output", args: []string{"inc-1", "x", "-o", "yaml"}, wantErr: `invalid --output "yaml"`},
		{name: "no wait", args: []string{"inc-1", "x", "--wait", "0s"}, wantErr: "invalid --wait"},
	}, func(t *testing.T, o *runbookPlanOptions) {
		require.NotNil(t, o.Starter)
		o.IO, o.Starter = IOStreams{}, nil
	})
}

// counter is an HTTP server that counts the requests it gets: a provider, a notifier or a
// health URL the plan must never call.
func counter(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { n.Add(1) }))
	t.Cleanup(srv.Close)
	return srv, &n
}

// planState is an incident for the plan tests.
func planState(sev incident.Severity, env string) workflows.State {
	return workflows.State{
		Key: "chk-1", Service: "checkout", Type: "deploy", Severity: sev, Title: "Checkout returns 500s",
		Labels: map[string]string{"environment": env},
		Roles:  map[incident.Role]string{incident.RoleCommander: "carol"},
	}
}

// mockPlanQueries answers the state and runs queries of incident chk-1.
func mockPlanQueries(t *testing.T, mc *mocks.Client, state workflows.State, runs []workflows.RunbookRunRef) {
	t.Helper()
	for name, v := range map[string]any{workflows.QueryState: state, workflows.QueryRunbookRuns: runs} {
		payloads, err := converter.GetDefaultDataConverter().ToPayloads(v)
		require.NoError(t, err)
		mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", name).Return(client.NewValue(payloads), nil)
	}
}

func TestRunbookPlanRun(t *testing.T) {
	// Every provider, notifier and URL the runbook would call counts the requests it gets.
	aws, awsCalls := counter(t)
	gh, ghCalls := counter(t)
	health, healthCalls := counter(t)
	t.Setenv("AWS_ENDPOINT_URL", aws.URL)
	t.Setenv(worker.GitHubURLEnv, gh.URL)
	t.Setenv(worker.GitHubTokenEnv, "ghp_test")
	plan := func(t *testing.T, state workflows.State, output string, params map[string]string) (string, error) {
		io, out, _ := testIO("")
		f, mc := mockFactory(t, io)
		mockPlanQueries(t, mc, state, []workflows.RunbookRunRef{{Run: 1}, {Run: 2}})
		err := runbookPlanRun(context.Background(), &runbookPlanOptions{
			IO: io, Starter: f.Starter, Key: "chk-1", Name: "plan-rollback", Params: params, As: "alice",
			Runbooks: "testdata/runbook_plan", Output: output, Wait: testWait,
		})
		return out.String(), err
	}
	params := map[string]string{"service": "checkout-api", "health_url": health.URL + "/health"}

	t.Run("sev1 in production: calls, approvals and undo", func(t *testing.T) {
		out, err := plan(t, planState(incident.Sev1, "production"), formatJSON, params)
		require.NoError(t, err)
		var p workflows.RunbookPlan
		require.NoError(t, json.Unmarshal([]byte(out), &p))
		require.Equal(t, 3, p.Run, "the next run's number")
		require.Equal(t, "production", p.Environment)
		require.Len(t, p.Steps, 5)
		steps := map[string]workflows.PlannedStep{}
		for _, s := range p.Steps {
			steps[s.ID] = s
		}
		rollback := steps["rollback"]
		require.Equal(t, workflows.PlanRun, rollback.Outcome)
		require.Equal(t, "chk-1/run-3/rollback", rollback.IdempotencyKey)
		require.Equal(t, map[string]any{"cluster": "prod", "service": "checkout-api", "wait": true}, rollback.With)
		require.True(t, rollback.Approval.Decision.Needed)
		require.Equal(t, []string{"commander"}, rollback.Approval.Decision.Approvers)
		require.Equal(t, "escalate", rollback.Approval.Decision.OnTimeout)
		require.Equal(t, []string{"carol"}, rollback.Approval.Eligible)
		require.Contains(t, rollback.Undo.Pending, `step "rollback" has no output "from"`)
		require.Equal(t, "${{ steps.rollback.outputs.from }}", rollback.Undo.With["task_definition"])

		require.Equal(t, "true", steps["health"].WhenResult)
		require.Equal(t, 1, steps["health"].Block, "the first parallel block")
		require.Equal(t, workflows.PlanAtRunTime, steps["tell"].Outcome, "its condition uses the rollback's output")
		require.Contains(t, steps["tell"].Pending, "resolved when the run reaches the step")
		// In production flag, rollback and tell wait for an approval; the announcement does not.
		require.False(t, steps["announce"].Approval.Decision.Needed)
		require.Equal(t, 3, p.Approvals)
		require.Equal(t, 5, p.Calls)
	})
	t.Run("as text", func(t *testing.T) {
		out, err := plan(t, planState(incident.Sev2, "production"), formatText, params)
		require.NoError(t, err)
		require.Contains(t, out, "Plan of runbook plan-rollback (sha256:")
		require.Contains(t, out, "in incident chk-1, as run 3 asked by alice.\nSeverity sev2, environment production. Nothing was run and no call was made.\n")
		require.Contains(t, out, "3. rollback (aws.ecs_rollback): runs once approved\n")
		require.Contains(t, out, "   idempotency key: chk-1/run-3/rollback\n")
		require.Contains(t, out, "   approval: 1 of commander or tech_lead (carol) within 15m0s, then reject on timeout\n")
		require.Contains(t, out, "4. in parallel:\n\n4.1. health (http_check): runs\n   when params.health_url != '': true\n")
		require.Contains(t, out, "4.2. tell (github.comment_issue): decided when the run reaches it\n")
		require.Contains(t, out, "3 steps would wait for an approval; 5 steps would call outside Firebreak.\n")
	})
	t.Run("policy forces a dry run in training", func(t *testing.T) {
		out, err := plan(t, planState(incident.Sev1, "training"), formatJSON, map[string]string{"service": "checkout-api"})
		require.NoError(t, err)
		var p workflows.RunbookPlan
		require.NoError(t, json.Unmarshal([]byte(out), &p))
		got := map[string]string{}
		for _, s := range p.Steps {
			got[s.ID] = s.Outcome
		}
		require.Equal(t, map[string]string{"announce": workflows.PlanDryRun, "flag": workflows.PlanDryRun, "rollback": workflows.PlanDryRun,
			"health": workflows.PlanSkip, "tell": workflows.PlanDryRun}, got)
		require.Equal(t, 0, p.Calls)
		require.Contains(t, p.Steps[1].Approval.Decision.Reasons, "environment training only plans: the step is shown and not run")
	})
	t.Run("unknown runbook", func(t *testing.T) {
		io, _, _ := testIO("")
		err := runbookPlanRun(context.Background(), &runbookPlanOptions{IO: io, Key: "chk-1", Name: "nope", Runbooks: "testdata/runbook_plan", Output: formatText, Wait: testWait})
		require.EqualError(t, err, `unknown runbook "nope"; runbooks: plan-rollback`)
	})
	t.Run("bad params", func(t *testing.T) {
		_, err := plan(t, planState(incident.Sev1, "production"), formatText, map[string]string{"issue": "seven", "colour": "red"})
		require.ErrorContains(t, err, `unknown param "colour"`)
		require.ErrorContains(t, err, `param "issue": invalid integer "seven"`)
		require.ErrorContains(t, err, `param "service" is required`)
	})

	require.Zero(t, awsCalls.Load(), "requests to AWS")
	require.Zero(t, ghCalls.Load(), "requests to GitHub")
	require.Zero(t, healthCalls.Load(), "requests to the health URL")
}
