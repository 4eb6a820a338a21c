package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
	"github.com/firebreak-dev/firebreak/internal/githubapi/githubtest"
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
		{name: "publish with a configuration", args: []string{"chk-1", "--publish", "--config", "firebreak.yaml"},
			want: want(reviewOptions{Publish: true, ConfigPath: "firebreak.yaml"})},
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

const (
	reviewTokenEnv = "FIREBREAK_TEST_REVIEW_TOKEN"
	reviewToken    = "ghp_reviewsecret0123456789"
)

// githubConfig writes testdata/config/valid.yaml with a tracking.github section whose API is
// baseURL, and returns its path.
func githubConfig(t *testing.T, baseURL string) string {
	t.Helper()
	base, err := os.ReadFile(filepath.Join("testdata", "config", "valid.yaml"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "firebreak.yaml")
	yaml := string(base) + "tracking:\n  github:\n    repository: example/incidents\n    token_env: " + reviewTokenEnv +
		"\n    base_url: " + baseURL + "\n    timeout: 5s\n"
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o644))
	return path
}

// answerState makes the mock answer the state query of search-2 with s, as often as asked.
func answerState(t *testing.T, mc *mocks.Client, s workflows.State) {
	t.Helper()
	payloads, err := converter.GetDefaultDataConverter().ToPayloads(s)
	require.NoError(t, err)
	mc.On("QueryWorkflow", mock.Anything, "incident-search-2", "", workflows.QueryState).Return(client.NewValue(payloads), nil)
}

// commentJSON is an issue comment as GitHub lists or creates it.
func commentJSON(t *testing.T, id int, body string) map[string]any {
	t.Helper()
	return map[string]any{"id": id, "body": body, "html_url": fmt.Sprintf("https://github.test/example/incidents/issues/7#issuecomment-%d", id)}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

func TestReviewRunPublishGitHub(t *testing.T) {
	tracked := workflows.State{Key: "search-2", Status: incident.StatusResolved, Phase: incident.PhaseResolve,
		Tracking: incident.TrackingRecord{System: "github", Ref: "example/incidents#7", URL: "https://github.test/example/incidents/issues/7"}}
	comments := "/repos/example/incidents/issues/7/comments"
	page1 := url.Values{"per_page": {"100"}, "page": {"1"}}
	// script returns the exchanges of one publish given the review's Markdown and marker.
	tests := []struct {
		name      string
		state     workflows.State
		script    func(md, marker string) []githubtest.Exchange
		wantFile  bool
		wantNotes string // standard error before the published line
		wantWhere string
	}{
		{name: "posted on the incident's issue", state: tracked, script: func(md, marker string) []githubtest.Exchange {
			return []githubtest.Exchange{
				{Method: "GET", Path: comments, Query: page1, Reply: "[]"},
				{Method: "POST", Path: comments, Body: jsonText(t, map[string]string{"body": md + "\n\n" + marker}),
					Status: 201, Reply: jsonText(t, commentJSON(t, 12, md+"\n\n"+marker))},
			}
		}, wantWhere: "https://github.test/example/incidents/issues/7#issuecomment-12"},
		{name: "the same document published again", state: tracked, script: func(md, marker string) []githubtest.Exchange {
			return []githubtest.Exchange{{Method: "GET", Path: comments, Query: page1,
				Reply: jsonText(t, []any{commentJSON(t, 3, "**ACK**"), commentJSON(t, 12, md+"\n\n"+marker)})}}
		}, wantWhere: "https://github.test/example/incidents/issues/7#issuecomment-12 (already there: the same document was published before)"},
		{name: "a changed document", state: tracked, script: func(md, marker string) []githubtest.Exchange {
			old := "# Post-incident review: an earlier version\n\n<!-- firebreak-key: incident-search-2/review/sha256:00000000000000000000000000000000 -->"
			return []githubtest.Exchange{
				{Method: "GET", Path: comments, Query: page1, Reply: jsonText(t, []any{commentJSON(t, 12, old)})},
				{Method: "POST", Path: comments, Body: jsonText(t, map[string]string{"body": md + "\n\n" + marker}),
					Status: 201, Reply: jsonText(t, commentJSON(t, 13, md+"\n\n"+marker))},
			}
		}, wantWhere: "https://github.test/example/incidents/issues/7#issuecomment-13"},
		{name: "no GitHub tracking issue", state: workflows.State{Key: "search-2", Status: incident.StatusResolved, Phase: incident.PhaseResolve,
			Tracking: incident.TrackingRecord{System: "file", Ref: "search-2"}},
			wantFile: true, wantNotes: "the incident has no GitHub tracking issue: writing the review to a file\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(reviewTokenEnv, reviewToken)
			io, out, errOut := testIO("")
			f, mc := mockFactory(t, io)
			serveHistory(t, mc, "search-2", "escalation.json")
			answerState(t, mc, tt.state)
			dir := filepath.Join(t.TempDir(), "reviews")

			// The Markdown is the same whether or not it is published: make it first to script
			// the fake with it.
			var script []githubtest.Exchange
			if tt.script != nil {
				md := renderReview(t, f)
				sum := sha256.Sum256([]byte(md))
				script = tt.script(md, "<!-- firebreak-key: incident-search-2/review/sha256:"+hex.EncodeToString(sum[:16])+" -->")
			}
			srv := githubtest.New(t, reviewToken, script)
			err := reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return reviewNow },
				Key: "search-2", Output: "markdown", Publish: true, Dir: dir, Wait: testWait, ConfigPath: githubConfig(t, srv.BaseURL())})
			require.NoError(t, err)
			srv.Done()

			require.Contains(t, out.String(), "# Post-incident review: Search is slow\n")
			if tt.wantFile {
				published, err := os.ReadFile(filepath.Join(dir, "search-2.md"))
				require.NoError(t, err)
				require.Equal(t, out.String(), string(published))
				require.Equal(t, tt.wantNotes+"published "+filepath.Join(dir, "search-2.md")+"\n", errOut.String())
				return
			}
			require.Equal(t, tt.wantNotes+"published "+tt.wantWhere+"\n", errOut.String())
			_, err = os.Stat(dir)
			require.ErrorIs(t, err, os.ErrNotExist, "a review that fits in a comment writes no file")
		})
	}
}

// renderReview returns the Markdown review of search-2 as reviewRun writes it, without
// publishing.
func renderReview(t *testing.T, f *Factory) string {
	t.Helper()
	io, out, _ := testIO("")
	require.NoError(t, reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return reviewNow },
		Key: "search-2", Output: "markdown", Wait: testWait}))
	return out.String()
}

func TestReviewRunPublishLongDocument(t *testing.T) {
	t.Setenv(reviewTokenEnv, reviewToken)
	io, _, errOut := testIO("")
	f, mc := mockFactory(t, io)
	answerState(t, mc, workflows.State{Key: "search-2", Tracking: incident.TrackingRecord{System: "github", Ref: "example/incidents#7"}})
	var doc strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&doc, "| %05d | a line of the timeline |\n", i) // 35 bytes a line
	}
	dir := filepath.Join(t.TempDir(), "reviews")
	path := filepath.Join(dir, "search-2.md")
	sum := sha256.Sum256([]byte(doc.String()))
	marker := "<!-- firebreak-key: incident-search-2/review/sha256:" + hex.EncodeToString(sum[:16]) + " -->"
	note := "\n\n**Cut by Firebreak: the review is longer than a GitHub comment holds. The whole document is `" + path +
		"`, written by `firebreak incident review search-2 --publish`.**\n"
	// The comment holds as many whole lines as fit with the note, room for a closing fence and
	// the marker in 65,536 bytes.
	lines := (65_536 - len("\n\n"+marker) - len(note) - len("```\n")) / 35
	want := doc.String()[:lines*35] + note + "\n\n" + marker
	require.LessOrEqual(t, len(want), 65_536)
	srv := githubtest.New(t, reviewToken, []githubtest.Exchange{
		{Method: "GET", Path: "/repos/example/incidents/issues/7/comments", Reply: "[]"},
		{Method: "POST", Path: "/repos/example/incidents/issues/7/comments", Body: jsonText(t, map[string]string{"body": want}),
			Status: 201, Reply: jsonText(t, commentJSON(t, 20, want))},
	})
	c, err := f.Starter(context.Background())
	require.NoError(t, err)
	cfg, err := loadConfig(githubConfig(t, srv.BaseURL()))
	require.NoError(t, err)

	where, err := publishDocument(context.Background(), &reviewOptions{IO: io, Key: "search-2", Dir: dir, Wait: testWait},
		c, cfg.Tracking.GitHub, true, []byte(doc.String()))
	require.NoError(t, err)
	srv.Done()
	require.Equal(t, "https://github.test/example/incidents/issues/7#issuecomment-20, cut; the whole document is "+path, where)
	require.Empty(t, errOut.String())
	published, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, doc.String(), string(published), "the file holds the whole document")
}

func TestReviewRunPublishGitHubFails(t *testing.T) {
	tracked := workflows.State{Key: "search-2", Tracking: incident.TrackingRecord{System: "github", Ref: "example/incidents#7"}}
	comments := "/repos/example/incidents/issues/7/comments"
	tests := []struct {
		name    string
		token   string
		script  []githubtest.Exchange
		wantErr string
	}{
		{name: "no token in the environment", wantErr: "publish review: the environment variable " + reviewTokenEnv +
			" (tracking.github.token_env) holds no GitHub token"},
		{name: "repository not found", token: reviewToken, script: []githubtest.Exchange{
			{Method: "GET", Path: comments, Status: 404, Reply: `{"message":"Not Found"}`}},
			wantErr: "publish review: list comments of tracking issue example/incidents#7: GitHub answered 404 Not Found: Not Found " +
				"(does it exist, and may the token see it?)"},
		{name: "bad credentials", token: reviewToken, script: []githubtest.Exchange{
			{Method: "GET", Path: comments, Reply: "[]"},
			{Method: "POST", Path: comments, Body: "*", Status: 401, Reply: `{"message":"Bad credentials"}`}},
			wantErr: "publish review: comment on tracking issue example/incidents#7: GitHub answered 401 Unauthorized: Bad credentials (check the token)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(reviewTokenEnv, tt.token)
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			serveHistory(t, mc, "search-2", "escalation.json")
			answerState(t, mc, tracked)
			md := renderReview(t, f)
			sum := sha256.Sum256([]byte(md))
			marker := "<!-- firebreak-key: incident-search-2/review/sha256:" + hex.EncodeToString(sum[:16]) + " -->"
			for i := range tt.script {
				if tt.script[i].Body == "*" {
					tt.script[i].Body = jsonText(t, map[string]string{"body": md + "\n\n" + marker})
				}
			}
			srv := githubtest.New(t, reviewToken, tt.script)
			dir := filepath.Join(t.TempDir(), "reviews")

			err := reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return reviewNow },
				Key: "search-2", Output: "markdown", Publish: true, Dir: dir, Wait: testWait, ConfigPath: githubConfig(t, srv.BaseURL())})
			require.EqualError(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), reviewToken)
			srv.Done()
			require.Empty(t, out.String(), "nothing is printed when publishing fails")
			_, err = os.Stat(dir)
			require.ErrorIs(t, err, os.ErrNotExist, "a failed comment falls back to no file")
		})
	}
}

func TestReviewRunPublishWithoutWorker(t *testing.T) {
	t.Setenv(reviewTokenEnv, reviewToken)
	io, out, errOut := testIO("")
	f, mc := mockFactory(t, io)
	serveHistory(t, mc, "search-2", "escalation.json")
	mc.On("QueryWorkflow", mock.Anything, "incident-search-2", "", workflows.QueryState).
		Return(nil, serviceerror.NewFailedPrecondition("no poller seen for task queue recently, worker may be down"))
	srv := githubtest.New(t, reviewToken, nil)
	dir := filepath.Join(t.TempDir(), "reviews")

	err := reviewRun(context.Background(), &reviewOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return reviewNow },
		Key: "search-2", Output: "markdown", Publish: true, Dir: dir, Wait: testWait, ConfigPath: githubConfig(t, srv.BaseURL())})
	require.NoError(t, err)
	srv.Done()
	require.Equal(t, noWorkerReviewing+"\nthe incident's GitHub tracking issue is unknown without a worker: writing the review to a file\n"+
		"published "+filepath.Join(dir, "search-2.md")+"\n", errOut.String())
	published, err := os.ReadFile(filepath.Join(dir, "search-2.md"))
	require.NoError(t, err)
	require.Equal(t, out.String(), string(published))
}
