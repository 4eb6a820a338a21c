package cli

import (
	"context"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewCmdFollowUp(t *testing.T) {
	testParse(t, newCmdFollowUp, []parseCase[followUpOptions]{
		{
			name: "an action",
			args: []string{"chk-1", "--owner", "tom", "--text", "disk alert", "--as", "ana"},
			want: followUpOptions{responderOptions{Key: "chk-1", As: "ana", Wait: testWait}, "tom", "disk alert"},
		},
		{name: "missing --owner", args: []string{"chk-1", "--text", "t", "--as", "ana"}, wantErr: "required flag --owner not set"},
		{name: "missing --text", args: []string{"chk-1", "--owner", "tom", "--as", "ana"}, wantErr: "required flag --text not set"},
	}, func(_ *testing.T, o *followUpOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestFollowUpRun(t *testing.T) {
	req := workflows.FollowUpRequest{By: "alice", Owner: "tom", Text: "disk alert", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateFollowUp, req, workflows.Outcome{
		Text: "follow-up 1 added for tom", Status: incident.StatusResolved, Phase: incident.PhaseReview, Severity: incident.Sev2, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return followUpRun(ctx, &followUpOptions{o, "tom", "disk alert"})
	}, []updateCase{
		{name: "added", want: "chk-1: follow-up 1 added for tom\nstatus resolved, severity sev2, phase review, escalation level 1\n"},
		{
			name:      "closed review",
			updateErr: temporal.NewApplicationError("the incident's review is closed", "Rejected"),
			wantErr:   "follow-up rejected: the incident's review is closed",
		},
	})
}

func TestNewCmdCloseReview(t *testing.T) {
	testParse(t, newCmdCloseReview, []parseCase[closeReviewOptions]{
		{
			name: "closed",
			args: []string{"chk-1", "--summary", "two follow-ups", "--as", "ana"},
			want: closeReviewOptions{responderOptions{Key: "chk-1", As: "ana", Wait: testWait}, "two follow-ups"},
		},
		{name: "missing --summary", args: []string{"chk-1", "--as", "ana"}, wantErr: "required flag --summary not set"},
	}, func(_ *testing.T, o *closeReviewOptions) { o.IO, o.Starter = IOStreams{}, nil })
}

func TestCloseReviewRun(t *testing.T) {
	req := workflows.CloseReviewRequest{By: "alice", Summary: "two follow-ups", Expiry: testExpiry}
	testUpdateRun(t, workflows.UpdateCloseReview, req, workflows.Outcome{
		Text: "review closed by alice with 2 follow-up actions", Status: incident.StatusResolved, Phase: incident.PhaseReview,
		Severity: incident.Sev2, Level: 1,
	}, func(ctx context.Context, o responderOptions) error {
		return closeReviewRun(ctx, &closeReviewOptions{o, "two follow-ups"})
	}, []updateCase{
		{name: "closed", want: "chk-1: review closed by alice with 2 follow-up actions\nstatus resolved, severity sev2, phase review, escalation level 1\n"},
	})
}
