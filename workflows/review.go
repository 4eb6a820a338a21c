package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// changeReview is the change ID of the review phase: a resolved incident stays open for its
// review (notes, follow-up actions, a reminder of the review meeting) until the review is
// closed, instead of closing after a fixed window.
const changeReview = "review-phase"

// openReview moves a resolved incident into review, with the review meeting due a number of
// working days later (a local activity reads the working hours).
func (r *incidentRun) openReview(ctx workflow.Context) {
	var a *activities.Activities
	s := &r.state
	var due time.Time
	err := workflow.ExecuteLocalActivity(decisionCtx(ctx, "when the review meeting is due"), a.ReviewMeetingDue, *s.ResolvedAt).
		Get(ctx, &due)
	if err != nil {
		due = s.ResolvedAt.Add(incident.ReviewWorkingDays * 24 * time.Hour)
		r.record(ctx, "failed", "", fmt.Sprintf("working out when the review meeting is due failed (%s): due in %d days", failure(err), incident.ReviewWorkingDays))
	}
	s.OpenReview(workflow.Now(ctx), due)
}

// followUp adds a follow-up action.
func (r *incidentRun) followUp(ctx workflow.Context, req FollowUpRequest) (string, error) {
	return r.state.AddFollowUp(workflow.Now(ctx), req.By, req.Owner, req.Text), nil
}

// closeReview closes the review; the incident then completes once nothing is in flight.
func (r *incidentRun) closeReview(ctx workflow.Context, req CloseReviewRequest) (string, error) {
	text := r.state.CloseReview(workflow.Now(ctx), req.By, req.Summary)
	r.closing = true
	return text, nil
}

// remindOfReview reminds the commander (or whoever resolved the incident) that the review
// meeting is due, beside the paging path and once per incident.
func (r *incidentRun) remindOfReview(ctx workflow.Context) {
	var a *activities.Activities
	s := &r.state
	reminder := s.ReviewOverdue(workflow.Now(ctx))
	if reminder.Person == "" {
		return
	}
	req := activities.RemindRequest{
		WorkflowID: s.WorkflowID, Step: "review-meeting", Person: reminder.Person, Severity: s.Severity,
		Subject: "review due: " + s.Title, Text: reminder.Text,
	}
	r.beside(ctx, "reminding "+reminder.Person+" of the review meeting", func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(besideCtx(ctx, "remind "+reminder.Person+" of the review meeting"), a.Remind, req).Get(ctx, nil)
	})
}
