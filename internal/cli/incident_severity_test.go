package cli

import (
	"context"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdSeverity(t *testing.T) {
	testParse(t, newCmdSeverity, []parseCase[severityOptions]{
		{
			name: "override",
			args: []string{"chk-1", "--severity", "sev1", "--reason", "payments failing", "--as", "alice"},
			want: severityOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, incident.Sev1, "payments failing"},
		},
		{name: "missing --as", args: []string{"chk-1", "--severity", "sev1", "--reason", "r"}, wantErr: "required flag --as not set"},
		{name: "missing --reason", args: []string{"chk-1", "--severity", "sev1", "--as", "alice"}, wantErr: "required flag --reason not set"},
		{name: "unknown severity", args: []string{"chk-1", "--severity", "p1", "--reason", "r", "--as", "alice"}, wantErr: `invalid --severity "p1"`},
	}, func(_ *testing.T, o *severityOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestSeverityRun(t *testing.T) {
	req := workflows.SeverityRequest{By: "alice", Severity: incident.Sev1, Reason: "payments failing", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateSeverity, req, workflows.Outcome{
		Text: "severity is sev1 (override by alice: payments failing)", Status: incident.StatusTriggered,
		Phase: incident.PhaseEscalate, Severity: incident.Sev1, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return severityRun(ctx, &severityOptions{o, incident.Sev1, "payments failing"})
	}, []updateCase{
		{
			name: "overridden",
			want: "chk-1: severity is sev1 (override by alice: payments failing)\nstatus triggered, severity sev1, phase escalate, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "severity rejected: incident is resolved",
		},
	})
}
