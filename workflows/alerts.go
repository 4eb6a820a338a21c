package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// receiveAlerts books a batch of alerts. On an open incident, an alert firing again resumes a
// ladder paused for the false-alarm grace. On a resolved one, a firing alert starts the incident
// that follows: linked to this one within the routing's reopen window, a new one after it.
func (r *incidentRun) receiveAlerts(ctx workflow.Context, b AlertBatch) {
	s := &r.state
	if s.Status == incident.StatusResolved {
		r.alertsAfterResolution(ctx, b)
		return
	}
	if s.ReceiveAlerts(workflow.Now(ctx), b) && s.LadderPaused {
		s.LadderPaused = false
		r.record(ctx, "escalate", "", "paging resumes: an alert fires again")
		r.missedAck(ctx)
	}
}

// drainAlerts books every alerts signal already delivered, so continue-as-new loses none.
func (r *incidentRun) drainAlerts(ctx workflow.Context) {
	for r.next == nil {
		var b AlertBatch
		if !r.alerts.ReceiveAsync(&b) {
			return
		}
		r.receiveAlerts(ctx, b)
	}
}

// alertsAfterResolution records alerts that arrive for a resolved incident; a firing one starts
// the next incident of the group.
func (r *incidentRun) alertsAfterResolution(ctx workflow.Context, b AlertBatch) {
	s := &r.state
	if !slices.ContainsFunc(b.Alerts, func(a incident.Alert) bool { return a.Status == incident.AlertFiring }) {
		r.record(ctx, "alert", "", fmt.Sprintf("%d resolved alerts after the incident was resolved", len(b.Alerts)))
		return
	}
	routing := b.Routing
	next := &IncidentInput{
		Key: s.Key, Source: b.Alerts[0].Source, Service: routing.Service, Type: routing.Type, Title: routing.Title,
		Impact: routing.Impact, Pending: []AlertBatch{b},
	}
	if s.Routing != nil && workflow.Now(ctx).Sub(*s.ResolvedAt) <= s.Routing.ReopenWindow {
		next.Reopens = fmt.Sprintf("%s (run %s, resolved %s)", s.Key, workflow.GetInfo(ctx).WorkflowExecution.RunID, s.ResolvedAt.Format(time.RFC3339))
		r.record(ctx, "alert", "", "an alert fires again within the reopen window: a new incident follows this one")
	} else {
		r.record(ctx, "alert", "", "an alert fires after the reopen window: a new incident starts")
	}
	r.next = next
}

// closeFalseAlarm resolves an incident whose alerts all resolved within the grace period before
// anyone acknowledged it. It was never confirmed, so customers hear nothing; the team hears it
// was a false alarm.
func (r *incidentRun) closeFalseAlarm(ctx workflow.Context) {
	s := &r.state
	s.FalseAlarmDue = nil
	if !s.AlertBook.AllResolved() || s.AcknowledgedAt != nil {
		return
	}
	s.FalseAlarm = true
	text := s.Resolve(workflow.Now(ctx), incident.SystemActor,
		fmt.Sprintf("false alarm: every alert resolved and nobody acknowledged within %s", s.Routing.FalseAlarmGrace))
	r.communicate(ctx, activities.StageFalseAlarm, incident.AudienceInternal)
	r.record(ctx, "summary", "", text)
}
