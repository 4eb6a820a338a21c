package cli

import (
	"context"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdNote(t *testing.T) {
	testParse(t, newCmdNote, []parseCase[noteOptions]{
		{
			name: "theory",
			args: []string{"chk-1", "--kind", "theory", "--text", "pool exhausted", "--as", "alice"},
			want: noteOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, incident.NoteTheory, "pool exhausted"},
		},
		{
			name: "observation by default",
			args: []string{"chk-1", "--text", "errors rising", "--as", "alice"},
			want: noteOptions{responderOptions{Key: "chk-1", As: "alice", Wait: testWait}, incident.NoteObservation, "errors rising"},
		},
		{name: "missing --as", args: []string{"chk-1", "--text", "t"}, wantErr: "required flag --as not set"},
		{name: "missing --text", args: []string{"chk-1", "--as", "alice"}, wantErr: "required flag --text not set"},
		{name: "unknown kind", args: []string{"chk-1", "--kind", "rumour", "--text", "t", "--as", "alice"}, wantErr: `invalid --kind "rumour"`},
	}, func(_ *testing.T, o *noteOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestNoteRun(t *testing.T) {
	req := workflows.NoteRequest{By: "alice", Kind: incident.NoteTheory, Text: "pool exhausted", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateNote, req, workflows.Outcome{
		Text: "theory noted", Status: incident.StatusAcknowledged,
		Phase: incident.PhaseResolve, Severity: incident.Sev2, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return noteRun(ctx, &noteOptions{o, incident.NoteTheory, "pool exhausted"})
	}, []updateCase{
		{
			name: "noted",
			want: "chk-1: theory noted\nstatus acknowledged, severity sev2, phase resolve, escalation level 1\n",
		},
		{
			name:      "rejected",
			updateErr: temporal.NewApplicationError("incident is resolved", "Rejected"),
			wantErr:   "note rejected: incident is resolved",
		},
	})
}
