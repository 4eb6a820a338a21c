package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/workflows"
)

// TestReplayRecordedHistories replays histories recorded on the real server (by
// `go test ./test/e2e -record`), so that a change to workflow code that would break running
// incidents fails here. Such a change needs workflow.GetVersion. The v0-*.json histories were
// recorded before the hardened paging core and replay on package legacy; the others on today's
// code. escalation.json was recorded before key events went to the channel and the tracking
// record and is no longer re-recorded, so that shape stays guarded; TestEscalationOnTheRealServer
// now records escalation-channel.json.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflows.Incident, workflow.RegisterOptions{Name: workflows.IncidentWorkflowName})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
