package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/firebreak-dev/firebreak/review"
)

func TestNewCmdReport(t *testing.T) {
	month := since{Ago: 30 * 24 * time.Hour}
	testParse(t, newCmdReport, []parseCase[reportOptions]{
		{name: "defaults", args: nil, want: reportOptions{Since: month, Limit: 500, Output: "table"}},
		{
			name: "every flag",
			args: []string{"--since", "7d", "--service", "checkout", "--limit", "50", "-o", "html"},
			want: reportOptions{Since: since{Ago: 7 * 24 * time.Hour}, Service: "checkout", Limit: 50, Output: "html"},
		},
		{name: "json", args: []string{"-o", "json"}, want: reportOptions{Since: month, Limit: 500, Output: "json"}},
		{name: "since a date", args: []string{"--since", "2026-11-01"}, want: reportOptions{Since: since{At: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, Limit: 500, Output: "table"}},
		{name: "bad since", args: []string{"--since", "last month"}, wantErr: `invalid --since "last month"`},
		{name: "bad service", args: []string{"--service", "Check Out"}, wantErr: `invalid --service "Check Out"`},
		{name: "zero limit", args: []string{"--limit", "0"}, wantErr: "invalid --limit 0: use 1 to 5000"},
		{name: "limit above the maximum", args: []string{"--limit", "5001"}, wantErr: "invalid --limit 5001: use 1 to 5000"},
		{name: "bad output", args: []string{"-o", "text"}, wantErr: `invalid --output "text": use table, json or html`},
		{name: "positional argument", args: []string{"checkout"}, wantErr: "unknown command"},
	}, func(_ *testing.T, o *reportOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestReportRun(t *testing.T) {
	now := time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)
	started := time.Date(2026, 12, 1, 19, 16, 0, 0, time.UTC)
	rows := func(t *testing.T) []*workflowpb.WorkflowExecutionInfo {
		return []*workflowpb.WorkflowExecutionInfo{
			execution(t, "search-2", "Search is slow", "search", "sev1", "resolved", "resolve", started),
			execution(t, "search-1", "Search is failing", "search", "sev2", "resolved", "resolve", started),
			execution(t, "gone", "Gone", "search", "sev3", "resolved", "resolve", started),
		}
	}
	tests := []struct {
		name  string
		limit int
		out   string
		check func(t *testing.T, out string)
	}{
		{
			name: "table", limit: 10, out: "table",
			check: func(t *testing.T, out string) {
				require.Contains(t, out, "Incidents that started from 2026-11-02 19:00:00Z to 2026-12-02 19:00:00Z, service search\n")
				require.Contains(t, out, "incidents 2, acknowledged 2, resolved 2, target breaches 0")
				require.Contains(t, out, `skipped: gone: review: no incident "gone"`)
				require.Regexp(t, `sev1\s+1\s+1\s+1\s+4.1s\s+4.2s\s+0\s+0`, out)
				require.NotContains(t, out, "more incidents matched")
			},
		},
		{
			name: "json, truncated", limit: 2, out: "json",
			check: func(t *testing.T, out string) {
				var r review.Report
				require.NoError(t, json.Unmarshal([]byte(out), &r))
				require.True(t, r.Truncated)
				require.Len(t, r.Items, 2)
				require.Empty(t, r.Skipped, "the incident past the limit is not read")
				require.Equal(t, "search", r.Service)
				require.Equal(t, 2, r.BySeverity[0].Incidents+r.BySeverity[1].Incidents)
			},
		},
		{
			name: "html", limit: 10, out: "html",
			check: func(t *testing.T, out string) {
				require.True(t, strings.HasPrefix(out, "<!DOCTYPE html>"))
				require.Equal(t, 3, strings.Count(out, "<svg "))
				require.NotContains(t, out, "<script")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			all := rows(t)
			mc.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
				return strings.Contains(r.Query, "IncidentService = 'search'") &&
					strings.Contains(r.Query, "StartTime >= '2026-11-02T19:00:00Z'") && r.PageSize == int32(tt.limit+1)
			})).Return(&workflowservice.ListWorkflowExecutionsResponse{Executions: all[:min(len(all), tt.limit+1)]}, nil)
			serveHistory(t, mc, "search-2", "escalation.json")
			serveHistory(t, mc, "search-1", "lifecycle.json")
			if tt.limit > 2 {
				mc.On("DescribeWorkflowExecution", mock.Anything, "incident-gone", "").Return(nil, serviceerror.NewNotFound("workflow not found"))
			}

			err := reportRun(context.Background(), &reportOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return now },
				Since: since{Ago: 30 * 24 * time.Hour}, Service: "search", Limit: tt.limit, Output: tt.out})
			require.NoError(t, err)
			tt.check(t, out.String())
		})
	}
}

func TestReportRunFailsWhenVisibilityFails(t *testing.T) {
	io, _, _ := testIO("")
	f, mc := mockFactory(t, io)
	mc.On("ListWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewUnavailable("frontend down"))
	err := reportRun(context.Background(), &reportOptions{IO: io, Starter: f.Starter, Since: since{Ago: time.Hour}, Limit: 5, Output: "table"})
	require.ErrorContains(t, err, "report: list incidents: frontend down")
}
