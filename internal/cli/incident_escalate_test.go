package cli

import (
	"context"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdEscalate(t *testing.T) {
	testParse(t, newCmdEscalate, []parseCase[escalateOptions]{
		{
			name: "reason and person",
			args: []string{"chk-1", "--reason", "need the database team", "--as", "alice"},
			want: escalateOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, "need the database team"},
		},
		{name: "missing --as", args: []string{"chk-1", "--reason", "r"}, wantErr: "required flag --as not set"},
		{name: "missing --reason", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --reason not set"},
	}, func(_ *testing.T, o *escalateOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestEscalateRun(t *testing.T) {
	req := workflows.EscalateRequest{By: "alice", Reason: "slow", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateEscalate, req, workflows.Outcome{
		Text: "escalated to level 2 by alice: slow", Status: incident.StatusTriggered,
		Phase: incident.PhaseEscalate, Severity: incident.Sev1, Level: 2,
	}, func(ctx context.Context, o responderOptions) error {
		return escalateRun(ctx, &escalateOptions{o, "slow"})
	}, []updateCase{
		{
			name: "escalated",
			want: "chk-1: escalated to level 2 by alice: slow\nstatus triggered, severity sev1, phase escalate, escalation level 2\n",
		},
		{
			name:      "last level",
			updateErr: temporal.NewApplicationError("already at the last escalation level (3 of 3)", "Rejected"),
			wantErr:   "escalate rejected: already at the last escalation level (3 of 3)",
		},
	})
}
