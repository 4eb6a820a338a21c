package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdImpact(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    impactOptions
		wantErr string
	}{
		{
			name: "facts",
			args: []string{"chk-1", "--impact", "customers=all", "--impact", "data_loss=true", "--impact", "security_breach=false", "--as", "alice"},
			want: impactOptions{responderOptions{Key: "chk-1", As: "alice"}, incident.Impact{
				CustomersAffected: "all", DataLoss: ptr(true), SecurityBreach: ptr(false),
			}},
		},
		{
			name: "later value wins",
			args: []string{"chk-1", "--impact", "customers_affected=some", "--impact", "customers=none", "--as", "alice"},
			want: impactOptions{responderOptions{Key: "chk-1", As: "alice"}, incident.Impact{CustomersAffected: "none"}},
		},
		{name: "missing --as", args: []string{"chk-1", "--impact", "customers=all"}, wantErr: "required flag --as not set"},
		{name: "missing --impact", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --impact not set"},
		{name: "unknown key", args: []string{"chk-1", "--impact", "revenue=high", "--as", "alice"}, wantErr: `invalid --impact "revenue=high": unknown key "revenue"`},
		{name: "bad value", args: []string{"chk-1", "--impact", "core_degraded=kind-of", "--as", "alice"}, wantErr: `invalid --impact "core_degraded=kind-of": core_degraded must be true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, newCmdImpact, tt.args)
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

func TestImpactRun(t *testing.T) {
	impact := incident.Impact{CustomersAffected: "all", DataLoss: ptr(true)}
	req := workflows.ImpactRequest{By: "alice", Impact: impact}
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
		{
			name: "reassessed",
			want: "chk-1: severity is sev1 (customer data lost)\nstatus acknowledged, severity sev1, phase resolve, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "impact rejected: incident is resolved",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", workflows.UpdateImpact, req, workflows.Outcome{
				Text: "severity is sev1 (customer data lost)", Status: incident.StatusAcknowledged,
				Phase: incident.PhaseResolve, Severity: incident.Sev1, Level: 1,
			}, tt.updateErr)

			err := impactRun(context.Background(), &impactOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"}, impact})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}
