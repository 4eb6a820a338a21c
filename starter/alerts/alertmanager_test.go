package alerts

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAlertmanager(t *testing.T) {
	const amGroupKey = `{}/{severity="page"}:{alertname="CheckoutHighErrorRate"}`
	const generator = "http://prometheus.example.com:9090/graph?g0.expr=job%3Acheckout_errors%3Aratio5m+%3E+0.05&g0.tab=1"
	checkoutLabels := map[string]string{
		"alertname": "CheckoutHighErrorRate",
		"instance":  "checkout-7d9f8b6c5-x2k4p:8080",
		"job":       "checkout",
		"service":   "checkout",
		"severity":  "page",
	}
	checkoutAnnotations := map[string]string{
		"description": "5xx ratio is 7.3% over the last 5 minutes.",
		"runbook_url": "https://runbooks.example.com/checkout/high-error-rate",
		"summary":     "Checkout is failing 7.3% of requests",
	}
	checkoutLinks := map[string]string{
		"generator": generator,
		"runbook":   "https://runbooks.example.com/checkout/high-error-rate",
	}

	tests := []struct {
		name    string
		fixture string
		count   int
		first   Alert
	}{
		{
			name:    "alertmanager firing",
			fixture: "alertmanager_v4_firing.json",
			count:   2,
			first: Alert{
				Source:      SourceAlertmanager,
				Fingerprint: "3c4f2b1a9e8d7c6b",
				GroupKey:    amGroupKey,
				Status:      Firing,
				Title:       "Checkout is failing 7.3% of requests",
				Service:     "checkout",
				Labels:      checkoutLabels,
				Annotations: checkoutAnnotations,
				Links:       checkoutLinks,
				StartsAt:    mustTime(t, "2026-03-01T11:58:30.123Z"),
			},
		},
		{
			name:    "alertmanager resolved",
			fixture: "alertmanager_v4_resolved.json",
			count:   1,
			first: Alert{
				Source:      SourceAlertmanager,
				Fingerprint: "3c4f2b1a9e8d7c6b",
				GroupKey:    amGroupKey,
				Status:      Resolved,
				Title:       "Checkout is failing 7.3% of requests",
				Service:     "checkout",
				Labels:      checkoutLabels,
				Annotations: checkoutAnnotations,
				Links:       checkoutLinks,
				StartsAt:    mustTime(t, "2026-03-01T11:58:30.123Z"),
				EndsAt:      mustTime(t, "2026-03-01T12:14:30.123Z"),
			},
		},
		{
			name:    "grafana firing",
			fixture: "grafana_firing.json",
			count:   2,
			first: Alert{
				Source:      SourceGrafana,
				Fingerprint: "c6eadffa33fcdf37",
				GroupKey:    `{}/{team="payments"}:{alertname="High memory usage", grafana_folder="Payments"}`,
				Status:      Firing,
				Title:       "payments-api memory above 90%",
				Service:     "payments-api",
				Labels: map[string]string{
					"alertname":      "High memory usage",
					"grafana_folder": "Payments",
					"service":        "payments-api",
					"team":           "payments",
					"zone":           "eu-west-1",
				},
				Annotations: map[string]string{
					"description":  "payments-api is using 92% of its memory limit",
					"runbook_url":  "https://runbooks.example.com/payments/memory",
					"summary":      "payments-api memory above 90%",
					"value_string": "[ var='B' labels={service=payments-api} value=92.37 ], [ var='C' labels={service=payments-api} value=1 ]",
				},
				Links: map[string]string{
					"generator": "https://grafana.example.com/alerting/grafana/be3k9x0q2vf28a/view?orgId=1",
					"dashboard": "https://grafana.example.com/d/payments-overview?orgId=1",
					"panel":     "https://grafana.example.com/d/payments-overview?orgId=1&viewPanel=4",
					"silence":   "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+memory+usage&matcher=team%3Dpayments&orgId=1",
					"runbook":   "https://runbooks.example.com/payments/memory",
				},
				StartsAt: mustTime(t, "2026-03-01T12:51:03.157076+01:00"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAlertmanager(readFixture(t, tt.fixture))
			require.NoError(t, err)
			require.Len(t, got, tt.count)
			checkInvariants(t, got)
			require.True(t, tt.first.StartsAt.Equal(got[0].StartsAt))
			require.True(t, tt.first.EndsAt.Equal(got[0].EndsAt))
			got[0].StartsAt, got[0].EndsAt = tt.first.StartsAt, tt.first.EndsAt
			require.Equal(t, tt.first, got[0])
		})
	}
}

func TestParseAlertmanagerSecondAlert(t *testing.T) {
	got, err := ParseAlertmanager(readFixture(t, "grafana_firing.json"))
	require.NoError(t, err)
	// No summary: the title falls back to alertname; empty Grafana URLs are not linked.
	require.Equal(t, "High CPU usage", got[1].Title)
	require.Empty(t, got[1].Service)
	require.Equal(t, []string{"generator", "silence"}, sortedKeys(got[1].Links))
}

func TestParseAlertmanagerDerivedFingerprint(t *testing.T) {
	body := amBody(t, func(m map[string]any) {
		alert := m["alerts"].([]any)[0].(map[string]any)
		delete(alert, "fingerprint")
		alert["labels"] = map[string]any{"name": "garland, briggs", "fear": "love is not enough"}
		delete(alert, "annotations")
	})
	got, err := ParseAlertmanager(body)
	require.NoError(t, err)
	require.Equal(t, "507a62d79ee76c9a", got[0].Fingerprint)
	require.Equal(t, "507a62d79ee76c9a", got[0].Title)
}

func TestParseAlertmanagerErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{name: "version 3", body: readFixture(t, "bad_alertmanager_version_3.json"),
			want: `version: unsupported Alertmanager webhook version "3"`},
		{name: "third alert paused", body: readFixture(t, "bad_alertmanager_status_paused.json"),
			want: `alerts[2].status: must be "firing" or "resolved", got "paused"`},
		{name: "truncated JSON", body: readFixture(t, "bad_alertmanager_truncated.json"),
			want: "invalid JSON: unexpected end of input"},
		{name: "syntax error", body: []byte(`{"version": "4", "alerts": [}`),
			want: "invalid JSON at byte 29"},
		{name: "not an object", body: []byte(`[1, 2]`),
			want: "cannot use JSON array"},
		{name: "grafana with alertmanager version", body: amBody(t, func(m map[string]any) { m["orgId"] = 1 }),
			want: `version: unsupported Grafana webhook version "4"`},
		{name: "missing version", body: amBody(t, func(m map[string]any) { delete(m, "version") }),
			want: `version: unsupported Alertmanager webhook version ""`},
		{name: "missing group key", body: amBody(t, func(m map[string]any) { delete(m, "groupKey") }),
			want: "groupKey: required"},
		{name: "bad group status", body: amBody(t, func(m map[string]any) { m["status"] = "pending" }),
			want: `status: must be "firing" or "resolved", got "pending"`},
		{name: "no alerts", body: amBody(t, func(m map[string]any) { m["alerts"] = []any{} }),
			want: "alerts: at least one alert is required"},
		{name: "bad startsAt", body: amBody(t, func(m map[string]any) {
			m["alerts"].([]any)[1].(map[string]any)["startsAt"] = "yesterday"
		}), want: `alerts[1].startsAt: invalid time "yesterday"`},
		{name: "label not a string", body: amBody(t, func(m map[string]any) {
			m["alerts"].([]any)[0].(map[string]any)["labels"] = map[string]any{"x": 1}
		}), want: "alerts.labels: cannot use JSON number as string"},
		{name: "no fingerprint and no labels", body: amBody(t, func(m map[string]any) {
			a := m["alerts"].([]any)[0].(map[string]any)
			delete(a, "fingerprint")
			delete(a, "labels")
		}), want: "alerts[0].fingerprint: missing, and no labels to derive it from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAlertmanager(tt.body)
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, got)
		})
	}
}

func TestParseAlertmanagerToleratesExtraFields(t *testing.T) {
	body := amBody(t, func(m map[string]any) {
		m["someFutureField"] = map[string]any{"x": 1}
		m["alerts"].([]any)[0].(map[string]any)["extra"] = true
	})
	got, err := ParseAlertmanager(body)
	require.NoError(t, err)
	require.Equal(t, SourceAlertmanager, got[0].Source)
}

// amBody returns the Alertmanager firing fixture changed by edit.
func amBody(t *testing.T, edit func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(readFixture(t, "alertmanager_v4_firing.json"), &m))
	edit(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
