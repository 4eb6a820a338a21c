package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdNote(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    noteOptions
		wantErr string
	}{
		{
			name: "theory",
			args: []string{"chk-1", "--kind", "theory", "--text", "pool exhausted", "--as", "alice"},
			want: noteOptions{responderOptions{Key: "chk-1", As: "alice"}, incident.NoteTheory, "pool exhausted"},
		},
		{
			name: "observation by default",
			args: []string{"chk-1", "--text", "errors rising", "--as", "alice"},
			want: noteOptions{responderOptions{Key: "chk-1", As: "alice"}, incident.NoteObservation, "errors rising"},
		},
		{name: "missing --as", args: []string{"chk-1", "--text", "t"}, wantErr: "required flag --as not set"},
		{name: "missing --text", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --text not set"},
		{name: "unknown kind", args: []string{"chk-1", "--kind", "rumour", "--text", "t", "--as", "alice"}, wantErr: `invalid --kind "rumour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, newCmdNote, tt.args)
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

func TestNoteRun(t *testing.T) {
	req := workflows.NoteRequest{By: "alice", Kind: incident.NoteTheory, Text: "pool exhausted"}
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
		{
			name: "noted",
			want: "chk-1: theory noted\nstatus acknowledged, severity sev2, phase resolve, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "note rejected: incident is resolved",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", workflows.UpdateNote, req, workflows.Outcome{
				Text: "theory noted", Status: incident.StatusAcknowledged,
				Phase: incident.PhaseResolve, Severity: incident.Sev2, Level: 1,
			}, tt.updateErr)

			err := noteRun(context.Background(), &noteOptions{responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"}, incident.NoteTheory, "pool exhausted"})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}
