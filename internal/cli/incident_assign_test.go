package cli

import (
	"context"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdAssign(t *testing.T) {
	testParse(t, newCmdAssign, []parseCase[assignOptions]{
		{
			name: "commander",
			args: []string{"chk-1", "--role", "commander", "--person", "bob", "--as", "alice"},
			want: assignOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, incident.RoleCommander, "bob"},
		},
		{
			name: "communications lead",
			args: []string{"chk-1", "--role", "communications_lead", "--person", "carol", "--as", "alice"},
			want: assignOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, incident.RoleCommunications, "carol"},
		},
		{name: "missing --as", args: []string{"chk-1", "--role", "commander", "--person", "bob"}, wantErr: "required flag --as not set"},
		{name: "missing role and person", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flags --role, --person not set"},
		{name: "unknown role", args: []string{"chk-1", "--role", "captain", "--person", "bob", "--as", "alice"}, wantErr: `invalid --role "captain"`},
		{name: "invalid person", args: []string{"chk-1", "--role", "commander", "--person", "Bob Smith", "--as", "alice"}, wantErr: `invalid --person "Bob Smith"`},
	}, func(_ *testing.T, o *assignOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestAssignRun(t *testing.T) {
	req := workflows.AssignRequest{By: "alice", Role: incident.RoleCommander, Person: "bob", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateAssign, req, workflows.Outcome{
		Text: "bob is commander (assigned by alice)", Status: incident.StatusAcknowledged,
		Phase: incident.PhaseResolve, Severity: incident.Sev2, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return assignRun(ctx, &assignOptions{o, incident.RoleCommander, "bob"})
	}, []updateCase{
		{
			name: "assigned",
			want: "chk-1: bob is commander (assigned by alice)\nstatus acknowledged, severity sev2, phase resolve, escalation level 1\n",
		},
		{
			name:      "resolved",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "assign rejected: incident is resolved",
		},
	})
}
