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
		{name: "unknown status", args: []string{"--status", "open"}, wantErr: `invalid --status "open"`},
		{name: "unknown severity", args: []string{"--severity", "high"}, wantErr: `invalid --severity "high"`},
		{name: "zero limit", args: []string{"--limit", "0"}, wantErr: "invalid --limit 0"},
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
	wantQuery := "WorkflowType = 'Incident' AND IncidentStatus = 'triggered'"

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
