package policies_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
)

// routingSettings is the settings part of the routing input as the ingestion code sends it.
func routingSettings() map[string]any {
	return map[string]any{
		"service_labels":            []string{"service", "job"},
		"type_labels":               []string{"incident_type"},
		"impact_prefix":             "impact_",
		"false_alarm_grace_seconds": 300,
		"reopen_window_seconds":     1800,
	}
}

var configuredServices = []string{"checkout", "search", "reports"}

// cloudWatchAlert is an alert as the SNS ingestion normalises a CloudWatch alarm: no service
// or type, the alarm ARN as fingerprint and group key, and the alarm's fields as labels.
func cloudWatchAlert(status string, dimensions map[string]string) map[string]any {
	const arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx"
	labels := map[string]string{
		"alarm_name":  "checkout-5xx",
		"account_id":  "123456789012",
		"region":      "eu-west-1",
		"namespace":   "AWS/ApplicationELB",
		"metric_name": "HTTPCode_Target_5XX_Count",
	}
	for name, value := range dimensions {
		labels["dimension_"+name] = value
	}
	return map[string]any{
		"source":      "sns",
		"fingerprint": arn,
		"group_key":   arn,
		"status":      status,
		"title":       "checkout-5xx",
		"labels":      labels,
		"annotations": map[string]string{
			"description":  "5xx responses from the checkout load balancer",
			"state_reason": "Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0).",
			"new_state":    "ALARM",
		},
	}
}

const (
	falseAlarmReason = "when every alert resolves before anyone acknowledges, the incident closes as a false alarm after 300 seconds"
	reopenReason     = "a firing alert within 1800 seconds of resolution starts a new incident linked to the resolved one"
	unknownImpact    = "no severity label or customers_affected: customers_affected left unknown, so the severity policy fails safe to sev1"
	cloudWatchGroup  = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx"
)

func TestDecideRouting(t *testing.T) {
	e := newEvaluator(t)
	tests := []struct {
		name  string
		input any
		want  policies.RoutingDecision
	}{
		{
			name: "alertmanager alert",
			input: map[string]any{
				"alert": map[string]any{
					"source":      "alertmanager",
					"fingerprint": "8a9f2c4d1e7b3a60",
					"group_key":   `{}/{severity="critical"}:{alertname="HighErrorRate"}`,
					"status":      "firing",
					"title":       "Checkout error rate above 5%",
					"service":     "checkout",
					"labels": map[string]string{
						"alertname":            "HighErrorRate",
						"service":              "checkout",
						"severity":             "critical",
						"impact_support_cases": "12",
					},
					"annotations": map[string]string{
						"summary":     "Checkout error rate above 5%",
						"runbook_url": "https://runbooks.example.com/checkout",
					},
				},
				"settings": routingSettings(),
				"services": configuredServices,
			},
			want: policies.RoutingDecision{
				Open:                   true,
				Group:                  `{}/{severity="critical"}:{alertname="HighErrorRate"}`,
				Service:                "checkout",
				Type:                   "outage",
				Title:                  "Checkout error rate above 5%",
				Impact:                 incident.Impact{CustomersAffected: "some", CoreDegraded: new(true), SupportCases: new(12)},
				CloseFalseAlarms:       true,
				FalseAlarmGraceSeconds: 300,
				ReopenWindowSeconds:    1800,
				Reasons: []string{
					"firing alert: may open an incident",
					"grouped by the alert's group key",
					"service checkout from the alert",
					`no type on the alert or in labels ["incident_type"]: type outage`,
					"title from the alert",
					"impact support_cases 12 from label impact_support_cases",
					`label severity "critical": assuming core_degraded true, customers_affected "some"`,
					falseAlarmReason,
					reopenReason,
				},
			},
		},
		{
			name: "cloudwatch alarm without a service",
			input: map[string]any{
				"alert":    cloudWatchAlert("firing", map[string]string{"LoadBalancer": "app/checkout/50dc6c495c0c9188"}),
				"settings": routingSettings(),
				"services": configuredServices,
			},
			want: policies.RoutingDecision{
				Open:                   true,
				Group:                  cloudWatchGroup,
				Service:                "unknown",
				Type:                   "outage",
				Title:                  "checkout-5xx",
				Impact:                 incident.Impact{},
				CloseFalseAlarms:       true,
				FalseAlarmGraceSeconds: 300,
				ReopenWindowSeconds:    1800,
				Reasons: []string{
					"firing alert: may open an incident",
					"grouped by the alert's group key",
					`no service on the alert or in labels ["service","job"]: service unknown`,
					"service unknown is not configured: the fallback team is engaged",
					`no type on the alert or in labels ["incident_type"]: type outage`,
					"title from the alert",
					unknownImpact,
					falseAlarmReason,
					reopenReason,
				},
			},
		},
		{
			name: "generic alert with impact",
			input: map[string]any{
				"alert": map[string]any{
					"source":      "generic",
					"fingerprint": "reports-db-disk",
					"group_key":   "reports-db-disk",
					"status":      "firing",
					"title":       "Reports database lost writes",
					"service":     "reports",
					"type":        "data",
					"labels":      map[string]string{"severity": "critical", "team": "analytics"},
					"impact": map[string]any{
						"customers_affected": "none",
						"data_loss":          true,
						"support_cases":      2,
						"started_at":         "2026-03-01T10:00:00Z",
					},
				},
				"settings": routingSettings(),
				"services": configuredServices,
			},
			want: policies.RoutingDecision{
				Open:    true,
				Group:   "reports-db-disk",
				Service: "reports",
				Type:    "data",
				Title:   "Reports database lost writes",
				Impact: incident.Impact{
					CustomersAffected: "none",
					DataLoss:          new(true),
					SupportCases:      new(2),
					StartedAt:         new(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
				},
				CloseFalseAlarms:       true,
				FalseAlarmGraceSeconds: 300,
				ReopenWindowSeconds:    1800,
				Reasons: []string{
					"firing alert: may open an incident",
					"grouped by the alert's group key",
					"service reports from the alert",
					"type data from the alert",
					"title from the alert",
					"impact customers_affected, data_loss, started_at, support_cases from the alert",
					"customers_affected given: nothing derived from the severity label",
					falseAlarmReason,
					reopenReason,
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policies.RoutingDecision
			require.NoError(t, e.Decide(t.Context(), policies.Routing, tt.input, &got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecideRoutingVariants(t *testing.T) {
	e := newEvaluator(t)
	withServiceDimension := routingSettings()
	withServiceDimension["service_labels"] = []string{"service", "job", "dimension_Service"}
	tests := []struct {
		name                 string
		input                any
		open                 bool
		group, service, kind string
		reason               string
	}{
		{
			name: "cloudwatch alarm with a service dimension",
			input: map[string]any{
				"alert":    cloudWatchAlert("firing", map[string]string{"Service": "search"}),
				"settings": withServiceDimension,
				"services": configuredServices,
			},
			open: true, group: cloudWatchGroup, service: "search", kind: "outage",
			reason: "service search from label dimension_Service",
		},
		{
			name: "resolved cloudwatch alarm",
			input: map[string]any{
				"alert":    cloudWatchAlert("resolved", nil),
				"settings": routingSettings(),
				"services": configuredServices,
			},
			open: false, group: cloudWatchGroup, service: "unknown", kind: "outage",
			reason: "resolved alerts only update an incident",
		},
		{
			name: "informational alert",
			input: map[string]any{
				"alert": map[string]any{
					"source": "grafana", "status": "firing",
					"labels": map[string]string{"alertname": "BackupDone", "job": "reports", "severity": "info"},
				},
			},
			open: false, group: "grafana/reports/BackupDone", service: "reports", kind: "outage",
			reason: `label severity "info": informational alerts do not open an incident`,
		},
		{
			name:  "empty input",
			input: map[string]any{},
			open:  true, group: "unknown/unknown/Alert from unknown", service: "unknown", kind: "outage",
			reason: "alert missing or not an object: routing it with defaults",
		},
		{
			name:  "nil input",
			input: nil,
			open:  true, group: "unknown/unknown/Alert from unknown", service: "unknown", kind: "outage",
			reason: "alert missing or not an object: routing it with defaults",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policies.RoutingDecision
			require.NoError(t, e.Decide(t.Context(), policies.Routing, tt.input, &got))
			require.Equal(t, tt.open, got.Open)
			require.Equal(t, tt.group, got.Group)
			require.Equal(t, tt.service, got.Service)
			require.Equal(t, tt.kind, got.Type)
			require.Contains(t, got.Reasons, tt.reason)
			require.True(t, got.CloseFalseAlarms)
		})
	}
}

// TestRoutingImpactFeedsSeverity checks that the impact routing derives classifies as expected.
func TestRoutingImpactFeedsSeverity(t *testing.T) {
	e := newEvaluator(t)
	tests := []struct {
		severityLabel string
		want          incident.Severity
	}{
		{severityLabel: "critical", want: "sev2"},
		{severityLabel: "warning", want: "sev3"},
		{severityLabel: "", want: "sev1"},
	}
	for _, tt := range tests {
		t.Run("severity label "+tt.severityLabel, func(t *testing.T) {
			labels := map[string]string{"alertname": "HighErrorRate", "service": "checkout"}
			if tt.severityLabel != "" {
				labels["severity"] = tt.severityLabel
			}
			input := map[string]any{
				"alert":    map[string]any{"source": "alertmanager", "status": "firing", "labels": labels},
				"settings": routingSettings(),
				"services": configuredServices,
			}
			var routed policies.RoutingDecision
			require.NoError(t, e.Decide(t.Context(), policies.Routing, input, &routed))

			var got policies.SeverityDecision
			require.NoError(t, e.Decide(t.Context(), policies.Severity, map[string]any{"impact": routed.Impact}, &got))
			require.Equal(t, tt.want, got.Severity)
		})
	}
}
