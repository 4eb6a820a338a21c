package cli

import (
	"context"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdImpact(t *testing.T) {
	testParse(t, newCmdImpact, []parseCase[impactOptions]{
		{
			name: "facts",
			args: []string{"chk-1", "--impact", "customers=all", "--impact", "data_loss=true", "--impact", "security_breach=false", "--as", "alice"},
			want: impactOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, incident.Impact{
				CustomersAffected: "all", DataLoss: ptr(true), SecurityBreach: ptr(false),
			}},
		},
		{
			name: "later value wins",
			args: []string{"chk-1", "--impact", "customers_affected=some", "--impact", "customers=none", "--as", "alice"},
			want: impactOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, incident.Impact{CustomersAffected: "none"}},
		},
		{name: "missing --as", args: []string{"chk-1", "--impact", "customers=all"}, wantErr: "required flag --as not set"},
		{name: "missing --impact", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --impact not set"},
		{name: "unknown key", args: []string{"chk-1", "--impact", "revenue=high", "--as", "alice"}, wantErr: `invalid --impact "revenue=high": unknown key "revenue"`},
		{name: "bad value", args: []string{"chk-1", "--impact", "core_degraded=kind-of", "--as", "alice"}, wantErr: `invalid --impact "core_degraded=kind-of": core_degraded must be true or false`},
	}, func(_ *testing.T, o *impactOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestImpactRun(t *testing.T) {
	impact := incident.Impact{CustomersAffected: "all", DataLoss: ptr(true)}
	req := workflows.ImpactRequest{By: "alice", Impact: impact, Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateImpact, req, workflows.Outcome{
		Text: "severity is sev1 (customer data lost)", Status: incident.StatusAcknowledged,
		Phase: incident.PhaseResolve, Severity: incident.Sev1, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return impactRun(ctx, &impactOptions{o, impact})
	}, []updateCase{
		{
			name: "reassessed",
			want: "chk-1: severity is sev1 (customer data lost)\nstatus acknowledged, severity sev1, phase resolve, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "impact rejected: incident is resolved",
		},
	})
}
