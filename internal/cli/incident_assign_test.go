package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdAssign(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    assignOptions
		wantErr string
	}{
		{
			name: "commander",
			args: []string{"chk-1", "--role", "commander", "--person", "bob", "--as", "alice"},
			want: assignOptions{responderOptions{Key: "chk-1", As: "alice"}, incident.RoleCommander, "bob"},
		},
		{
			name: "communications lead",
			args: []string{"chk-1", "--role", "communications_lead", "--person", "carol", "--as", "alice"},
			want: assignOptions{responderOptions{Key: "chk-1", As: "alice"}, incident.RoleCommunications, "carol"},
		},
		{name: "missing --as", args: []string{"chk-1", "--role", "commander", "--person", "bob"}, wantErr: "required flag --as not set"},
		{name: "missing role and person", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flags --role, --person not set"},
		{name: "unknown role", args: []string{"chk-1", "--role", "captain", "--person", "bob", "--as", "alice"}, wantErr: `invalid --role "captain"`},
		{name: "invalid person", args: []string{"chk-1", "--role", "commander", "--person", "Bob Smith", "--as", "alice"}, wantErr: `invalid --person "Bob Smith"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, newCmdAssign, tt.args)
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

func TestAssignRun(t *testing.T) {
	req := workflows.AssignRequest{By: "alice", Role: incident.RoleCommander, Person: "bob"}
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
		{
			name: "assigned",
			want: "chk-1: bob is commander (assigned by alice)\nstatus acknowledged, severity sev2, phase resolve, escalation level 1\n",
		},
		{
			name:      "resolved",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "assign rejected: incident is resolved",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", workflows.UpdateAssign, req, workflows.Outcome{
				Text: "bob is commander (assigned by alice)", Status: incident.StatusAcknowledged,
				Phase: incident.PhaseResolve, Severity: incident.Sev2, Level: 1,
			}, tt.updateErr)

			err := assignRun(context.Background(), &assignOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"}, incident.RoleCommander, "bob"})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}
