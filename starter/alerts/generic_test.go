package alerts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseGeneric(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want Alert
	}{
		{
			name: "firing with impact",
			body: readFixture(t, "generic_firing.json"),
			want: Alert{
				Source:      SourceGeneric,
				Fingerprint: "checkout-latency-eu-west-1",
				GroupKey:    "checkout-latency-eu-west-1",
				Status:      Firing,
				Title:       "Checkout p99 latency above 2s",
				Service:     "checkout",
				Type:        "latency",
				Labels:      map[string]string{"region": "eu-west-1", "team": "payments"},
				Impact: map[string]any{
					"customers_affected":   "some",
					"performance_degraded": true,
					"workaround":           false,
					"support_cases":        float64(3),
					"started_at":           "2026-03-01T11:55:00Z",
				},
				Links:    map[string]string{"dashboard": "https://grafana.example.com/d/checkout-latency"},
				StartsAt: mustTime(t, "2026-03-01T12:00:00Z"),
			},
		},
		{
			name: "resolved, minimal",
			body: readFixture(t, "generic_resolved.json"),
			want: Alert{
				Source:      SourceGeneric,
				Fingerprint: "checkout-latency-eu-west-1",
				GroupKey:    "checkout-latency-eu-west-1",
				Status:      Resolved,
				Title:       "Checkout p99 latency above 2s",
				Service:     "checkout",
			},
		},
		{
			name: "status defaults to firing",
			body: []byte(`{"dedup_key": "k", "title": "disk full"}`),
			want: Alert{Source: SourceGeneric, Fingerprint: "k", GroupKey: "k", Status: Firing, Title: "disk full"},
		},
		{
			name: "null impact and 255-character key",
			body: []byte(`{"dedup_key": "` + strings.Repeat("é", 255) + `", "title": "t", "impact": null}`),
			want: Alert{Source: SourceGeneric, Fingerprint: strings.Repeat("é", 255), GroupKey: strings.Repeat("é", 255),
				Status: Firing, Title: "t"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGeneric(tt.body)
			require.NoError(t, err)
			require.Len(t, got, 1)
			checkInvariants(t, got)
			require.True(t, tt.want.StartsAt.Equal(got[0].StartsAt))
			got[0].StartsAt = tt.want.StartsAt
			require.Equal(t, tt.want, got[0])
		})
	}
}

func TestParseGenericErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{name: "unknown top-level field", body: readFixture(t, "bad_generic_unknown_field.json"),
			want: `parse generic alert: unknown field "severity"`},
		{name: "unknown impact key", body: readFixture(t, "bad_generic_unknown_impact_key.json"),
			want: "impact.revenue_lost: unknown impact key; allowed: core_degraded, customers_affected, data_loss"},
		{name: "missing dedup_key", body: readFixture(t, "bad_generic_missing_dedup_key.json"),
			want: "dedup_key: required"},
		{name: "blank dedup_key", body: []byte(`{"dedup_key": "  ", "title": "t"}`),
			want: "dedup_key: must not be blank"},
		{name: "dedup_key too long", body: []byte(`{"dedup_key": "` + strings.Repeat("k", 256) + `", "title": "t"}`),
			want: "dedup_key: must be at most 255 characters, got 256"},
		{name: "missing title", body: []byte(`{"dedup_key": "k"}`),
			want: "title: required"},
		{name: "bad status", body: []byte(`{"dedup_key": "k", "title": "t", "status": "paused"}`),
			want: `status: must be "firing" or "resolved", got "paused"`},
		{name: "empty status", body: []byte(`{"dedup_key": "k", "title": "t", "status": ""}`),
			want: `status: must be "firing" or "resolved", got ""`},
		{name: "bad starts_at", body: []byte(`{"dedup_key": "k", "title": "t", "starts_at": "noon"}`),
			want: `starts_at: invalid time "noon"`},
		{name: "impact not an object", body: []byte(`{"dedup_key": "k", "title": "t", "impact": [1]}`),
			want: "impact: must be an object, got [1]"},
		{name: "impact bool as string", body: []byte(`{"dedup_key": "k", "title": "t", "impact": {"data_loss": "yes"}}`),
			want: `impact.data_loss: must be true or false, got "yes"`},
		{name: "impact negative support cases", body: []byte(`{"dedup_key": "k", "title": "t", "impact": {"support_cases": -1}}`),
			want: "impact.support_cases: must be a non-negative integer, got -1"},
		{name: "impact fractional support cases", body: []byte(`{"dedup_key": "k", "title": "t", "impact": {"support_cases": 1.5}}`),
			want: "impact.support_cases: must be a non-negative integer, got 1.5"},
		{name: "impact bad scope", body: []byte(`{"dedup_key": "k", "title": "t", "impact": {"customers_affected": "many"}}`),
			want: `impact.customers_affected: must be "none", "some" or "all", got "many"`},
		{name: "impact bad started_at", body: []byte(`{"dedup_key": "k", "title": "t", "impact": {"started_at": 5}}`),
			want: "impact.started_at: must be an RFC 3339 time, got 5"},
		{name: "label not a string", body: []byte(`{"dedup_key": "k", "title": "t", "labels": {"a": 1}}`),
			want: "labels: cannot use JSON number as string"},
		{name: "batch envelope is not the format", body: []byte(`{"alerts": []}`),
			want: `unknown field "alerts"`},
		{name: "two objects", body: []byte(`{"dedup_key": "k", "title": "t"}{"dedup_key": "k", "title": "t"}`),
			want: "unexpected data after the top-level value"},
		{name: "syntax error", body: []byte(`{"dedup_key": "k" "title": "t"}`),
			want: "invalid JSON at byte 19"},
		{name: "empty body", body: nil, want: "empty body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGeneric(tt.body)
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, got)
		})
	}
}
