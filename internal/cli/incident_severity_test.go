package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdSeverity(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    severityOptions
		wantErr string
	}{
		{
			name: "override",
			args: []string{"chk-1", "--severity", "sev1", "--reason", "payments failing", "--as", "alice"},
			want: severityOptions{responderOptions{Key: "chk-1", As: "alice"}, incident.Sev1, "payments failing"},
		},
		{name: "missing --as", args: []string{"chk-1", "--severity", "sev1", "--reason", "r"}, wantErr: "required flag --as not set"},
		{name: "missing --reason", args: []string{"chk-1", "--severity", "sev1", "--as", "alice"}, wantErr: "required flag --reason not set"},
		{name: "unknown severity", args: []string{"chk-1", "--severity", "p1", "--reason", "r", "--as", "alice"}, wantErr: `invalid --severity "p1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, newCmdSeverity, tt.args)
			if tt.wantErr != "" {
				requireUsageError(t, err, tt.wantErr)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			got.IO, got.Starter = IOStreams{}, nil
			require.Equal(t, tt.want, *got)
		})
	}
}

func TestSeverityRun(t *testing.T) {
	req := workflows.SeverityRequest{By: "alice", Severity: incident.Sev1, Reason: "payments failing"}
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
		{
			name: "overridden",
			want: "chk-1: severity is sev1 (override by alice: payments failing)\nstatus triggered, severity sev1, phase escalate, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "severity rejected: incident is resolved",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", workflows.UpdateSeverity, req, workflows.Outcome{
				Text: "severity is sev1 (override by alice: payments failing)", Status: incident.StatusTriggered,
				Phase: incident.PhaseEscalate, Severity: incident.Sev1, Level: 1,
			}, tt.updateErr)

			err := severityRun(context.Background(), &severityOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"}, incident.Sev1, "payments failing"})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}
