package activities_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/firebreak-dev/firebreak/activities"
	trackgh "github.com/firebreak-dev/firebreak/activities/tracking/github"
	"github.com/firebreak-dev/firebreak/incident"
)

var trackingStart = time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)

func recordRequest() activities.RecordRequest {
	return activities.RecordRequest{
		WorkflowID: "incident-checkout-x7k2mp", Key: "checkout-x7k2mp", Source: "alertmanager", Service: "checkout",
		Type: "alert", Title: "Checkout 5xx", StartedAt: trackingStart,
	}
}

// readEvents returns the lines of an incident's events in the local log.
func readEvents(t *testing.T, dir, key string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, key+".events.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var events []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev))
		events = append(events, ev)
	}
	require.NoError(t, sc.Err())
	return events
}

func TestLocalLogRecordsEventsAndResolutionOnce(t *testing.T) {
	dir := t.TempDir()
	a := &activities.Activities{Tracker: activities.FileTracker{Dir: dir}}
	ctx := context.Background()
	rec, err := a.RecordIncident(ctx, recordRequest())
	require.NoError(t, err)
	require.Equal(t, "file", rec.System)

	ev := activities.TrackingEventRequest{
		WorkflowID: "incident-checkout-x7k2mp", Tracking: rec, Step: "severity-1", At: trackingStart.Add(time.Minute),
		Kind: "severity", Text: "assessed sev2\x1b[2J", Severity: incident.Sev2,
	}
	require.NoError(t, a.CommentTracking(ctx, ev))
	require.NoError(t, a.CommentTracking(ctx, ev), "a retry adds nothing")
	closing := activities.TrackingCloseRequest{
		WorkflowID: "incident-checkout-x7k2mp", Tracking: rec, ResolvedAt: trackingStart.Add(47 * time.Minute), Summary: "rolled back",
	}
	require.NoError(t, a.CloseTracking(ctx, closing))
	require.NoError(t, a.CloseTracking(ctx, closing))

	data, err := os.ReadFile(filepath.Join(dir, "checkout-x7k2mp.events.jsonl"))
	require.NoError(t, err)
	require.NotContains(t, string(data), "\x1b", "the log shows nothing a terminal acts on")
	events := readEvents(t, dir, "checkout-x7k2mp")
	require.Equal(t, []map[string]any{
		{"key": "incident-checkout-x7k2mp/tracking/severity-1", "at": "2026-12-01T22:01:00Z", "kind": "severity",
			"text": "assessed sev2\x1b[2J", "severity": "sev2"},
		{"key": "incident-checkout-x7k2mp/tracking/resolved", "at": "2026-12-01T22:47:00Z", "kind": "resolved", "text": "rolled back"},
	}, events, "and still decodes to what was recorded")
}

func TestLocalLogKeepsEventsWrittenAtOnce(t *testing.T) {
	dir := t.TempDir()
	a := &activities.Activities{Tracker: activities.FileTracker{Dir: dir}}
	rec, err := a.RecordIncident(context.Background(), recordRequest())
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			require.NoError(t, a.CommentTracking(context.Background(), activities.TrackingEventRequest{
				WorkflowID: "incident-checkout-x7k2mp", Tracking: rec, Step: "note-" + strconv.Itoa(i), Kind: "note",
				Text: strings.Repeat("x", 3000),
			}))
		})
	}
	wg.Wait()
	require.Len(t, readEvents(t, dir, "checkout-x7k2mp"), 20)
}

func TestTrackingRefusals(t *testing.T) {
	dir := t.TempDir()
	a := &activities.Activities{Tracker: activities.FileTracker{Dir: dir}}
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func() error
		errType string
		message string
	}{
		{"no record", func() error {
			return a.CommentTracking(ctx, activities.TrackingEventRequest{WorkflowID: "incident-x", Step: "s"})
		}, activities.ErrBadInput, "the incident has no tracking record: it was not logged at detection"},
		{"record in another system", func() error {
			return a.CloseTracking(ctx, activities.TrackingCloseRequest{WorkflowID: "incident-x",
				Tracking: incident.TrackingRecord{System: "github", Ref: "example/incidents#4"}})
		}, activities.ErrUndeliverable, "the incident was logged in github, and this worker logs incidents in file"},
		{"no step", func() error {
			return a.CommentTracking(ctx, activities.TrackingEventRequest{WorkflowID: "incident-x",
				Tracking: incident.TrackingRecord{System: "file", Ref: "x"}})
		}, activities.ErrBadInput, "comment tracking: workflow ID and step are required"},
		{"key that escapes the directory", func() error {
			req := recordRequest()
			req.Key = "../escape"
			_, err := a.RecordIncident(ctx, req)
			return err
		}, activities.ErrBadInput, `tracking log: incident key "../escape" is not a file name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app), "%v", err)
			require.Equal(t, tt.errType, app.Type())
			require.True(t, app.NonRetryable())
			require.Equal(t, tt.message, app.Message())
		})
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// issueStore is a fake GitHub that keeps issues and comments, checks each request's method,
// path and body, and loses the response to the first issue it creates.
type issueStore struct {
	t        *testing.T
	mu       sync.Mutex
	issues   []map[string]any
	comments map[int][]string
	requests []string
	dropNext bool
}

func (s *issueStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer ghp_activities_test" {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(r.Body)
	require.NoError(s.t, err)
	const repo = "/api/v3/repos/example/incidents/issues"
	switch {
	case r.Method == "GET" && r.URL.Path == repo:
		require.Equal(s.t, "incident", r.URL.Query().Get("labels"))
		require.Equal(s.t, "all", r.URL.Query().Get("state"))
		newest := make([]map[string]any, 0, len(s.issues))
		for i := len(s.issues) - 1; i >= 0; i-- {
			newest = append(newest, s.issues[i])
		}
		writeJSON(w, http.StatusOK, newest)
	case r.Method == "POST" && r.URL.Path == repo:
		var req struct {
			Title, Body string
			Labels      []string
		}
		require.NoError(s.t, json.Unmarshal(body, &req))
		require.Equal(s.t, "[checkout-x7k2mp] Checkout 5xx", req.Title)
		require.Equal(s.t, []string{"incident", "service:checkout"}, req.Labels)
		n := len(s.issues) + 1
		s.issues = append(s.issues, map[string]any{"number": n, "body": req.Body, "created_at": trackingStart.Add(time.Second),
			"html_url": fmt.Sprintf("https://github.example.com/example/incidents/issues/%d", n)})
		if s.dropNext {
			s.dropNext = false
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(s.t, err)
			_ = conn.Close()
			return
		}
		writeJSON(w, http.StatusCreated, s.issues[n-1])
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/comments"):
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, repo+"/"), "/comments"))
		var out []map[string]any
		for _, c := range s.comments[n] {
			out = append(out, map[string]any{"body": c})
		}
		writeJSON(w, http.StatusOK, out)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/comments"):
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, repo+"/"), "/comments"))
		var c struct{ Body string }
		require.NoError(s.t, json.Unmarshal(body, &c))
		s.comments[n] = append(s.comments[n], c.Body)
		writeJSON(w, http.StatusCreated, map[string]any{"id": len(s.comments[n])})
	case r.Method == "PATCH" && strings.HasPrefix(r.URL.Path, repo+"/"):
		require.JSONEq(s.t, `{"state":"closed","state_reason":"completed"}`, string(body))
		writeJSON(w, http.StatusOK, map[string]any{"state": "closed"})
	default:
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, `{"message":"unexpected"}`, http.StatusTeapot)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// The activity retried after a lost response finds the issue the first attempt created.
func TestRecordIncidentInGitHubIsIdempotentUnderRetry(t *testing.T) {
	store := &issueStore{t: t, comments: map[int][]string{}, dropNext: true}
	srv := httptest.NewServer(store)
	t.Cleanup(srv.Close)
	issues, err := trackgh.New(trackgh.Config{Repository: "example/incidents", Token: "ghp_activities_test", BaseURL: srv.URL + "/api/v3"})
	require.NoError(t, err)
	a := &activities.Activities{Tracker: activities.GitHubTracker{Issues: issues}, UIURL: "http://ui.test"}

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)

	_, err = env.ExecuteActivity(a.RecordIncident, recordRequest())
	require.Error(t, err, "the first attempt lost its response")
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	require.False(t, app.NonRetryable(), "and is retried: %v", err)

	val, err := env.ExecuteActivity(a.RecordIncident, recordRequest())
	require.NoError(t, err)
	var rec incident.TrackingRecord
	require.NoError(t, val.Get(&rec))
	require.Equal(t, incident.TrackingRecord{System: "github", Ref: "example/incidents#1",
		URL: "https://github.example.com/example/incidents/issues/1"}, rec)
	require.Len(t, store.issues, 1, "no second issue")

	_, err = env.ExecuteActivity(a.CommentTracking, activities.TrackingEventRequest{
		WorkflowID: "incident-checkout-x7k2mp", Tracking: rec, Step: "ack-alice", Kind: "ack", Text: "alice acknowledged",
	})
	require.NoError(t, err)
	_, err = env.ExecuteActivity(a.CloseTracking, activities.TrackingCloseRequest{
		WorkflowID: "incident-checkout-x7k2mp", Tracking: rec, ResolvedAt: trackingStart.Add(time.Hour), Summary: "rolled back",
	})
	require.NoError(t, err)
	_, err = env.ExecuteActivity(a.CloseTracking, activities.TrackingCloseRequest{
		WorkflowID: "incident-checkout-x7k2mp", Tracking: rec, ResolvedAt: trackingStart.Add(time.Hour), Summary: "rolled back",
	})
	require.NoError(t, err)
	require.Len(t, store.comments[1], 2, "one comment for the event, one for the resolution")
	require.Contains(t, store.comments[1][0], "alice acknowledged")
	require.Contains(t, store.comments[1][1], "rolled back")
	require.Contains(t, store.issues[0]["body"], "<!-- firebreak-incident: incident-checkout-x7k2mp -->")
	require.Contains(t, store.issues[0]["body"], "(<http://ui.test/namespaces/default/workflows/incident-checkout-x7k2mp>)")
}
