package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

var routing = workflows.Routing{
	Group: "alertmanager/search/SearchErrors", Service: "search", Type: "outage", Title: "Search errors",
	Impact: incident.Impact{CustomersAffected: "some"}, CloseFalseAlarms: true,
	FalseAlarmGrace: 5 * time.Minute, ReopenWindow: 30 * time.Minute, PolicyRevision: "sha256:test",
}

func batch(status string, fingerprints ...string) workflows.AlertBatch {
	b := workflows.AlertBatch{Routing: routing}
	for _, f := range fingerprints {
		b.Alerts = append(b.Alerts, incident.Alert{Source: "alertmanager", Fingerprint: f, Status: status, Title: "Search errors"})
	}
	return b
}

func alertInput(pending ...workflows.AlertBatch) workflows.IncidentInput {
	return workflows.IncidentInput{Key: "alert-1", Source: "alertmanager", Service: "search", Type: "outage",
		Title: "Search errors", Impact: incident.Impact{CustomersAffected: "some"}, Pending: pending}
}

func (h *harness) signal(d time.Duration, b workflows.AlertBatch) {
	h.at(d, func() { h.env.SignalWorkflow(workflows.SignalAlerts, b) })
}

func TestAlertsAreCountedByFingerprint(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.signal(time.Minute, batch(incident.AlertFiring, "a", "a", "b"))
	h.signal(2*time.Minute, batch(incident.AlertResolved, "b"))
	h.at(3*time.Minute, func() {
		s := h.state()
		assert.Equal(t, 5, s.AlertCount, "the starting alert, three, then one")
		if assert.Len(t, s.Alerts, 2) {
			assert.Equal(t, incident.AlertRecord{Fingerprint: "a", Source: "alertmanager", Title: "Search errors", Status: "firing", Count: 3,
				FirstSeen: wednesday10.UTC(), LastSeen: wednesday10.Add(time.Minute).UTC()}, s.Alerts[0])
			assert.Equal(t, "resolved", s.Alerts[1].Status)
		}
		assert.Nil(t, s.FalseAlarmDue, "alert a still fires")
	})
	h.send(4*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(alertInput(batch(incident.AlertFiring, "a")))
}

func TestEveryAlertResolvedBeforeAcknowledgementIsAFalseAlarm(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.signal(2*time.Minute, batch(incident.AlertResolved, "a"))
	h.at(2*time.Minute+time.Second, func() {
		s := h.state()
		if assert.NotNil(t, s.FalseAlarmDue) {
			assert.Equal(t, wednesday10.Add(7*time.Minute).UTC(), *s.FalseAlarmDue)
		}
	})
	h.run(alertInput(batch(incident.AlertFiring, "a")))
	s := h.state()
	require.True(t, s.FalseAlarm)
	require.Equal(t, incident.StatusResolved, s.Status)
	require.Equal(t, wednesday10.Add(7*time.Minute).UTC(), *s.ResolvedAt, "closed when the grace period ends")
	require.Contains(t, s.Resolution, "false alarm")
	// The reopen window passed with no alert, so the workflow ended with its summary.
	require.Equal(t, 7*time.Minute, h.summary().Metrics.TimeToResolve)
}

func TestAFiringAlertCancelsTheFalseAlarm(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.signal(2*time.Minute, batch(incident.AlertResolved, "a"))
	h.signal(4*time.Minute, batch(incident.AlertFiring, "a"))
	h.at(10*time.Minute, func() {
		s := h.state()
		assert.Nil(t, s.FalseAlarmDue)
		assert.NotEqual(t, incident.StatusResolved, s.Status)
	})
	h.send(11*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(alertInput(batch(incident.AlertFiring, "a")))
	require.False(t, h.state().FalseAlarm)
}

func TestAlertsResolvedAfterAcknowledgementLeaveResolvingToPeople(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, nil)
	h.signal(2*time.Minute, batch(incident.AlertResolved, "a"))
	h.at(20*time.Minute, func() {
		s := h.state()
		assert.Equal(t, incident.StatusAcknowledged, s.Status)
		assert.Nil(t, s.FalseAlarmDue)
		assert.Equal(t, "every alert resolved; resolving the incident stays with the responders", s.Timeline[len(s.Timeline)-1].Text)
	})
	h.send(21*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(alertInput(batch(incident.AlertFiring, "a")))
}

func TestAFiringAlertInTheReopenWindowStartsALinkedIncident(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.send(time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.signal(5*time.Minute, batch(incident.AlertResolved, "a"))
	h.signal(10*time.Minute, batch(incident.AlertFiring, "a"))
	h.run(alertInput(batch(incident.AlertFiring, "a")))

	var next *workflow.ContinueAsNewError
	require.True(t, errors.As(h.env.GetWorkflowError(), &next), "got %v", h.env.GetWorkflowError())
	var in workflows.IncidentInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &in))
	require.Equal(t, "alert-1", in.Key)
	require.Equal(t, "Search errors", in.Title)
	require.Contains(t, in.Reopens, "alert-1 (run ")
	require.Len(t, in.Pending, 1)
	require.Equal(t, incident.AlertFiring, in.Pending[0].Alerts[0].Status)
}
