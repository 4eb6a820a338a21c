package incident

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// eventsOf returns a batch of PagerDuty-style alerts, one per fingerprint, sent by one routing key;
// resolveWithAlerts sets the routing that resolves the incident with its alerts.
func eventsOf(resolveWithAlerts bool, status string, fingerprints ...string) AlertBatch {
	b := AlertBatch{Routing: Routing{Group: "g", CloseFalseAlarms: true, FalseAlarmGrace: 5 * time.Minute,
		ResolveWithAlerts: resolveWithAlerts}}
	for _, f := range fingerprints {
		b.Alerts = append(b.Alerts, Alert{Source: "pagerduty", Sender: "pagerduty/prometheus", Fingerprint: f, Status: status, Title: "t"})
	}
	return b
}

func TestAlertsThatAcknowledgeAndResolve(t *testing.T) {
	mixed := eventsOf(true, AlertAcknowledged, "a")
	mixed.Alerts = append(mixed.Alerts, eventsOf(true, AlertResolved, "a").Alerts...)
	cases := []struct {
		name         string
		acknowledged bool // the incident is acknowledged before the batches
		batches      []AlertBatch
		wantAckBy    string // of the last batch
		wantResolved string // of the last batch
		wantFiring   int
		wantGrace    bool
	}{
		{name: "an acknowledge event of a firing alert acknowledges the incident",
			batches:   []AlertBatch{eventsOf(true, AlertFiring, "a"), eventsOf(true, AlertAcknowledged, "a")},
			wantAckBy: "pagerduty/prometheus", wantFiring: 1},
		{name: "an acknowledged alert keeps firing",
			batches:    []AlertBatch{eventsOf(true, AlertFiring, "a"), eventsOf(true, AlertAcknowledged, "a"), eventsOf(true, AlertFiring, "a")},
			wantFiring: 1},
		{name: "an acknowledge event of an unknown alert is ignored",
			batches:    []AlertBatch{eventsOf(true, AlertFiring, "a"), eventsOf(true, AlertAcknowledged, "b")},
			wantFiring: 1},
		{name: "an acknowledge event of a resolved alert neither acknowledges nor fires it again",
			batches:   []AlertBatch{eventsOf(false, AlertFiring, "a"), eventsOf(false, AlertResolved, "a"), eventsOf(false, AlertAcknowledged, "a")},
			wantGrace: true},
		{name: "an acknowledged incident is not acknowledged again", acknowledged: true,
			batches:    []AlertBatch{eventsOf(true, AlertFiring, "a"), eventsOf(true, AlertAcknowledged, "a")},
			wantFiring: 1},
		{name: "resolving the last firing alert resolves the incident",
			batches:      []AlertBatch{eventsOf(true, AlertFiring, "a", "b"), eventsOf(true, AlertResolved, "a"), eventsOf(true, AlertResolved, "b")},
			wantResolved: "pagerduty/prometheus"},
		{name: "one alert still firing keeps it open",
			batches:    []AlertBatch{eventsOf(true, AlertFiring, "a", "b"), eventsOf(true, AlertResolved, "a")},
			wantFiring: 1},
		{name: "without the routing that resolves with alerts, resolution waits for the false-alarm grace",
			batches:   []AlertBatch{eventsOf(false, AlertFiring, "a"), eventsOf(false, AlertResolved, "a")},
			wantGrace: true},
		{name: "acknowledge and resolve in one batch do both, in order",
			batches:   []AlertBatch{eventsOf(true, AlertFiring, "a"), mixed},
			wantAckBy: "pagerduty/prometheus", wantResolved: "pagerduty/prometheus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(Opening{Key: "k", Title: "t"}, t0)
			if c.acknowledged {
				s.Acknowledge(t0, "tom")
			}
			var booked Booked
			for _, b := range c.batches {
				booked = s.ReceiveAlerts(t0, b)
			}
			require.Equal(t, c.wantAckBy, booked.AcknowledgedBy)
			require.Equal(t, c.wantResolved, booked.ResolvedBy)
			require.Equal(t, c.wantFiring, s.AlertBook.FiringNow)
			require.Equal(t, c.wantGrace, s.FalseAlarmDue != nil)
		})
	}
}

func TestAcknowledgeAndResolveByAlertsRecordTheSender(t *testing.T) {
	s := New(Opening{Key: "k", Title: "t"}, t0)
	s.Plan.ResponseTarget, s.Plan.ResolutionTarget = time.Hour, time.Hour
	s.ReceiveAlerts(t0, eventsOf(true, AlertFiring, "a"))
	s.AcknowledgeByAlert(t0.Add(time.Minute), "pagerduty/prometheus")
	require.Equal(t, StatusAcknowledged, s.Status)
	require.Equal(t, "pagerduty/prometheus", s.AcknowledgedBy)
	require.Equal(t, time.Minute, s.Metrics.TimeToAcknowledge)
	require.Equal(t, "acknowledged by pagerduty/prometheus through an acknowledge event of its alert", s.Timeline[len(s.Timeline)-1].Text)
	require.EqualError(t, s.CheckAck("tom"), "already acknowledged by pagerduty/prometheus")

	text := s.ResolveByAlerts(t0.Add(2*time.Minute), "pagerduty/prometheus")
	require.Equal(t, StatusResolved, s.Status)
	require.Equal(t, "every alert resolved: pagerduty/prometheus sent the resolve event", s.Resolution)
	require.Contains(t, text, "resolved by pagerduty/prometheus after 2m0s")
}

func TestForIncidentKeepsTheSender(t *testing.T) {
	a := Alert{Source: "pagerduty", Sender: "pagerduty/prometheus", Fingerprint: "k", Status: AlertAcknowledged,
		Labels: map[string]string{"severity": "critical"}}
	got := a.ForIncident()
	require.Equal(t, "pagerduty/prometheus", got.Sender)
	require.Equal(t, AlertAcknowledged, got.Status)
	require.Nil(t, got.Labels)
}
