package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdAck(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    ackOptions
		wantErr string
	}{
		{name: "key and person", args: []string{"chk-1", "--as", "alice"}, want: ackOptions{responderOptions{Key: "chk-1", As: "alice"}}},
		{name: "missing --as", args: []string{"chk-1"}, wantErr: "required flag --as not set"},
		{name: "blank --as", args: []string{"chk-1", "--as", " "}, wantErr: "required flag --as not set"},
		{name: "missing key", args: []string{"--as", "alice"}, wantErr: "accepts 1 arg(s), received 0"},
		{name: "two keys", args: []string{"a", "b", "--as", "alice"}, wantErr: "accepts 1 arg(s), received 2"},
		{name: "invalid key", args: []string{"Chk_1", "--as", "alice"}, wantErr: `invalid incident key "Chk_1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, newCmdAck, tt.args)
			if tt.wantErr != "" {
				requireUsageError(t, err, tt.wantErr)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got.Starter)
			got.IO, got.Starter = IOStreams{}, nil
			require.Equal(t, tt.want, *got)
		})
	}
}

func TestAckRun(t *testing.T) {
	req := workflows.AckRequest{By: "alice"}
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
		{
			name: "acknowledged",
			want: "chk-1: acknowledged by alice\nstatus acknowledged, severity sev2, phase delegate, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("already acknowledged by bob", "Rejected"),
			wantErr:   "ack rejected: already acknowledged by bob",
		},
		{
			name:      "no such incident",
			updateErr: serviceerror.NewNotFound("workflow not found"),
			wantErr:   `ack: no incident "chk-1"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", workflows.UpdateAcknowledge, req, workflows.Outcome{
				Text: "acknowledged by alice", Status: incident.StatusAcknowledged, Phase: incident.PhaseDelegate,
				Severity: incident.Sev2, Level: 1,
			}, tt.updateErr)

			err := ackRun(context.Background(), &ackOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"}})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}
