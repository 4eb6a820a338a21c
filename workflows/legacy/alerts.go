package legacy

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/incident"
)

// receiveAlerts records a batch of alerts: each alert's latest status and count, one timeline
// entry for the batch, and what it means when every alert has resolved. It adds no commands to
// the history (search attributes and memo do not show alerts), so a storm costs only its signals.
func (r *incidentRun) receiveAlerts(ctx workflow.Context, b AlertBatch) {
	s := &r.state
	if len(b.Alerts) == 0 {
		return
	}
	if b.Routing.Group != "" {
		routing := b.Routing
		s.Routing = &routing
	}
	wasAllResolved := allResolved(s.Alerts)
	now := workflow.Now(ctx).UTC()
	firing := 0
	for _, a := range b.Alerts {
		i := slices.IndexFunc(s.Alerts, func(rec incident.AlertRecord) bool { return rec.Fingerprint == a.Fingerprint })
		if i < 0 {
			s.Alerts = append(s.Alerts, incident.AlertRecord{Fingerprint: a.Fingerprint, Source: a.Source, FirstSeen: now})
			i = len(s.Alerts) - 1
		}
		rec := &s.Alerts[i]
		rec.Title, rec.Status, rec.LastSeen = a.Title, a.Status, now
		rec.Count++
		if a.Status == incident.AlertFiring {
			firing++
		}
	}
	s.AlertCount += len(b.Alerts)
	r.record(ctx, "alert", "", fmt.Sprintf("%d alerts received (%d firing, %d resolved); %d alerts in all from %d sources of alerts",
		len(b.Alerts), firing, len(b.Alerts)-firing, s.AlertCount, len(s.Alerts)))

	switch nowAllResolved := allResolved(s.Alerts); {
	case !nowAllResolved && s.FalseAlarmDue != nil:
		s.FalseAlarmDue = nil
		r.record(ctx, "alert", "", "an alert fires again: not a false alarm")
	case nowAllResolved && !wasAllResolved && s.Status == incident.StatusTriggered && s.AcknowledgedAt == nil &&
		s.Routing != nil && s.Routing.CloseFalseAlarms:
		due := now.Add(s.Routing.FalseAlarmGrace)
		s.FalseAlarmDue = &due
		r.record(ctx, "alert", "", fmt.Sprintf("every alert resolved before anyone acknowledged: closing as a false alarm at %s unless one fires again",
			due.Format(time.RFC3339)))
	case nowAllResolved && !wasAllResolved:
		r.record(ctx, "alert", "", "every alert resolved; resolving the incident stays with the responders")
	}
}

func allResolved(records []incident.AlertRecord) bool {
	if len(records) == 0 {
		return false
	}
	for _, rec := range records {
		if rec.Status != incident.AlertResolved {
			return false
		}
	}
	return true
}

// closeFalseAlarm resolves an incident whose alerts all resolved within the grace period before
// anyone acknowledged it.
func (r *incidentRun) closeFalseAlarm(ctx workflow.Context) error {
	s := &r.state
	s.FalseAlarmDue = nil
	if !allResolved(s.Alerts) || s.AcknowledgedAt != nil {
		return nil
	}
	s.FalseAlarm = true
	_, err := r.resolve(ctx, ResolveRequest{
		By:      "firebreak",
		Summary: fmt.Sprintf("false alarm: every alert resolved and nobody acknowledged within %s", s.Routing.FalseAlarmGrace),
	})
	return err
}

// awaitReopen keeps a resolved incident listening for its group's alerts for the reopen window.
// A firing alert in that window starts a new incident, linked to this one, as a new run; the
// returned input is that run's.
func (r *incidentRun) awaitReopen(ctx workflow.Context, alerts workflow.ReceiveChannel) *IncidentInput {
	s := &r.state
	if s.Routing == nil || s.Routing.ReopenWindow <= 0 {
		return nil
	}
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	window := workflow.NewTimerWithOptions(timerCtx, s.Routing.ReopenWindow, workflow.TimerOptions{Summary: "reopen window"})
	for {
		var batch *AlertBatch
		closed := false
		selector := workflow.NewSelector(ctx)
		selector.AddFuture(window, func(workflow.Future) { closed = true })
		selector.AddReceive(alerts, func(c workflow.ReceiveChannel, _ bool) {
			var b AlertBatch
			c.Receive(ctx, &b)
			batch = &b
		})
		selector.Select(ctx)
		if closed {
			return nil
		}
		if !slices.ContainsFunc(batch.Alerts, func(a incident.Alert) bool { return a.Status == incident.AlertFiring }) {
			r.record(ctx, "alert", "", fmt.Sprintf("%d resolved alerts after the incident was resolved", len(batch.Alerts)))
			continue
		}
		routing := batch.Routing
		r.record(ctx, "alert", "", "an alert fires again within the reopen window: a new incident follows this one")
		return &IncidentInput{
			Key: s.Key, Source: batch.Alerts[0].Source, Service: routing.Service, Type: routing.Type, Title: routing.Title,
			Impact:  routing.Impact,
			Reopens: fmt.Sprintf("%s (run %s, resolved %s)", s.Key, workflow.GetInfo(ctx).WorkflowExecution.RunID, s.ResolvedAt.Format(time.RFC3339)),
			Pending: []AlertBatch{*batch},
		}
	}
}
