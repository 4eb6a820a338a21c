package alerts

import (
	"errors"
	"fmt"
)

// Webhook versions this package accepts.
const (
	// AlertmanagerWebhookVersion is the version of Prometheus Alertmanager's webhook payload.
	AlertmanagerWebhookVersion = "4"
	// GrafanaWebhookVersion is the version of Grafana Alerting's webhook contact point payload.
	GrafanaWebhookVersion = "1"
)

// amMessage is the webhook body of Prometheus Alertmanager (notify/webhook), with the extra
// fields Grafana's webhook contact point adds. Other fields are tolerated and ignored.
type amMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   *int64            `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`

	// Grafana only.
	OrgID   *int64  `json:"orgId"`
	Title   *string `json:"title"`
	State   *string `json:"state"`
	Message *string `json:"message"`
}

// amAlert is one alert of an Alertmanager or Grafana webhook.
type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`

	// Grafana only.
	SilenceURL   *string        `json:"silenceURL"`
	DashboardURL *string        `json:"dashboardURL"`
	PanelURL     *string        `json:"panelURL"`
	ImageURL     *string        `json:"imageURL"`
	ValueString  *string        `json:"valueString"`
	Values       map[string]any `json:"values"`
}

// grafana reports whether m carries any field only Grafana sends.
func (m *amMessage) grafana() bool {
	if m.OrgID != nil || m.Title != nil || m.State != nil || m.Message != nil {
		return true
	}
	for _, a := range m.Alerts {
		if a.SilenceURL != nil || a.DashboardURL != nil || a.PanelURL != nil || a.ImageURL != nil ||
			a.ValueString != nil || a.Values != nil {
			return true
		}
	}
	return false
}

// ParseAlertmanager parses a Prometheus Alertmanager webhook (version "4") or a Grafana
// Alerting webhook contact point payload (the same shape with Grafana's extra fields, version
// "1") into one Alert per entry of its alerts array.
//
// The payload is Grafana's, and Source is "grafana", when it carries any field only Grafana
// sends: orgId, title, state or message at the top, or silenceURL, dashboardURL, panelURL,
// imageURL, valueString or values on an alert. Otherwise Source is "alertmanager". Other fields
// that either sender adds are ignored.
//
// Each alert's Title is its "summary" annotation, else its "alertname" label, else its
// fingerprint; Service is its "service" label. Links holds "generator" (generatorURL), and for
// Grafana "dashboard", "panel", "silence" and "image" when not empty; a "runbook_url"
// annotation is also linked as "runbook". Grafana's valueString is kept as the annotation
// "value_string" unless the alert already has one. A zero endsAt ("0001-01-01T00:00:00Z") leaves
// EndsAt zero.
//
// An alert without a fingerprint gets the one Alertmanager itself would compute from its
// labels (FNV-1a 64 over the labels sorted by name, as 16 hex digits); an alert with neither
// fingerprint nor labels is an error. groupKey is required, as is at least one alert.
//
// Every alert is bounded with Bound. A text anywhere in the body that is not valid UTF-8 is an
// error naming its field.
func ParseAlertmanager(body []byte) ([]Alert, error) {
	var m amMessage
	if err := decodeJSON(body, &m, false); err != nil {
		return nil, fmt.Errorf("parse alertmanager webhook: %w", err)
	}
	alerts, err := m.normalise()
	if err != nil {
		return nil, fmt.Errorf("parse alertmanager webhook: %w", err)
	}
	return alerts, nil
}

// normalise validates m and converts its alerts.
func (m *amMessage) normalise() ([]Alert, error) {
	source := SourceAlertmanager
	if m.grafana() {
		source = SourceGrafana
		if m.Version != GrafanaWebhookVersion {
			return nil, fmt.Errorf("version: unsupported Grafana webhook version %s, want %q", quote(m.Version), GrafanaWebhookVersion)
		}
	} else if m.Version != AlertmanagerWebhookVersion {
		return nil, fmt.Errorf("version: unsupported Alertmanager webhook version %s, want %q", quote(m.Version), AlertmanagerWebhookVersion)
	}
	if m.GroupKey == "" {
		return nil, errors.New("groupKey: required")
	}
	if !validStatus(m.Status) {
		return nil, statusError("status", m.Status)
	}
	if len(m.Alerts) == 0 {
		return nil, errors.New("alerts: at least one alert is required")
	}
	out := make([]Alert, 0, len(m.Alerts))
	for i, a := range m.Alerts {
		alert, err := a.normalise(source, m.GroupKey)
		if err != nil {
			return nil, fmt.Errorf("alerts[%d].%w", i, err)
		}
		out = append(out, alert)
	}
	return out, nil
}

// normalise validates a and converts it; its errors start with the field name so that the
// caller can prefix the alert's index.
func (a *amAlert) normalise(source, groupKey string) (Alert, error) {
	if !validStatus(a.Status) {
		return Alert{}, statusError("status", a.Status)
	}
	startsAt, err := parseTime("startsAt", a.StartsAt)
	if err != nil {
		return Alert{}, err
	}
	endsAt, err := parseTime("endsAt", a.EndsAt)
	if err != nil {
		return Alert{}, err
	}
	fingerprint := a.Fingerprint
	if fingerprint == "" {
		if len(a.Labels) == 0 {
			return Alert{}, errors.New("fingerprint: missing, and no labels to derive it from")
		}
		fingerprint = labelsFingerprint(a.Labels)
	}

	title := a.Annotations["summary"]
	if title == "" {
		title = a.Labels["alertname"]
	}
	if title == "" {
		title = fingerprint
	}

	annotations := make(map[string]string, len(a.Annotations)+1)
	for k, v := range a.Annotations {
		annotations[k] = v
	}
	if a.ValueString != nil && *a.ValueString != "" {
		if _, ok := annotations["value_string"]; !ok {
			annotations["value_string"] = *a.ValueString
		}
	}

	links := map[string]string{}
	addLink := func(name string, url *string) {
		if url != nil && *url != "" {
			links[name] = *url
		}
	}
	addLink("generator", &a.GeneratorURL)
	addLink("dashboard", a.DashboardURL)
	addLink("panel", a.PanelURL)
	addLink("silence", a.SilenceURL)
	addLink("image", a.ImageURL)
	if rb := a.Annotations["runbook_url"]; rb != "" {
		links["runbook"] = rb
	}

	labels := make(map[string]string, len(a.Labels))
	for k, v := range a.Labels {
		labels[k] = v
	}

	return Bound(Alert{
		Source:      source,
		Fingerprint: fingerprint,
		GroupKey:    groupKey,
		Status:      a.Status,
		Title:       title,
		Service:     a.Labels["service"],
		Labels:      nonEmpty(labels),
		Annotations: nonEmpty(annotations),
		Links:       nonEmpty(links),
		StartsAt:    startsAt,
		EndsAt:      endsAt,
	})
}
