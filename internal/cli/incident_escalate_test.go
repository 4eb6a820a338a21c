package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdEscalate(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    escalateOptions
		wantErr string
	}{
		{
			name: "reason and person",
			args: []string{"chk-1", "--reason", "need the database team", "--as", "alice"},
			want: escalateOptions{responderOptions{Key: "chk-1", As: "alice"}, "need the database team"},
		},
		{name: "missing --as", args: []string{"chk-1", "--reason", "r"}, wantErr: "required flag --as not set"},
		{name: "missing --reason", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --reason not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, newCmdEscalate, tt.args)
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

func TestEscalateRun(t *testing.T) {
	req := workflows.EscalateRequest{By: "alice", Reason: "slow"}
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
		{
			name: "escalated",
			want: "chk-1: escalated to level 2 by alice: slow\nstatus triggered, severity sev1, phase escalate, escalation level 2\n",
		},
		{
			name:      "last level",
			updateErr: temporal.NewApplicationError("already at the last escalation level (3 of 3)", "Rejected"),
			wantErr:   "escalate rejected: already at the last escalation level (3 of 3)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", workflows.UpdateEscalate, req, workflows.Outcome{
				Text: "escalated to level 2 by alice: slow", Status: incident.StatusTriggered,
				Phase: incident.PhaseEscalate, Severity: incident.Sev1, Level: 2,
			}, tt.updateErr)

			err := escalateRun(context.Background(), &escalateOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"}, "slow"})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}
