package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdResolve(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    resolveOptions
		wantErr string
	}{
		{
			name: "summary",
			args: []string{"chk-1", "--summary", "rolled back", "--as", "alice"},
			want: resolveOptions{responderOptions{Key: "chk-1", As: "alice"}, "rolled back"},
		},
		{name: "missing --as", args: []string{"chk-1", "--summary", "s"}, wantErr: "required flag --as not set"},
		{name: "missing --summary", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --summary not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, newCmdResolve, tt.args)
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

func TestResolveRun(t *testing.T) {
	req := workflows.ResolveRequest{By: "alice", Summary: "rolled back"}
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", workflows.UpdateResolve, req, workflows.Outcome{
				Text: "resolved by alice after 42m0s; response target met, resolution target met", Status: incident.StatusResolved,
				Phase: incident.PhaseResolve, Severity: incident.Sev2, Level: 1,
			}, tt.updateErr)

			err := resolveRun(context.Background(), &resolveOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"}, "rolled back"})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}
