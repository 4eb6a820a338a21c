package incident

import "time"

// Alert statuses.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Alert is one alert from an alerting tool, normalised: Prometheus Alertmanager, Grafana,
// CloudWatch through Amazon SNS, or Firebreak's generic format.
type Alert struct {
	// Source is the sender: "alertmanager", "grafana", "sns" or "generic".
	Source string `json:"source"`
	// Fingerprint is the stable identity of this alert within its source: the Alertmanager or
	// Grafana fingerprint, the CloudWatch alarm ARN, or the generic dedup_key.
	Fingerprint string `json:"fingerprint"`
	// GroupKey is the sender's grouping: the Alertmanager groupKey, the CloudWatch alarm ARN,
	// or the generic dedup_key.
	GroupKey string `json:"group_key"`
	// Status is AlertFiring or AlertResolved.
	Status      string            `json:"status"`
	Title       string            `json:"title"`
	Service     string            `json:"service,omitempty"`
	Type        string            `json:"type,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Impact holds impact facts as sent (customers_affected, data_loss, ...); generic only.
	Impact   map[string]any    `json:"impact,omitempty"`
	Links    map[string]string `json:"links,omitempty"`
	StartsAt time.Time         `json:"starts_at"`
	EndsAt   time.Time         `json:"ends_at,omitzero"`
}

// AlertRecord is what an incident keeps of one alert: its latest status and how often it came.
type AlertRecord struct {
	Fingerprint string    `json:"fingerprint"`
	Source      string    `json:"source"`
	Title       string    `json:"title"`
	Status      string    `json:"status"`
	Count       int       `json:"count"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
}
