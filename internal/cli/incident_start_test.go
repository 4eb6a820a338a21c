package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdStart(t *testing.T) {
	started := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	testParse(t, newCmdStart, []parseCase[startOptions]{
		{
			name: "minimal",
			args: []string{"--service", "checkout", "--title", "Checkout down"},
			want: startOptions{Service: "checkout", Title: "Checkout down", Type: "outage", Output: "text"},
		},
		{
			name: "everything",
			args: []string{
				"--service", "checkout", "--title", "Checkout down", "--type", "security", "--id", "chk-1",
				"--impact", "customers=all", "--impact", "data-loss=true", "--impact", "support_cases=3",
				"--impact", "started_at=2025-03-04T05:06:07Z", "--impact", "workaround=false",
				"--severity", "SEV1", "--reason", "payments fail", "--as", "alice",
				"--label", "region=eu", "--label", "team=pay", "-o", "json",
			},
			want: startOptions{
				Key: "chk-1", Service: "checkout", Title: "Checkout down", Type: "security", Output: "json",
				Labels: map[string]string{"region": "eu", "team": "pay"},
				Impact: incident.Impact{
					CustomersAffected: "all", DataLoss: ptr(true), SupportCases: ptr(3),
					StartedAt: &started, Workaround: ptr(false),
				},
				Override: &incident.SeverityOverride{Severity: incident.Sev1, Reason: "payments fail", By: "alice"},
			},
		},
		{
			name: "override by cli when --as is not given",
			args: []string{"--service", "s", "--title", "t", "--severity", "sev2", "--reason", "r"},
			want: startOptions{
				Service: "s", Title: "t", Type: "outage", Output: "text",
				Override: &incident.SeverityOverride{Severity: incident.Sev2, Reason: "r", By: "cli"},
			},
		},
		{
			name: "private",
			args: []string{"--service", "s", "--title", "t", "--private"},
			want: startOptions{Service: "s", Title: "t", Type: "outage", Output: "text", Private: true},
		},
		{name: "missing service and title", args: nil, wantErr: "required flags --service, --title not set"},
		{name: "severity without reason", args: []string{"--service", "s", "--title", "t", "--severity", "sev1"}, wantErr: "--severity needs --reason"},
		{name: "reason without severity", args: []string{"--service", "s", "--title", "t", "--reason", "r"}, wantErr: "--reason goes with --severity"},
		{name: "unknown severity", args: []string{"--service", "s", "--title", "t", "--severity", "sev9", "--reason", "r"}, wantErr: `invalid --severity "sev9"`},
		{name: "unknown impact key", args: []string{"--service", "s", "--title", "t", "--impact", "mood=sad"}, wantErr: `invalid --impact "mood=sad": unknown key "mood"`},
		{name: "bad customers value", args: []string{"--service", "s", "--title", "t", "--impact", "customers=many"}, wantErr: `invalid --impact "customers=many": customers must be none, some or all`},
		{name: "bad boolean", args: []string{"--service", "s", "--title", "t", "--impact", "data_loss=maybe"}, wantErr: `invalid --impact "data_loss=maybe": data_loss must be true or false`},
		{name: "negative support cases", args: []string{"--service", "s", "--title", "t", "--impact", "support_cases=-1"}, wantErr: `invalid --impact "support_cases=-1"`},
		{name: "bad started_at", args: []string{"--service", "s", "--title", "t", "--impact", "started_at=yesterday"}, wantErr: `invalid --impact "started_at=yesterday"`},
		{name: "impact without value", args: []string{"--service", "s", "--title", "t", "--impact", "data_loss"}, wantErr: `invalid --impact "data_loss": use key=value`},
		{name: "bad label", args: []string{"--service", "s", "--title", "t", "--label", "region"}, wantErr: `invalid --label "region"`},
		{name: "bad id", args: []string{"--service", "s", "--title", "t", "--id", "Not A Key"}, wantErr: "--id: invalid incident key"},
		{name: "bad output", args: []string{"--service", "s", "--title", "t", "-o", "yaml"}, wantErr: `invalid --output "yaml": use text or json`},
		{name: "unknown flag", args: []string{"--service", "s", "--title", "t", "--colour"}, wantErr: "unknown flag: --colour"},
		{name: "positional argument", args: []string{"--service", "s", "--title", "t", "extra"}, wantErr: "unknown command"},
	}, func(t *testing.T, o *startOptions) {
		require.NotNil(t, o.Starter)
		o.IO, o.Starter = IOStreams{}, nil
	})
}

func TestStartRun(t *testing.T) {
	opts := startOptions{Key: "chk-1", Service: "checkout", Title: "Checkout down", Type: "outage"}
	input := workflows.IncidentInput{Key: "chk-1", Source: "cli", Service: "checkout", Type: "outage", Title: "Checkout down"}
	isIncident := mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == "incident-chk-1" && o.TaskQueue == workflows.TaskQueue
	})
	tests := []struct {
		name     string
		output   string
		startErr error
		want     string
		wantErr  string
	}{
		{
			name:   "new incident",
			output: "text",
			want:   "Started incident chk-1 (workflow incident-chk-1)\nWeb UI: http://ui.test/namespaces/default/workflows/incident-chk-1\n",
		},
		{
			name:     "existing incident",
			output:   "text",
			startErr: serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "req", "run-0"),
			want:     "Incident already existed: chk-1 (workflow incident-chk-1)\nWeb UI: http://ui.test/namespaces/default/workflows/incident-chk-1\n",
		},
		{
			name:   "json",
			output: "json",
			want: `{
  "key": "chk-1",
  "workflow_id": "incident-chk-1",
  "run_id": "run-1",
  "url": "http://ui.test/namespaces/default/workflows/incident-chk-1",
  "existing": false
}
`,
		},
		{
			name:     "server error",
			output:   "text",
			startErr: errors.New("connection refused"),
			wantErr:  "start incident chk-1: connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			var run client.WorkflowRun
			if tt.startErr == nil {
				r := mocks.NewWorkflowRun(t)
				r.On("GetRunID").Return("run-1")
				run = r
			}
			mc.On("ExecuteWorkflow", mock.Anything, isIncident, workflows.IncidentWorkflowName, input).Return(run, tt.startErr)

			o := opts
			o.IO, o.Starter, o.Output = io, f.Starter, tt.output
			err := startRun(context.Background(), &o)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}

func TestStartRunPrivate(t *testing.T) {
	io, _, _ := testIO("")
	f, mc := mockFactory(t, io)
	run := mocks.NewWorkflowRun(t)
	run.On("GetRunID").Return("run-1")
	input := workflows.IncidentInput{Key: "sec-1", Source: "cli", Service: "checkout", Type: "security", Title: "Keys leaked", Private: true}
	privateMemo := mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == "incident-sec-1" && o.Memo["private"] == true && o.Memo["title"] == "Keys leaked"
	})
	mc.On("ExecuteWorkflow", mock.Anything, privateMemo, workflows.IncidentWorkflowName, input).Return(run, nil)
	o := startOptions{Key: "sec-1", Service: "checkout", Title: "Keys leaked", Type: "security", Private: true,
		IO: io, Starter: f.Starter, Output: "text"}
	require.NoError(t, startRun(context.Background(), &o))
}
