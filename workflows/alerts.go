package workflows

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// changeEventsAPI is the change ID of alerts that acknowledge their incident and of routing that
// resolves an incident with its alerts (the PagerDuty Events API). A run that booked such alerts
// before (version 0) took acknowledgements for resolutions and knew no resolution by alerts.
const changeEventsAPI = "events-api-ack-resolve"

// receiveAlerts books a batch of alerts. On an open incident, an alert firing again resumes a
// ladder paused for the false-alarm grace, an acknowledge event acknowledges the incident, and
// when the routing says so the last alert resolving resolves it. On a resolved one, a firing
// alert starts the incident that follows: linked to this one within the routing's reopen window,
// a new one after it.
func (r *incidentRun) receiveAlerts(ctx workflow.Context, b AlertBatch) {
	s := &r.state
	if usesEventsAPI(b) && !changed(ctx, changeEventsAPI) {
		b = beforeEventsAPI(b)
	}
	if s.Status == incident.StatusResolved {
		r.alertsAfterResolution(ctx, b)
		return
	}
	booked := s.ReceiveAlerts(workflow.Now(ctx), b)
	if booked.FiresAgain && s.LadderPaused {
		s.LadderPaused = false
		r.record(ctx, "escalate", "", "paging resumes: an alert fires again")
		r.missedAck(ctx)
	}
	if r.opening {
		// Alerts that arrived before the incident opened act once it has: a plan to stop and
		// channels to tell must exist first.
		r.afterOpen.AcknowledgedBy = cmp.Or(r.afterOpen.AcknowledgedBy, booked.AcknowledgedBy)
		r.afterOpen.ResolvedBy = cmp.Or(booked.ResolvedBy, r.afterOpen.ResolvedBy)
		return
	}
	r.actOn(ctx, booked)
}

// actOn acknowledges or resolves the incident as its alerts asked, if it still stands as they
// found it.
func (r *incidentRun) actOn(ctx workflow.Context, booked incident.Booked) {
	s := &r.state
	if booked.AcknowledgedBy != "" && s.Status == incident.StatusTriggered {
		r.acknowledgeByAlert(ctx, booked.AcknowledgedBy)
	}
	if booked.ResolvedBy != "" && s.Status != incident.StatusResolved && s.AlertBook.AllResolved() {
		r.resolveByAlerts(ctx, booked.ResolvedBy)
	}
}

// usesEventsAPI reports whether a batch holds an acknowledge event or routing that resolves the
// incident with its alerts.
func usesEventsAPI(b AlertBatch) bool {
	return b.Routing.ResolveWithAlerts ||
		slices.ContainsFunc(b.Alerts, func(a incident.Alert) bool { return a.Status == incident.AlertAcknowledged })
}

// beforeEventsAPI returns the batch as the code before changeEventsAPI saw it: an acknowledge
// event as a resolved alert, and no resolution by alerts.
func beforeEventsAPI(b AlertBatch) AlertBatch {
	b.Routing.ResolveWithAlerts = false
	b.Alerts = slices.Clone(b.Alerts)
	for i := range b.Alerts {
		if b.Alerts[i].Status == incident.AlertAcknowledged {
			b.Alerts[i].Status = incident.AlertResolved
		}
	}
	return b
}

// acknowledgeByAlert acknowledges the incident for the sender of an acknowledge event, as a
// responder's acknowledgement does: the ladder stops and the incident is confirmed.
func (r *incidentRun) acknowledgeByAlert(ctx workflow.Context, sender string) {
	s := &r.state
	first := s.AcknowledgedAt == nil
	s.AcknowledgeByAlert(workflow.Now(ctx), sender)
	if first {
		workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"severity": string(s.Severity)}).
			Timer("firebreak_acknowledgement_latency").Record(s.Metrics.TimeToAcknowledge)
	}
	if s.Confirm(workflow.Now(ctx), "acknowledged by "+sender) {
		r.communicate(ctx, activities.StageInvestigating, incident.AudienceExternal)
	}
}

// resolveByAlerts resolves the incident when the last of its alerts resolved and the routing
// resolves incidents with their alerts: the final messages go out as for a responder's resolve.
func (r *incidentRun) resolveByAlerts(ctx workflow.Context, sender string) {
	s := &r.state
	text := s.ResolveByAlerts(workflow.Now(ctx), sender)
	audience := incident.AudienceInternal
	if s.ConfirmedAt != nil {
		audience = ""
	}
	r.communicate(ctx, activities.StageResolved, audience)
	r.record(ctx, "summary", "", text)
	if changed(ctx, changeReview) {
		r.openReview(ctx)
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
		r.record(ctx, "alert", "", fmt.Sprintf("%d alerts, none firing, after the incident was resolved", len(b.Alerts)))
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
