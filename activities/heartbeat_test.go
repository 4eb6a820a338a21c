package activities_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// intake records the alerts it is given and answers with id and err.
type intake struct {
	got []incident.Alert
	id  string
	err error
}

func (i *intake) Submit(_ context.Context, a incident.Alert) (string, error) {
	i.got = append(i.got, a)
	return i.id, i.err
}

type beats map[string]activities.Heartbeat

func (b beats) Heartbeat(name string) (activities.Heartbeat, bool) {
	hb, ok := b[name]
	return hb, ok
}

func TestHeartbeatAlerts(t *testing.T) {
	missed := time.Date(2026, 12, 1, 10, 1, 30, 0, time.UTC)
	in := activities.HeartbeatAlert{Name: "watchdog", Deadline: 90 * time.Second, LastPing: missed.Add(-90 * time.Second),
		MissedAt: missed, ResumedAt: missed.Add(time.Hour)}
	configured := beats{"watchdog": {Name: "watchdog", Service: "reports", Title: "Watchdog stopped", Impact: map[string]any{"core_degraded": true}}}
	tests := []struct {
		name    string
		beats   beats
		intake  *intake
		resolve bool
		want    activities.HeartbeatAlertResult
		alert   *incident.Alert // what the intake got, nil for nothing
		err     string
	}{
		{
			name: "raise", beats: configured, intake: &intake{id: "incident-alert-1"},
			want: activities.HeartbeatAlertResult{Configured: true, Incident: "incident-alert-1"},
			alert: &incident.Alert{Source: "heartbeat", Fingerprint: "heartbeat/watchdog", GroupKey: "heartbeat/watchdog",
				Status: incident.AlertFiring, Title: "Watchdog stopped", Service: "reports", Labels: map[string]string{"heartbeat": "watchdog"},
				Annotations: map[string]string{"description": "No ping from heartbeat watchdog since 2026-12-01T10:00:00Z: one was due within 1m30s."},
				Impact:      map[string]any{"core_degraded": true}, StartsAt: missed},
		},
		{
			name: "raise a heartbeat the configuration no longer has", beats: beats{}, intake: &intake{},
			want: activities.HeartbeatAlertResult{Configured: false},
		},
		{
			name: "resolve a heartbeat the configuration no longer has", beats: beats{}, intake: &intake{}, resolve: true,
			want: activities.HeartbeatAlertResult{Configured: false},
			alert: &incident.Alert{Source: "heartbeat", Fingerprint: "heartbeat/watchdog", GroupKey: "heartbeat/watchdog",
				Status: incident.AlertResolved, Title: "Heartbeat watchdog missed", Labels: map[string]string{"heartbeat": "watchdog"},
				Annotations: map[string]string{"description": "Heartbeat watchdog pinged again at 2026-12-01T11:01:30Z, after no ping from 2026-12-01T10:00:00Z."},
				StartsAt:    missed, EndsAt: missed.Add(time.Hour)},
		},
		{
			name: "temporal unavailable", beats: configured, intake: &intake{err: errors.New("connection refused")},
			alert: &incident.Alert{}, err: "raise heartbeat watchdog: connection refused",
		},
		{
			name: "no intake", beats: configured, err: "raise heartbeat watchdog: this worker has no alert intake",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &activities.Activities{Heartbeats: tt.beats}
			if tt.intake != nil {
				a.Alerts = tt.intake
			}
			run := a.RaiseHeartbeatAlert
			if tt.resolve {
				run = a.ResolveHeartbeatAlert
			}
			got, err := run(context.Background(), in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				if tt.intake == nil {
					var appErr *temporal.ApplicationError
					require.True(t, errors.As(err, &appErr))
					require.Equal(t, activities.ErrBadInput, appErr.Type(), "a worker without an intake never gets one by retrying")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			if tt.alert == nil {
				require.Empty(t, tt.intake.got)
				return
			}
			require.Equal(t, []incident.Alert{*tt.alert}, tt.intake.got)
		})
	}
}
