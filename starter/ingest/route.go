// Package ingest turns alerting tools' webhooks into incident signals: it authenticates and parses
// each request, asks the routing policy which incident each alert belongs to, coalesces each
// group's concurrent alerts into one signal-with-start, and answers the sender only once Temporal
// holds the alerts.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/workflows"
)

// RememberedRoutes bounds the routing decisions a webhook server remembers by their alert
// (policies.Memo), about 1 KB each: evaluating the routing policy takes 0.6-1 ms of CPU, and
// senders repeat the same alerts (Alertmanager sends a whole group again at every group
// interval; a storm is a few alerts sent many times).
const RememberedRoutes = 4096

// Router asks the routing policy which incident an alert belongs to.
type Router struct {
	Policies Decider
	// Config gives how labels map to incidents and the services alerts may name.
	Config RoutingConfig
}

// Decider evaluates a named policy decision for an input and decodes its answer into out.
// *policies.Evaluator implements it.
type Decider interface {
	Decide(ctx context.Context, name policies.Name, input, out any) error
	// Revision names the policy bundle that decides, for the record.
	Revision() string
}

// RoutingConfig is what the router reads of the configuration: the alerts section and the IDs of
// the configured services. *config.Config implements it.
type RoutingConfig interface {
	AlertSettings
	ServiceIDs() []string
}

// Route is the routing decision for one alert.
type Route struct {
	// Key is the incident key of the alert's group: the same group always has the same key.
	Key string
	// Open says whether the alert may start an incident; otherwise it only feeds one.
	Open    bool
	Routing workflows.Routing
}

// Route evaluates the routing policy for one alert.
func (r *Router) Route(ctx context.Context, a incident.Alert) (Route, error) {
	settings := r.Config.AlertSettings()
	services := r.Config.ServiceIDs()
	input := map[string]any{
		"alert": a,
		"settings": map[string]any{
			"service_labels":            settings.ServiceLabels,
			"type_labels":               settings.TypeLabels,
			"impact_prefix":             settings.ImpactPrefix,
			"false_alarm_grace_seconds": int(time.Duration(settings.FalseAlarmGrace).Seconds()),
			"reopen_window_seconds":     int(time.Duration(settings.ReopenWindow).Seconds()),
		},
		"services": services,
	}
	var d policies.RoutingDecision
	if err := r.Policies.Decide(ctx, policies.Routing, input, &d); err != nil {
		return Route{}, fmt.Errorf("route alert %s: %w", a.Fingerprint, err)
	}
	if d.Group == "" {
		return Route{}, fmt.Errorf("route alert %s: the routing policy named no group", a.Fingerprint)
	}
	return Route{
		Key:  GroupKey(d.Group),
		Open: d.Open,
		Routing: workflows.Routing{
			Group: d.Group, Service: d.Service, Type: d.Type, Title: d.Title, Impact: d.Impact,
			CloseFalseAlarms:  d.CloseFalseAlarms,
			FalseAlarmGrace:   time.Duration(d.FalseAlarmGraceSeconds) * time.Second,
			ReopenWindow:      time.Duration(d.ReopenWindowSeconds) * time.Second,
			ResolveWithAlerts: d.ResolveWithAlerts,
			Reasons:           d.Reasons, PolicyRevision: r.Policies.Revision(),
		},
	}, nil
}

// GroupKey returns the incident key of an alert group: stable, and a valid incident key whatever
// the group's text.
func GroupKey(group string) string {
	sum := sha256.Sum256([]byte(group))
	return "alert-" + hex.EncodeToString(sum[:8])
}
