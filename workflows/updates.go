package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// Status updates and their cadence. The communication policy decides, with the rest of the
// engagement plan, how often customers must hear from us; a plan decided before that policy
// existed has no cadence, so incidents that started before it arm no new timer on replay.

// postUpdate accepts a responder's status update: the cadence restarts at once, and the
// messages go out beside the paging path.
func (r *incidentRun) postUpdate(ctx workflow.Context, req PostUpdateRequest) (string, error) {
	s := &r.state
	toPublic, toInternal := s.UpdateAudiences(req.Public, req.Internal)
	now := workflow.Now(ctx)
	text := s.AcceptUpdate(now, req.By, toPublic)
	audience := ""
	switch {
	case !toPublic:
		audience = incident.AudienceInternal
	case !toInternal:
		audience = incident.AudienceExternal
	}
	r.send(ctx, activities.StageUpdate, audience, activities.CommunicateRequest{
		Public: req.Public, Internal: req.Internal, Step: fmt.Sprintf("%d", now.UnixMilli()),
	})
	return text, nil
}

// remindOfUpdate acts on an overdue public update: the reminder goes to the communications lead
// or the commander beside the paging path, with an idempotency key from the deadline that fell,
// so a worker that crashes mid-send never sends it twice.
func (r *incidentRun) remindOfUpdate(ctx workflow.Context) {
	var a *activities.Activities
	s := &r.state
	due := *s.UpdateDue
	reminder := s.UpdateOverdue(workflow.Now(ctx))
	if reminder.Person == "" {
		return
	}
	req := activities.RemindRequest{
		WorkflowID: s.WorkflowID, Step: fmt.Sprintf("update-due-%d/reminder-%d", due.UnixMilli(), reminder.Number),
		Person: reminder.Person, Severity: s.Severity, Subject: "public update overdue: " + s.Title, Text: reminder.Text,
	}
	r.beside(ctx, "reminding "+reminder.Person+" of the overdue update", func(ctx workflow.Context) error {
		summary := fmt.Sprintf("remind %s (%s) of the overdue public update", reminder.Person, reminder.Role)
		return workflow.ExecuteActivity(besideCtx(ctx, summary), a.Remind, req).Get(ctx, nil)
	})
}
