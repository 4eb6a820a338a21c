package e2e_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/workflows"
)

// The routing keys of the PagerDuty integration in these tests.
const (
	prometheusRoutingKey = "0123456789abcdef0123456789abcdef"
	grafanaRoutingKey    = "fedcba9876543210fedcba9876543210"
)

// pagerDutyConfig is alertConfig with the pagerduty integration: routing keys prometheus and
// grafana, read from the environment, and the Events API's own body limit.
func pagerDutyConfig(t *testing.T) *config.Config {
	t.Setenv("FIREBREAK_TEST_PD_PROMETHEUS", prometheusRoutingKey)
	t.Setenv("FIREBREAK_TEST_PD_GRAFANA", grafanaRoutingKey)
	cfg := alertConfig(t)
	cfg.Alerts.MaxBodyBytes = config.DefaultMaxBodyBytes
	cfg.Alerts.Integrations[config.IntegrationPagerDuty] = config.Integration{RoutingKeys: []config.RoutingKey{
		{Name: "prometheus", KeyEnv: "FIREBREAK_TEST_PD_PROMETHEUS"},
		{Name: "grafana", KeyEnv: "FIREBREAK_TEST_PD_GRAFANA"},
	}}
	return cfg
}

// pdEvent is an Events API v2 event for the search service; an empty dedupKey is left out.
func pdEvent(routingKey, action, dedupKey string) []byte {
	dedup := ""
	if dedupKey != "" {
		dedup = fmt.Sprintf(`"dedup_key":%q,`, dedupKey)
	}
	return fmt.Appendf(nil, `{"routing_key":%q,"event_action":%q,%s"payload":{"summary":"Search p99 above 2s","source":"search-7f9c","severity":"critical","group":"search","class":"latency"},"client":"Prometheus","client_url":"http://prometheus.example.com"}`,
		routingKey, action, dedup)
}

// enqueue posts to /v2/enqueue with PagerDuty's headers and returns the status and answer.
func (fb *firebreak) enqueue(body []byte) (int, map[string]any) {
	fb.t.Helper()
	return fb.post("/v2/enqueue", http.Header{"Content-Type": {"application/json"}}, body)
}

func TestPagerDutyEventsDriveAnIncidentsLifecycle(t *testing.T) {
	fb := startFirebreak(t, options{config: pagerDutyConfig(t)})
	key := ingest.GroupKey("pagerduty/prometheus/search-latency")
	accepted := map[string]any{"status": "success", "message": "Event processed", "dedup_key": "search-latency"}

	// A trigger opens an incident, paged and titled from the payload.
	status, answer := fb.enqueue(pdEvent(prometheusRoutingKey, "trigger", "search-latency"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Equal(t, accepted, answer)
	var s workflows.State
	require.Eventually(t, func() bool { s = fb.state(key); return len(s.Responders) > 0 }, waitFor, 100*time.Millisecond)
	require.Equal(t, "pagerduty", s.Source)
	require.Equal(t, "search", s.Service)
	require.Equal(t, "latency", s.Type)
	require.Equal(t, "Search p99 above 2s", s.Title)
	require.Equal(t, "triggered", string(s.Status))

	// The same key again is the same incident.
	status, answer = fb.enqueue(pdEvent(prometheusRoutingKey, "trigger", "search-latency"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Eventually(t, func() bool { s = fb.state(key); return s.AlertCount == 2 }, waitFor, 100*time.Millisecond)
	require.Equal(t, 1, fb.incidentRuns(key))

	// The same key from another routing key is another incident.
	other := ingest.GroupKey("pagerduty/grafana/search-latency")
	status, answer = fb.enqueue(pdEvent(grafanaRoutingKey, "trigger", "search-latency"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Eventually(t, func() bool { return fb.incidentRuns(other) == 1 }, waitFor, 100*time.Millisecond)
	require.Equal(t, 2, fb.state(key).AlertCount, "the first incident saw nothing of it")

	// Acknowledge acknowledges the incident, as the routing key's sender.
	status, answer = fb.enqueue(pdEvent(prometheusRoutingKey, "acknowledge", "search-latency"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Equal(t, accepted, answer)
	require.Eventually(t, func() bool { s = fb.state(key); return s.Status == "acknowledged" }, waitFor, 100*time.Millisecond)
	require.Equal(t, "pagerduty/prometheus", s.AcknowledgedBy)
	require.NotNil(t, s.ConfirmedAt)
	out, errOut, code := fb.run("incident", "ack", key, "--as", "tom")
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, "already acknowledged by pagerduty/prometheus")

	// Resolve resolves it.
	status, answer = fb.enqueue(pdEvent(prometheusRoutingKey, "resolve", "search-latency"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Eventually(t, func() bool { s = fb.state(key); return s.Status == "resolved" }, waitFor, 100*time.Millisecond)
	require.Equal(t, "every alert resolved: pagerduty/prometheus sent the resolve event", s.Resolution)
	first := fb.runs(key)
	require.Len(t, first, 1)

	// A trigger after the resolution opens a new incident, which follows the resolved one.
	status, answer = fb.enqueue(pdEvent(prometheusRoutingKey, "trigger", "search-latency"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Eventually(t, func() bool { return fb.incidentRuns(key) == 2 }, waitFor, 100*time.Millisecond)
	require.Eventually(t, func() bool { s = fb.state(key); return len(s.Responders) > 0 }, waitFor, 100*time.Millisecond)
	require.Equal(t, "triggered", string(s.Status))
	require.Equal(t, 1, s.AlertCount)
	require.Contains(t, s.Reopens, first[0])
	fb.recordRunHistory(key, first[0], "epoch-pagerduty")
}

func TestPagerDutyTriggerWithoutKeyGetsOne(t *testing.T) {
	fb := startFirebreak(t, options{config: pagerDutyConfig(t)})
	status, answer := fb.enqueue(pdEvent(prometheusRoutingKey, "trigger", ""))
	require.Equal(t, http.StatusAccepted, status, answer)
	dedupKey, _ := answer["dedup_key"].(string)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), dedupKey)
	key := ingest.GroupKey("pagerduty/prometheus/" + dedupKey)
	require.Eventually(t, func() bool { return len(fb.state(key).Responders) > 0 }, waitFor, 100*time.Millisecond)

	// The key it was given resolves it.
	status, answer = fb.enqueue(pdEvent(prometheusRoutingKey, "resolve", dedupKey))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Eventually(t, func() bool { return fb.state(key).Status == "resolved" }, waitFor, 100*time.Millisecond)

	// An acknowledgement of a key nobody triggered is answered as PagerDuty answers it, and opens nothing.
	status, answer = fb.enqueue(pdEvent(prometheusRoutingKey, "acknowledge", "never-triggered"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Equal(t, 0, fb.incidentRuns(ingest.GroupKey("pagerduty/prometheus/never-triggered")))
}

func TestPagerDutyRefusesBadEvents(t *testing.T) {
	fb := startFirebreak(t, options{config: pagerDutyConfig(t)})
	oversized := fmt.Appendf(nil, `{"routing_key":%q,"event_action":"trigger","payload":{"summary":"s","source":"s","severity":"info","custom_details":{"log":%q}}}`,
		prometheusRoutingKey, strings.Repeat("x", 600<<10))
	cases := []struct {
		name   string
		body   []byte
		status int
		errors []any
	}{
		{"missing payload fields", fmt.Appendf(nil, `{"routing_key":%q,"event_action":"trigger","payload":{"severity":"fatal"}}`, prometheusRoutingKey),
			http.StatusBadRequest, []any{
				"'payload.summary' is missing or blank", "'payload.source' is missing or blank",
				`'payload.severity' must be critical, error, warning or info, got "fatal"`,
			}},
		{"resolve without a dedup key", fmt.Appendf(nil, `{"routing_key":%q,"event_action":"resolve"}`, prometheusRoutingKey),
			http.StatusBadRequest, []any{"'dedup_key' is missing or blank: a resolve event names the alert it acts on by its dedup_key"}},
		{"not JSON", []byte("routing_key=x"), http.StatusBadRequest, []any{"the body must be one JSON object"}},
		{"an unknown routing key", pdEvent("ffffffffffffffffffffffffffffffff", "trigger", "x"), http.StatusBadRequest,
			[]any{"'routing_key' is not a routing key of this Firebreak (alerts.integrations.pagerduty.routing_keys)"}},
		{"over 512 KiB", oversized, http.StatusRequestEntityTooLarge, []any{"the body is larger than 524288 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, answer := fb.enqueue(c.body)
			require.Equal(t, c.status, status, answer)
			require.Equal(t, "invalid event", answer["status"])
			require.Equal(t, c.errors, answer["errors"])
		})
	}
}
