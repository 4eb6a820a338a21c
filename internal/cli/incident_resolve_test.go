package cli

import (
	"context"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdResolve(t *testing.T) {
	testParse(t, newCmdResolve, []parseCase[resolveOptions]{
		{
			name: "summary",
			args: []string{"chk-1", "--summary", "rolled back", "--as", "alice"},
			want: resolveOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, "rolled back"},
		},
		{name: "missing --as", args: []string{"chk-1", "--summary", "s"}, wantErr: "required flag --as not set"},
		{name: "missing --summary", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --summary not set"},
	}, func(_ *testing.T, o *resolveOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestResolveRun(t *testing.T) {
	req := workflows.ResolveRequest{By: "alice", Summary: "rolled back", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateResolve, req, workflows.Outcome{
		Text: "resolved by alice after 42m0s; response target met, resolution target met", Status: incident.StatusResolved,
		Phase: incident.PhaseResolve, Severity: incident.Sev2, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return resolveRun(ctx, &resolveOptions{o, "rolled back"})
	}, []updateCase{
		{
			name: "resolved",
			want: "chk-1: resolved by alice after 42m0s; response target met, resolution target met\n" +
				"status resolved, severity sev2, phase resolve, escalation level 1\n",
		},
		{
			name:      "already resolved",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "resolve rejected: incident is resolved",
		},
	})
}
