package workflows_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// ecsCalls records the ECS rollbacks a run makes, with the test clock's time.
type ecsCalls struct {
	mu    sync.Mutex
	h     *harness
	calls []string
}

func (e *ecsCalls) rollback(_ context.Context, in map[string]any) (map[string]any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, in["cluster"].(string)+"/"+in["service"].(string)+" key="+in["idempotency_key"].(string)+
		" at "+e.h.env.Now().Sub(wednesday10).String())
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
