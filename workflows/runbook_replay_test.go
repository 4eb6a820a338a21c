package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/workflows"
)

// TestReplayRecordedRunbookRuns replays the histories of runbook runs recorded on the real
// server (by `go test ./test/e2e -record`), so that a change to the Runbook workflow that would
// break runs in flight fails here. The incidents that started them are in testdata/histories
// with the others.
func TestReplayRecordedRunbookRuns(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "runbook", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflows.Runbook, workflow.RegisterOptions{Name: workflows.RunbookWorkflowName})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
