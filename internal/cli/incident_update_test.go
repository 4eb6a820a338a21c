package cli

import (
	"context"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdStatusUpdate(t *testing.T) {
	testParse(t, newCmdStatusUpdate, []parseCase[statusUpdateOptions]{
		{
			name: "both texts",
			args: []string{"chk-1", "--public", "rolling back", "--internal", "failover done", "--as", "lena"},
			want: statusUpdateOptions{responderOptions{Key: "chk-1", As: "lena", Wait: testWait}, "rolling back", "failover done"},
		},
		{
			name: "the templates",
			args: []string{"chk-1", "--as", "lena"},
			want: statusUpdateOptions{responderOptions: responderOptions{Key: "chk-1", As: "lena", Wait: testWait}},
		},
		{name: "missing --as", args: []string{"chk-1", "--public", "t"}, wantErr: "required flag --as not set"},
		{
			name:    "too long",
			args:    []string{"chk-1", "--public", strings.Repeat("x", incident.MaxUpdateText+1), "--as", "lena"},
			wantErr: "--public is 4001 bytes; at most 4000",
		},
	}, func(_ *testing.T, o *statusUpdateOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestStatusUpdateRun(t *testing.T) {
	req := workflows.PostUpdateRequest{By: "alice", Public: "rolling back", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdatePost, req, workflows.Outcome{
		Text:   "public and internal update posted; the next public update is due by 2026-11-18T11:15:00Z",
		Status: incident.StatusAcknowledged, Phase: incident.PhaseResolve, Severity: incident.Sev2, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return statusUpdateRun(ctx, &statusUpdateOptions{responderOptions: o, Public: "rolling back"})
	}, []updateCase{
		{
			name: "posted",
			want: "chk-1: public and internal update posted; the next public update is due by 2026-11-18T11:15:00Z\n" +
				"status acknowledged, severity sev2, phase resolve, escalation level 1\n",
		},
		{
			name:      "refused by the policy",
			updateErr: temporal.NewApplicationError("a public sev2 update is posted by the communications lead or commander; tom holds neither role", "Rejected"),
			wantErr:   "post-update rejected: a public sev2 update is posted by the communications lead or commander; tom holds neither role",
		},
	})
}
