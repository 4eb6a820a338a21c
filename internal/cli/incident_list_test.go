package cli

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/firebreak-dev/firebreak/starter"
)

func TestNewCmdList(t *testing.T) {
	testParse(t, newCmdList, []parseCase[listOptions]{
		{name: "defaults", args: nil, want: listOptions{Filter: starter.ListFilter{Limit: 100}, Output: "text"}},
		{
			name: "filters",
			args: []string{"--status", "triggered", "--severity", "SEV1", "--service", "checkout", "--limit", "5", "-o", "json"},
			want: listOptions{Filter: starter.ListFilter{Status: "triggered", Severity: "sev1", Service: "checkout", Limit: 5}, Output: "json"},
		},
		{name: "open", args: []string{"--status", "open"}, want: listOptions{Filter: starter.ListFilter{Status: "open", Limit: 100}, Output: "text"}},
		{name: "unknown status", args: []string{"--status", "closed"}, wantErr: `invalid --status "closed": use open, triggered, acknowledged or resolved`},
		{name: "since a duration", args: []string{"--since", "90m"}, want: listOptions{Filter: starter.ListFilter{Limit: 100}, Since: since{Ago: 90 * time.Minute}, Output: "text"}},
		{name: "since days", args: []string{"--since", "7d"}, want: listOptions{Filter: starter.ListFilter{Limit: 100}, Since: since{Ago: 7 * 24 * time.Hour}, Output: "text"}},
		{
			name: "since a time, in UTC",
			args: []string{"--since", "2026-12-01T09:30:00+01:00"},
			want: listOptions{Filter: starter.ListFilter{Limit: 100}, Since: since{At: time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)}, Output: "text"},
		},
		{name: "since a date", args: []string{"--since", "2026-12-01"}, want: listOptions{Filter: starter.ListFilter{Limit: 100}, Since: since{At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, Output: "text"}},
		{name: "since zero", args: []string{"--since", "0s"}, wantErr: `invalid --since "0s": use a positive duration`},
		{name: "since negative", args: []string{"--since", "-1h"}, wantErr: `invalid --since "-1h": use a positive duration`},
		{name: "since empty", args: []string{"--since", ""}, wantErr: `invalid --since "": use a duration such as 24h or 7d`},
		{name: "since too many days", args: []string{"--since", "99999999999999999999d"}, wantErr: `invalid --since "99999999999999999999d": use a duration`},
		{name: "since 0 days", args: []string{"--since", "0d"}, wantErr: `invalid --since "0d": use 1 to 36500 days`},
		{name: "since more days than a century", args: []string{"--since", "36501d"}, wantErr: `invalid --since "36501d": use 1 to 36500 days`},
		{name: "since a word", args: []string{"--since", "yesterday"}, wantErr: `invalid --since "yesterday": use a duration such as 24h or 7d, an RFC 3339 time such as 2026-12-01T09:00:00Z, or a date such as 2026-12-01`},
		{name: "since an escape", args: []string{"--since", "\x1b[2J"}, wantErr: `invalid --since "\x1b[2J"`},
		{name: "large limit", args: []string{"--limit", "100000"}, want: listOptions{Filter: starter.ListFilter{Limit: 100000}, Output: "text"}},
		{name: "limit above the maximum", args: []string{"--limit", "100001"}, wantErr: "invalid --limit 100001: use 1 to 100000"},
		{name: "unknown severity", args: []string{"--severity", "high"}, wantErr: `invalid --severity "high"`},
		{name: "zero limit", args: []string{"--limit", "0"}, wantErr: "invalid --limit 0: use 1 to 100000"},
		{name: "limit not a number", args: []string{"--limit", "ten"}, wantErr: `invalid argument "ten" for "--limit"`},
		{name: "bad output", args: []string{"-o", "csv"}, wantErr: `invalid --output "csv"`},
		{name: "positional argument", args: []string{"checkout"}, wantErr: "unknown command"},
	}, func(_ *testing.T, o *listOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

// execution returns one visibility row as the incident workflow leaves it.
func execution(t *testing.T, key, title, service, severity, status, phase string, started time.Time) *workflowpb.WorkflowExecutionInfo {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	payload := func(v string) *commonpb.Payload {
		p, err := dc.ToPayload(v)
		require.NoError(t, err)
		return p
	}
	attrs := map[string]*commonpb.Payload{
		"IncidentService": payload(service), "IncidentStatus": payload(status), "IncidentPhase": payload(phase),
	}
	if severity != "" {
		attrs["IncidentSeverity"] = payload(severity)
	}
	return &workflowpb.WorkflowExecutionInfo{
		Execution:        &commonpb.WorkflowExecution{WorkflowId: "incident-" + key, RunId: "run-" + key},
		StartTime:        timestamppb.New(started),
		Memo:             &commonpb.Memo{Fields: map[string]*commonpb.Payload{"title": payload(title)}},
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: attrs},
	}
}

func TestListRun(t *testing.T) {
	started := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	rows := []*workflowpb.WorkflowExecutionInfo{
		execution(t, "chk-1", "Checkout returns 500s", "checkout", "sev1", "acknowledged", "resolve", started.Add(time.Hour)),
		execution(t, "api-2", "Slow logins", "api", "", "triggered", "assess", started),
	}
	filter := starter.ListFilter{Status: "triggered", Limit: 10}
	wantQuery := "WorkflowType = 'Incident' AND ExecutionStatus != 'ContinuedAsNew' AND IncidentStatus = 'triggered'"

	tests := []struct {
		name    string
		output  string
		rows    []*workflowpb.WorkflowExecutionInfo
		listErr error
		check   func(t *testing.T, out string)
		wantErr string
	}{
		{
			name:   "table",
			output: "text",
			rows:   rows,
			check: func(t *testing.T, out string) {
				require.Equal(t, ""+
					"KEY    SEVERITY  STATUS        PHASE    SERVICE   STARTED            TITLE\n"+
					"chk-1  sev1      acknowledged  resolve  checkout  2025-03-04 11:00Z  Checkout returns 500s\n"+
					"api-2  -         triggered     assess   api       2025-03-04 10:00Z  Slow logins\n", out)
			},
		},
		{
			name:   "json",
			output: "json",
			rows:   rows,
			check: func(t *testing.T, out string) {
				var got []starter.Listed
				require.NoError(t, json.Unmarshal([]byte(out), &got))
				require.Len(t, got, 2)
				require.Equal(t, starter.Listed{
					Key: "chk-1", WorkflowID: "incident-chk-1", Title: "Checkout returns 500s", Service: "checkout",
					Severity: "sev1", Status: "acknowledged", Phase: "resolve", StartedAt: started.Add(time.Hour),
				}, got[0])
			},
		},
		{
			name:   "none as text",
			output: "text",
			check:  func(t *testing.T, out string) { require.Equal(t, "No incidents match.\n", out) },
		},
		{
			name:   "none as json",
			output: "json",
			check:  func(t *testing.T, out string) { require.Equal(t, "[]\n", out) },
		},
		{
			name:    "visibility error",
			output:  "text",
			listErr: errors.New("visibility unavailable"),
			wantErr: "list incidents: visibility unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			var resp *workflowservice.ListWorkflowExecutionsResponse
			if tt.listErr == nil {
				resp = &workflowservice.ListWorkflowExecutionsResponse{Executions: tt.rows}
			}
			mc.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
				return r.GetQuery() == wantQuery && r.GetNamespace() == "default" && r.GetPageSize() == 10
			})).Return(resp, tt.listErr)

			err := listRun(context.Background(), &listOptions{IO: io, Starter: f.Starter, Filter: filter, Output: tt.output})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, out.String())
		})
	}
}

func TestListRunSince(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const base = "WorkflowType = 'Incident' AND ExecutionStatus != 'ContinuedAsNew' AND IncidentStatus IN ('triggered', 'acknowledged')"
	tests := []struct {
		name      string
		since     since
		wantQuery string
	}{
		{name: "no since", wantQuery: base},
		{name: "a duration back from now", since: since{Ago: 90 * time.Minute}, wantQuery: base + " AND StartTime >= '2026-12-01T10:30:00Z'"},
		{name: "an instant", since: since{At: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}, wantQuery: base + " AND StartTime >= '2026-11-30T00:00:00Z'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			mc.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
				return r.GetQuery() == tt.wantQuery
			})).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil)

			opts := &listOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return now },
				Filter: starter.ListFilter{Status: "open", Limit: 100}, Since: tt.since, Output: "text"}
			require.NoError(t, listRun(context.Background(), opts))
			require.Equal(t, "No incidents match.\n", out.String())
		})
	}
}
