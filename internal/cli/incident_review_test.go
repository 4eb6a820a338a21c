package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/review"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdReview(t *testing.T) {
	want := func(o reviewOptions) reviewOptions {
		if o.Output == "" {
			o.Output = "markdown"
		}
		if o.Dir == "" {
			o.Dir = "reviews"
		}
		o.Key, o.Wait = "chk-1", testWait
		return o
	}
	testParse(t, newCmdReview, []parseCase[reviewOptions]{
		{name: "markdown", args: []string{"chk-1"}, want: want(reviewOptions{})},
		{name: "json", args: []string{"incident-chk-1", "-o", "json"}, want: want(reviewOptions{Output: "json"})},
		{name: "publish", args: []string{"chk-1", "--publish", "--dir", "/srv/reviews"}, want: want(reviewOptions{Publish: true, Dir: "/srv/reviews"})},
		{name: "directory from the environment", env: map[string]string{EnvReviewDir: "/var/reviews"}, args: []string{"chk-1", "--publish"},
			want: want(reviewOptions{Publish: true, Dir: "/var/reviews"})},
		{name: "publish nowhere", args: []string{"chk-1", "--publish", "--dir", " "}, wantErr: "--publish needs a directory"},
		{name: "bad output", args: []string{"chk-1", "-o", "html"}, wantErr: `invalid --output "html": use markdown or json`},
		{name: "bad wait", args: []string{"chk-1", "--wait", "0s"}, wantErr: "invalid --wait 0s"},
		{name: "missing key", args: nil, wantErr: "accepts 1 arg(s), received 0"},
		{name: "invalid key", args: []string{"../etc"}, wantErr: `"../etc" is neither an incident key nor an incident workflow ID`},
	}, func(_ *testing.T, o *reviewOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

// sliceIterator is a history event iterator over events in memory.
type sliceIterator struct{ events []*historypb.HistoryEvent }

func (it *sliceIterator) HasNext() bool { return len(it.events) > 0 }

func (it *sliceIterator) Next() (*historypb.HistoryEvent, error) {
	e := it.events[0]
	it.events = it.events[1:]
	return e, nil
}

// recordedHistory loads one of the incident workflow's recorded histories.
func recordedHistory(t *testing.T, name string) []*historypb.HistoryEvent {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "workflows", "testdata", "histories", name))
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return h.GetEvents()
}

// serveHistory makes the mock answer for the incident key as Temporal would for a workflow
// whose only run recorded the history name.
func serveHistory(t *testing.T, mc *mocks.Client, key, name string) {
	t.Helper()
	id := workflows.WorkflowID(key)
	mc.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "run-" + key}},
	}, nil)
	mc.On("GetWorkflowHistory", mock.Anything, id, "run-"+key, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).
		Return(func(context.Context, string, string, bool, enumspb.HistoryEventFilterType) client.HistoryEventIterator {
			return &sliceIterator{events: recordedHistory(t, name)}
		})
}

var reviewNow = time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)

func TestReviewRun(t *testing.T) {
	closeAt := time.Date(2026, 12, 8, 19, 16, 5, 0, time.UTC)
	resolved := workflows.State{Key: "search-2", Status: incident.StatusResolved, Phase: incident.PhaseResolve, CloseAt: &closeAt}
	noPoller := serviceerror.NewFailedPrecondition("no poller seen for task queue recently, worker may be down")
	tests := []struct {
		name       string
		output     string
		publish    bool
		queryErr   error
		wantStatus string
		wantErrOut string
	}{
		{name: "markdown", output: "markdown", wantStatus: "| Status | resolved, phase resolve, notes and follow-up actions taken until 2026-12-08T19:16:05Z |"},
		{name: "no worker", output: "markdown", queryErr: noPoller, wantErrOut: noWorkerReviewing + "\n"},
		{name: "json", output: "json"},
		{name: "publish", output: "markdown", publish: true, wantStatus: "| Status | resolved, phase resolve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, errOut := testIO("")
			f, mc := mockFactory(t, io)
			serveHistory(t, mc, "search-2", "escalation.json")
			var value converter.EncodedValue
			if tt.queryErr == nil {
				payloads, err := converter.GetDefaultDataConverter().ToPayloads(resolved)
				require.NoError(t, err)
				value = client.NewValue(payloads)
			}
			mc.On("QueryWorkflow", mock.Anything, "incident-search-2", "", workflows.QueryState).Return(value, tt.queryErr)
			dir := filepath.Join(t.TempDir(), "reviews")

			err := reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return reviewNow },
				Key: "search-2", Output: tt.output, Publish: tt.publish, Dir: dir, Wait: testWait})
			require.NoError(t, err)

			if tt.output == "json" {
				var doc review.Document
				require.NoError(t, json.Unmarshal(out.Bytes(), &doc))
				require.Equal(t, "search-2", doc.Key)
				require.Equal(t, "http://ui.test/namespaces/default/workflows/incident-search-2", doc.URL)
				require.Equal(t, incident.Sev1, doc.Figures.Peak)
				require.Len(t, doc.Acks, 2)
				return
			}
			require.Contains(t, out.String(), "# Post-incident review: Search is slow\n")
			require.Contains(t, out.String(), "| Time to acknowledge (first page to first acknowledgement) | 4.1s | 5m | met |")
			if tt.wantStatus != "" {
				require.Contains(t, out.String(), tt.wantStatus)
			} else {
				require.NotContains(t, out.String(), "| Status |")
			}
			if tt.publish {
				published, err := os.ReadFile(filepath.Join(dir, "search-2.md"))
				require.NoError(t, err)
				require.Equal(t, out.String(), string(published))
				require.Equal(t, "published "+filepath.Join(dir, "search-2.md")+"\n", errOut.String())
				entries, err := os.ReadDir(dir)
				require.NoError(t, err)
				require.Len(t, entries, 1, "no temporary file is left behind")
				return
			}
			require.Equal(t, tt.wantErrOut, errOut.String())
			_, err = os.Stat(dir)
			require.ErrorIs(t, err, os.ErrNotExist, "nothing is published without --publish")
		})
	}
}

func TestReviewRunFails(t *testing.T) {
	t.Run("no such incident", func(t *testing.T) {
		io, _, _ := testIO("")
		f, mc := mockFactory(t, io)
		mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(nil, serviceerror.NewNotFound("workflow not found"))
		err := reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: "markdown", Wait: testWait})
		require.EqualError(t, err, `review: no incident "chk-1"`)
	})
	t.Run("publish directory cannot be made", func(t *testing.T) {
		io, out, _ := testIO("")
		f, mc := mockFactory(t, io)
		serveHistory(t, mc, "search-2", "escalation.json")
		mc.On("QueryWorkflow", mock.Anything, "incident-search-2", "", workflows.QueryState).Return(nil, context.DeadlineExceeded)
		blocker := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(blocker, nil, 0o644))
		err := reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return reviewNow },
			Key: "search-2", Output: "markdown", Publish: true, Dir: filepath.Join(blocker, "reviews"), Wait: testWait})
		require.ErrorContains(t, err, "publish review: mkdir")
		require.Empty(t, out.String(), "nothing is printed when publishing fails")
	})
	t.Run("history that is not an incident's", func(t *testing.T) {
		io, _, _ := testIO("")
		f, mc := mockFactory(t, io)
		serveHistory(t, mc, "daily", "schedule/override.json")
		err := reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Key: "daily", Output: "markdown", Wait: testWait})
		require.ErrorContains(t, err, "review: run run-daily, event 1: the workflow is a \"Schedule\" workflow, not an incident")
	})
}
