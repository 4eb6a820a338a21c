package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
)

// HeartbeatSource is the source of the alerts that heartbeats raise.
const HeartbeatSource = "heartbeat"

// Heartbeat is what the heartbeat activities know of a configured heartbeat.
type Heartbeat struct {
	Name    string
	Service string
	Title   string
	// Impact holds impact facts by their names in the severity policy, such as
	// customers_affected.
	Impact map[string]any
}

// HeartbeatDirectory looks up the heartbeats of the worker's configuration.
type HeartbeatDirectory interface {
	// Heartbeat returns the heartbeat with a name, and whether the configuration has it.
	Heartbeat(name string) (Heartbeat, bool)
}

// AlertIntake routes an alert through the routing policy and delivers it to its incident, the
// way the alert webhooks do.
type AlertIntake interface {
	// Submit returns the workflow ID of the incident that holds the alert, or "" when the alert
	// may not open an incident and no incident was running to take it.
	Submit(ctx context.Context, a incident.Alert) (workflowID string, err error)
}

// HeartbeatAlert asks to raise or resolve a heartbeat's alert.
type HeartbeatAlert struct {
	Name string `json:"name"`
	// Deadline is the interval plus grace within which a ping was due.
	Deadline time.Duration `json:"deadline"`
	// LastPing is when the last ping before the miss arrived.
	LastPing time.Time `json:"last_ping"`
	// MissedAt is when the ping deadline passed.
	MissedAt time.Time `json:"missed_at"`
	// ResumedAt is when pings resumed; zero while they have not.
	ResumedAt time.Time `json:"resumed_at,omitzero"`
}

// HeartbeatAlertResult says what became of a heartbeat's alert.
type HeartbeatAlertResult struct {
	// Configured is false when the worker's configuration has no such heartbeat; a missed
	// heartbeat then raises nothing.
	Configured bool `json:"configured"`
	// Incident is the workflow ID of the incident that holds the alert, or "" when none took it.
	Incident string `json:"incident,omitempty"`
}

// HeartbeatFingerprint returns the fingerprint and group key of a heartbeat's alert: the same
// for every miss and resumption of one heartbeat, so that they are one alert of one incident.
func HeartbeatFingerprint(name string) string { return "heartbeat/" + name }

// RaiseHeartbeatAlert sends a missed heartbeat's firing alert through the routing policy to its
// incident, opening one if none runs. It raises nothing, and says so, when the heartbeat is no
// longer in the worker's configuration.
func (a *Activities) RaiseHeartbeatAlert(ctx context.Context, in HeartbeatAlert) (HeartbeatAlertResult, error) {
	if a.Alerts == nil {
		return HeartbeatAlertResult{}, badInput("raise heartbeat %s: this worker has no alert intake", in.Name)
	}
	hb, ok := a.heartbeat(in.Name)
	if !ok {
		a.logger().Warn("missed heartbeat is not configured: raising nothing", "heartbeat", in.Name)
		return HeartbeatAlertResult{}, nil
	}
	alert := heartbeatAlert(hb, in, incident.AlertFiring)
	id, err := a.Alerts.Submit(ctx, alert)
	if err != nil {
		return HeartbeatAlertResult{}, fmt.Errorf("raise heartbeat %s: %w", in.Name, err)
	}
	a.logger().Info("heartbeat missed: alert raised", "heartbeat", in.Name, "incident", id)
	return HeartbeatAlertResult{Configured: true, Incident: id}, nil
}

// ResolveHeartbeatAlert resolves a heartbeat's alert once its pings resumed. It resolves the
// alert even when the heartbeat has left the worker's configuration, since the alert's identity
// depends only on the heartbeat's name.
func (a *Activities) ResolveHeartbeatAlert(ctx context.Context, in HeartbeatAlert) (HeartbeatAlertResult, error) {
	if a.Alerts == nil {
		return HeartbeatAlertResult{}, badInput("resolve heartbeat %s: this worker has no alert intake", in.Name)
	}
	hb, ok := a.heartbeat(in.Name)
	if !ok {
		hb = Heartbeat{Name: in.Name, Title: "Heartbeat " + in.Name + " missed"}
	}
	id, err := a.Alerts.Submit(ctx, heartbeatAlert(hb, in, incident.AlertResolved))
	if err != nil {
		return HeartbeatAlertResult{}, fmt.Errorf("resolve heartbeat %s: %w", in.Name, err)
	}
	a.logger().Info("heartbeat resumed: alert resolved", "heartbeat", in.Name, "incident", id)
	return HeartbeatAlertResult{Configured: ok, Incident: id}, nil
}

func (a *Activities) heartbeat(name string) (Heartbeat, bool) {
	if a.Heartbeats == nil {
		return Heartbeat{}, false
	}
	return a.Heartbeats.Heartbeat(name)
}

// heartbeatAlert is the alert of a heartbeat with a status.
func heartbeatAlert(hb Heartbeat, in HeartbeatAlert, status string) incident.Alert {
	description := fmt.Sprintf("No ping from heartbeat %s since %s: one was due within %s.",
		hb.Name, in.LastPing.UTC().Format(time.RFC3339), in.Deadline)
	var ends time.Time
	if status == incident.AlertResolved {
		description = fmt.Sprintf("Heartbeat %s pinged again at %s, after no ping from %s.",
			hb.Name, in.ResumedAt.UTC().Format(time.RFC3339), in.LastPing.UTC().Format(time.RFC3339))
		ends = in.ResumedAt
	}
	return incident.Alert{
		Source:      HeartbeatSource,
		Fingerprint: HeartbeatFingerprint(hb.Name),
		GroupKey:    HeartbeatFingerprint(hb.Name),
		Status:      status,
		Title:       hb.Title,
		Service:     hb.Service,
		Labels:      map[string]string{"heartbeat": hb.Name},
		Annotations: map[string]string{"description": description},
		Impact:      hb.Impact,
		StartsAt:    in.MissedAt,
		EndsAt:      ends,
	}
}
