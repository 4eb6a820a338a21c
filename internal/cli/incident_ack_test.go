package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdAck(t *testing.T) {
	testParse(t, newCmdAck, []parseCase[ackOptions]{
		{name: "key and person", args: []string{"chk-1", "--as", "alice"}, want: ackOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}}},
		{name: "missing --as", args: []string{"chk-1"}, wantErr: "required flag --as not set"},
		{name: "blank --as", args: []string{"chk-1", "--as", " "}, wantErr: "required flag --as not set"},
		{name: "missing key", args: []string{"--as", "alice"}, wantErr: "accepts 1 arg(s), received 0"},
		{name: "two keys", args: []string{"a", "b", "--as", "alice"}, wantErr: "accepts 1 arg(s), received 2"},
		{name: "invalid key", args: []string{"Chk_1", "--as", "alice"}, wantErr: `"Chk_1" is neither an incident key nor an incident workflow ID`},
	}, func(t *testing.T, o *ackOptions) {
		require.NotNil(t, o.Starter)
		o.IO, o.Starter = IOStreams{}, nil
	})
}

func TestAckRun(t *testing.T) {
	testUpdateRun(t, workflows.UpdateAcknowledge, workflows.AckRequest{By: "alice", Expiry: testExpiry}, workflows.Outcome{
		Text: "acknowledged by alice", Status: incident.StatusAcknowledged, Phase: incident.PhaseDelegate,
		Severity: incident.Sev2, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return ackRun(ctx, &ackOptions{o})
	}, []updateCase{
		{
			name: "acknowledged",
			want: "chk-1: acknowledged by alice\nstatus acknowledged, severity sev2, phase delegate, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("already acknowledged by bob", "Rejected"),
			wantErr:   "ack rejected: already acknowledged by bob",
		},
	})
}
