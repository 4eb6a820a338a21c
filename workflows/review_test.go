package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// reviewReminders returns the reminders of review meetings the recording notifier saw.
func (r *recorder) reviewReminders() []notify.Message { return r.updatesAbout("review due") }

// After resolution the incident is in review: it takes notes and follow-up actions with owners,
// reminds the commander when the review meeting is due (five working days later), and completes
// when the review is closed.
func TestAResolvedIncidentStaysInReviewUntilTheReviewCloses(t *testing.T) {
	h := newHarness(t, wednesday10)
	responder := h.onCall("discovery", wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.send(2*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: responder, Role: incident.RoleCommander, Person: "ana"}, nil)
	h.reject(3*time.Minute, workflows.UpdateCloseReview, workflows.CloseReviewRequest{By: "ana", Summary: "x"}, "resolve it before closing its review")
	h.send(10*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "freed disk"}, nil)
	h.at(11*time.Minute, func() {
		s := h.state()
		assert.Equal(t, incident.PhaseReview, s.Phase)
		// Wednesday 10:10 in Rome: Thursday, Friday, Monday, Tuesday, then Wednesday 09:00 a week on.
		assert.Equal(t, time.Date(2026, 11, 25, 9, 0, 0, 0, wednesday10.Location()).UTC(), s.ReviewDue.UTC())
	})
	h.send(time.Hour, workflows.UpdateFollowUp, workflows.FollowUpRequest{By: "ana", Owner: "tom", Text: "alert on disk at 80%"},
		func(out workflows.Outcome) { assert.Equal(t, "follow-up 1 added for tom", out.Text) })
	h.reject(2*time.Hour, workflows.UpdateFollowUp, workflows.FollowUpRequest{By: "ana", Owner: "nobody", Text: "x"},
		`owner: "nobody" is not a person the organisation knows`)
	h.send(3*time.Hour, workflows.UpdateNote, workflows.NoteRequest{By: "tom", Kind: incident.NoteResult, Text: "disk grew from logs"}, nil)
	h.at(7*24*time.Hour, func() {
		got := h.rec.reviewReminders()
		if assert.Len(t, got, 1, "the review meeting's reminder went out on its day") {
			assert.Equal(t, "ana", got[0].Recipient)
			assert.Contains(t, got[0].Text, "firebreak incident close-review test-1")
		}
	})
	h.send(8*24*time.Hour, workflows.UpdateCloseReview, workflows.CloseReviewRequest{By: "ana", Summary: "two follow-ups agreed"},
		func(out workflows.Outcome) {
			assert.Equal(t, "review closed by ana with 1 follow-up actions", out.Text)
		})
	h.run(input("search", some("some")))

	require.Equal(t, 8*24*time.Hour, h.env.Now().Sub(wednesday10), "the incident completes when its review closes")
	sum := h.summary()
	require.Equal(t, "freed disk", sum.Resolution)
	s := h.state()
	require.Equal(t, []incident.FollowUp{{ID: 1, Text: "alert on disk at 80%", Owner: "tom", By: "ana", At: wednesday10.Add(time.Hour).UTC()}}, s.FollowUps)
	require.NotNil(t, s.ReviewClosedAt)
	require.Len(t, h.rec.reviewReminders(), 1)
}
