package review_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/review"
	"github.com/firebreak-dev/firebreak/starter"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// recorded loads one of the incident workflow's recorded histories as the review reader sees it.
func recorded(t *testing.T, name string) starter.ReviewHistory {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "workflows", "testdata", "histories", name))
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return starter.ReviewHistory{
		WorkflowID: "incident-" + name,
		Runs:       []starter.ReviewRun{{RunID: "run-1", Events: h.GetEvents()}},
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

// generated is when the golden documents are made: a day after the recordings.
var generated = time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)

func TestReviewOfARecordedIncident(t *testing.T) {
	h := recorded(t, "escalation.json")
	in, err := starter.ReviewInput(h, nil, generated)
	require.NoError(t, err)
	doc := review.New(in)

	var md bytes.Buffer
	require.NoError(t, doc.WriteMarkdown(&md))
	golden(t, "escalation.golden", md.Bytes())

	// The timeline is the history: one entry per event that is not bookkeeping, in order, with
	// the event's own ID and time.
	events := h.Runs[0].Events
	require.Equal(t, len(events), len(in.Timeline)+in.Omitted)
	byID := map[int64]time.Time{}
	for _, e := range events {
		byID[e.GetEventId()] = e.GetEventTime().AsTime().UTC()
	}
	for i, e := range in.Timeline {
		require.Equal(t, byID[e.EventID], e.At, "entry %d", i)
		if i > 0 {
			require.Greater(t, e.EventID, in.Timeline[i-1].EventID)
		}
	}

	f := doc.Figures
	require.Equal(t, incident.Sev2, f.Initial)
	require.Equal(t, incident.Sev1, f.Peak)
	require.Len(t, f.AtSeverity, 2)
	require.Equal(t, f.Duration, f.AtSeverity[0].Duration+f.AtSeverity[1].Duration, "every moment is at one severity")
	require.Equal(t, []review.Ack{{At: byID[84], By: "lena"}, {At: byID[111], By: "lena"}}, in.Acks)
	require.NotNil(t, f.TimeToAcknowledge)
	require.Equal(t, byID[84].Sub(*f.FirstPage), *f.TimeToAcknowledge)
	require.Equal(t, 5*time.Minute, f.ResponseTarget, "sev1's target, in force at resolution")
	require.Equal(t, 4*time.Hour, f.ResolutionTarget)
	require.Equal(t, &review.Resolution{At: byID[127], By: "lena", Summary: "rebuilt the index"}, in.Resolved)
	for _, d := range in.Decisions {
		require.Equal(t, "sha256:e9ba6e51cc560f3296ea96ea7827b9b593364f7008255ec8877f7323f753d1e8", d.Revision, d.Policy)
	}

	encoded, err := json.Marshal(doc)
	require.NoError(t, err)
	var back review.Document
	require.NoError(t, json.Unmarshal(encoded, &back))
	require.Equal(t, doc.Figures, back.Figures)
}

func TestReviewOfRecordedHistories(t *testing.T) {
	tests := []struct {
		file         string
		wantSource   string
		wantAlerts   bool
		wantResolved bool
		wantAckBy    string
	}{
		{file: "lifecycle.json", wantSource: "cli", wantResolved: true, wantAckBy: "ana"},
		{file: "alerts.json", wantSource: "alertmanager", wantAlerts: true},
		{file: "pagerduty.json", wantSource: "pagerduty", wantAlerts: true, wantResolved: true},
		{file: "v0-escalation.json", wantSource: "cli", wantResolved: true, wantAckBy: "lena"},
		{file: "restart.json", wantSource: "cli", wantResolved: true, wantAckBy: "kenji"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := starter.ReviewInput(recorded(t, tt.file), nil, generated)
			require.NoError(t, err)
			require.Equal(t, tt.wantSource, in.Source)
			require.Equal(t, tt.wantAlerts, len(in.Alerts) > 0)
			require.Equal(t, tt.wantResolved, in.Resolved != nil)
			if tt.wantAckBy != "" {
				require.Equal(t, tt.wantAckBy, in.Acks[0].By)
			}
			require.NotEmpty(t, in.Decisions)
			for _, d := range in.Decisions {
				require.NotEmpty(t, d.Revision, "decision %s at event %d", d.Policy, d.EventID)
			}
			var md bytes.Buffer
			require.NoError(t, review.New(in).WriteMarkdown(&md))
			require.Contains(t, md.String(), "## Timeline")
		})
	}
}

// reportHistories are the recorded incidents the report's golden files cover.
var reportHistories = []string{
	"alerts-false-alarm-reopened.json", "alerts.json", "escalation.json", "lifecycle.json", "pagerduty.json", "restart.json",
	"v0-alerts-false-alarm-reopened.json", "v0-alerts.json", "v0-escalation.json", "v0-lifecycle.json", "v0-restart.json",
}

func TestEveryRecordedIncidentReads(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "workflows", "testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), len(reportHistories))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := starter.ReviewInput(recorded(t, filepath.Base(file)), nil, generated)
			require.NoError(t, err)
			require.NotEmpty(t, in.Decisions)
			var md bytes.Buffer
			require.NoError(t, review.New(in).WriteMarkdown(&md))
		})
	}
}

func TestReviewOfARecordedReview(t *testing.T) {
	h := recorded(t, "review.json")
	in, err := starter.ReviewInput(h, nil, generated)
	require.NoError(t, err)
	byID := map[int64]time.Time{}
	for _, e := range h.Runs[0].Events {
		byID[e.GetEventId()] = e.GetEventTime().AsTime().UTC()
	}
	require.Len(t, in.Actions, 1)
	require.Equal(t, review.Action{ID: 1, At: in.Actions[0].At, By: "ana", Owner: "tom", Text: "alert on shard health"}, in.Actions[0])
	require.True(t, in.Actions[0].At.After(byID[134]) || in.Actions[0].At.Equal(byID[134]))
	require.NotNil(t, in.ReviewClosed)
	require.Equal(t, "one follow-up", in.ReviewClosed.Summary)
	require.Equal(t, []incident.Role{incident.RoleCommander, incident.RoleCommunications},
		[]incident.Role{in.Roles[0].Role, in.Roles[1].Role})
	require.Equal(t, "rolled back", in.Resolved.Summary)

	var md bytes.Buffer
	require.NoError(t, review.New(in).WriteMarkdown(&md))
	require.Contains(t, md.String(), "| 1 | alert on shard health | tom | ana |")
	require.Contains(t, md.String(), "The review was closed at ")
	require.Contains(t, md.String(), "| WorkflowExecutionCompleted | the workflow completed: the incident is closed |")
}

func TestReportOverRecordedIncidents(t *testing.T) {
	files := reportHistories
	var items []review.Item
	for _, file := range files {
		in, err := starter.ReviewInput(recorded(t, file), nil, generated)
		require.NoError(t, err, file)
		items = append(items, review.ItemOf(in))
	}
	since := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	r := review.Build(items, since, generated, "")
	require.Len(t, r.Items, len(files))
	require.Equal(t, len(files), r.Overall.Incidents)
	sum := 0
	for _, g := range r.BySeverity {
		sum += g.Incidents
	}
	require.Equal(t, len(files), sum, "every incident has one peak severity")

	var table, page bytes.Buffer
	require.NoError(t, r.WriteTable(&table))
	golden(t, "report.golden", table.Bytes())
	require.NoError(t, r.WriteHTML(&page))
	golden(t, "report.html.golden", page.Bytes())
}
