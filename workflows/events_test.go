package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// eventsRouting is the routing the policy decides for a PagerDuty event: the incident resolves
// with its alert.
var eventsRouting = workflows.Routing{
	Group: "pagerduty/prometheus/search-errors", Service: "search", Type: "outage", Title: "Search errors",
	Impact: incident.Impact{CustomersAffected: "some"}, CloseFalseAlarms: true, ResolveWithAlerts: true,
	FalseAlarmGrace: 5 * time.Minute, ReopenWindow: 30 * time.Minute, PolicyRevision: "sha256:test",
}

// events returns a batch of PagerDuty events for the dedup key "search-errors", one per status.
func events(statuses ...string) workflows.AlertBatch {
	b := workflows.AlertBatch{Routing: eventsRouting}
	for _, status := range statuses {
		b.Alerts = append(b.Alerts, incident.Alert{Source: "pagerduty", Sender: "pagerduty/prometheus",
			Fingerprint: "search-errors", GroupKey: eventsRouting.Group, Status: status, Title: "Search errors"})
	}
	return b
}

func eventsInput(pending ...workflows.AlertBatch) workflows.IncidentInput {
	in := alertInput(pending...)
	in.Source = "pagerduty"
	return in
}

func TestAnAcknowledgeEventAcknowledgesAndAResolveEventResolves(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.signal(time.Minute, events(incident.AlertAcknowledged))
	h.at(2*time.Minute, func() {
		s := h.state()
		assert.Equal(t, incident.StatusAcknowledged, s.Status)
		assert.Equal(t, "pagerduty/prometheus", s.AcknowledgedBy)
		assert.Nil(t, s.AckDeadline, "the ladder stops")
		assert.NotNil(t, s.ConfirmedAt, "an acknowledgement confirms the incident")
		assert.Equal(t, time.Minute, s.Metrics.TimeToAcknowledge)
		assert.Equal(t, 1, s.AlertBook.FiringNow, "the acknowledged alert still fires")
	})
	h.reject(3*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, "already acknowledged by pagerduty/prometheus")
	h.signal(4*time.Minute, events(incident.AlertResolved))
	h.at(5*time.Minute, func() {
		s := h.state()
		assert.Equal(t, incident.StatusResolved, s.Status)
		assert.Equal(t, "every alert resolved: pagerduty/prometheus sent the resolve event", s.Resolution)
		assert.Nil(t, s.FalseAlarmDue)
		assert.False(t, s.FalseAlarm)
		assert.Equal(t, incident.PhaseReview, s.Phase, "an incident resolved by its alerts is reviewed too")
	})
	h.run(eventsInput(events(incident.AlertFiring)))
	require.Equal(t, 4*time.Minute, h.summary().Metrics.TimeToResolve)
	require.Len(t, h.rec.paged(), 1, "one page, then the acknowledgement stopped the ladder")
}

func TestAResolveEventBeforeAnyAcknowledgementResolvesAtOnce(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.signal(time.Minute, events(incident.AlertResolved))
	h.run(eventsInput(events(incident.AlertFiring)))
	s := h.state()
	require.Equal(t, incident.StatusResolved, s.Status)
	require.Equal(t, wednesday10.Add(time.Minute).UTC(), *s.ResolvedAt, "resolved with its alert, not after a false-alarm grace")
	require.False(t, s.FalseAlarm)
}

func TestEventsThatArriveBeforeTheIncidentOpensActOnceItHas(t *testing.T) {
	cases := []struct {
		name       string
		pending    []workflows.AlertBatch
		wantStatus incident.Status
		wantPages  int
	}{
		{"trigger and acknowledge", []workflows.AlertBatch{events(incident.AlertFiring, incident.AlertAcknowledged)}, incident.StatusAcknowledged, 1},
		{"trigger, then resolve", []workflows.AlertBatch{events(incident.AlertFiring), events(incident.AlertResolved)}, incident.StatusResolved, 1},
		{"trigger, resolve, trigger again", []workflows.AlertBatch{events(incident.AlertFiring), events(incident.AlertResolved), events(incident.AlertFiring)}, incident.StatusTriggered, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, wednesday10)
			h.at(time.Minute, func() {
				s := h.state()
				assert.Equal(t, c.wantStatus, s.Status)
				assert.NotEmpty(t, s.Plan.Tiers, "the incident was engaged")
				if s.Status != incident.StatusResolved {
					h.env.UpdateWorkflow(workflows.UpdateResolve, "", &testsuite.TestUpdateCallback{
						OnReject: func(err error) { t.Errorf("resolve rejected: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
					}, workflows.ResolveRequest{By: "tom", Summary: "fixed"})
				}
			})
			h.run(eventsInput(c.pending...))
			require.Len(t, h.rec.paged(), c.wantPages, "the incident opened and paged before acting on its events")
		})
	}
}

func TestATriggerAfterAResolveEventStartsTheNextIncident(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.signal(time.Minute, events(incident.AlertResolved))
	h.signal(2*time.Minute, events(incident.AlertAcknowledged))
	h.signal(3*time.Minute, events(incident.AlertFiring))
	h.run(eventsInput(events(incident.AlertFiring)))

	var next *workflow.ContinueAsNewError
	require.True(t, errors.As(h.env.GetWorkflowError(), &next), "got %v", h.env.GetWorkflowError())
	var in workflows.IncidentInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &in))
	require.Equal(t, "pagerduty", in.Source)
	require.Contains(t, in.Reopens, "alert-1 (run ")
	require.Len(t, in.Pending, 1)
	require.Equal(t, incident.AlertFiring, in.Pending[0].Alerts[0].Status)
}

func TestRunsThatBookedEventsBeforeTheChangeKeepTheirBehaviour(t *testing.T) {
	h := newHarness(t, wednesday10)
	// A run that started before the epoch, on the code of every change but this one.
	h.env.OnGetVersion("epoch-2026-12", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	h.env.OnGetVersion("events-api-ack-resolve", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	h.signal(time.Minute, events(incident.AlertAcknowledged))
	h.at(2*time.Minute, func() {
		s := h.state()
		assert.Equal(t, incident.StatusTriggered, s.Status, "version 0 took an acknowledgement for a resolution")
		assert.NotNil(t, s.FalseAlarmDue)
	})
	h.run(eventsInput(events(incident.AlertFiring)))
	s := h.state()
	require.True(t, s.FalseAlarm, "and closed the incident as a false alarm, not by its alerts")
}
