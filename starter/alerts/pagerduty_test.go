package alerts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testRoutingKey = "0123456789abcdef0123456789abcdef"

// readEvent returns testdata/pagerduty/name.
func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pagerduty", name))
	require.NoError(t, err)
	return b
}

func TestParsePagerDutySenders(t *testing.T) {
	cases := []struct {
		name  string
		file  string
		check func(t *testing.T, e PagerDutyEvent, a Alert)
	}{
		{"Alertmanager pagerduty_configs, firing", "alertmanager_trigger.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, EventTrigger, e.Action)
			require.Equal(t, Firing, a.Status)
			require.Equal(t, "[FIRING:2] CheckoutHighErrorRate checkout (critical)", a.Title)
			require.Equal(t, map[string]string{"severity": "critical", "source": "Alertmanager", "component": "checkout",
				"group": "checkout", "class": "HighErrorRate", "client": "Alertmanager"}, a.Labels)
			require.Equal(t, "2", a.Annotations["num_firing"])
			require.Equal(t, map[string]string{"Alertmanager": "http://alertmanager:9093/#/alerts?receiver=firebreak"}, a.Links)
		}},
		{"Alertmanager pagerduty_configs, resolved", "alertmanager_resolve.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, EventResolve, e.Action)
			require.Equal(t, Resolved, a.Status)
			require.Equal(t, "0d5c1b6b2f3c45e0c4a0d9d83a2a6e0e4b3a9f0f9f2c1d1e6b8a7c6d5e4f3a2b", a.Fingerprint)
		}},
		{"Grafana contact point", "grafana_trigger.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, "search", a.Labels["group"])
			require.Equal(t, "Grafana", a.Labels["component"])
			require.Equal(t, map[string]string{"External URL": "http://grafana.example.com/", "Grafana": "http://grafana.example.com/"}, a.Links)
		}},
		{"Sentry-like, nested custom details", "sentry_trigger.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, "error", a.Labels["severity"])
			require.Equal(t, time.Date(2026, 3, 1, 12, 0, 3, 512000000, time.UTC), a.StartsAt)
			require.Equal(t, `{"frames":[{"filename":"cart.ts","lineno":88,"function":"renderTotal"}]}`, a.Annotations["stacktrace"])
			require.Equal(t, "production", a.Annotations["environment"])
			require.Equal(t, "https://example.sentry.io/issues/4504187614/", a.Links["View Sentry Issue Details"])
		}},
		{"Datadog-like, offset without colon, images", "datadog_trigger.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), a.StartsAt)
			require.Equal(t, "metric alert", a.Labels["class"])
			require.Equal(t, "81234567", a.Annotations["monitor_id"])
			require.Equal(t, "null", a.Annotations["priority"])
			require.Equal(t, "https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_1/2026-03-01/abc.png", a.Links["Error rate graph"])
			require.Len(t, a.Links, 3)
		}},
		{"PagerDuty's own example", "pagerduty_example.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, "srv01/mysql", a.Fingerprint)
			require.Equal(t, "pagerduty/prometheus/srv01/mysql", a.GroupKey)
			require.Equal(t, "0.75", a.Annotations["load avg"])
			require.Equal(t, time.Date(2015, 7, 17, 8, 42, 58, 315000000, time.UTC), a.StartsAt)
		}},
		{"acknowledge without payload", "acknowledge.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, Acknowledged, a.Status)
			require.Empty(t, a.Title)
			require.Nil(t, a.Labels)
		}},
		{"resolve without payload", "resolve.json", func(t *testing.T, e PagerDutyEvent, a Alert) {
			require.Equal(t, Resolved, a.Status)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := ParsePagerDuty(readEvent(t, c.file))
			require.NoError(t, err)
			require.Equal(t, testRoutingKey, e.RoutingKey)
			a, err := e.Alert("prometheus", "")
			require.NoError(t, err)
			require.Equal(t, SourcePagerDuty, a.Source)
			require.Equal(t, "pagerduty/prometheus", a.Sender)
			require.Equal(t, "pagerduty/prometheus/"+e.DedupKey, a.GroupKey)
			require.Equal(t, e.DedupKey, a.Fingerprint)
			c.check(t, e, a)
		})
	}
}

func TestParsePagerDutyTriggerWithoutDedupKey(t *testing.T) {
	e, err := ParsePagerDuty(readEvent(t, "trigger_without_dedup_key.json"))
	require.NoError(t, err)
	require.Empty(t, e.DedupKey, "the receiver makes one up")
	_, err = e.Alert("prometheus", "")
	require.EqualError(t, err, "dedup_key: required to make an alert")
	e.DedupKey = "generated"
	a, err := e.Alert("prometheus", "checkout")
	require.NoError(t, err)
	require.Equal(t, "checkout", a.Service, "the routing key's service")
	require.Equal(t, "pagerduty/prometheus/generated", a.GroupKey)
}

func TestParsePagerDutyRejects(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	cases := []struct {
		name string
		body []byte
		want []string
	}{
		{"missing and invalid payload fields", readEvent(t, "bad_missing_payload_fields.json"), []string{
			"'payload.summary' is missing or blank",
			"'payload.source' is missing or blank",
			`'payload.severity' must be critical, error, warning or info, got "major"`,
		}},
		{"acknowledge without a dedup key", readEvent(t, "bad_acknowledge_without_dedup_key.json"), []string{
			"'dedup_key' is missing or blank: an acknowledge event names the alert it acts on by its dedup_key",
		}},
		{"unknown action", readEvent(t, "bad_event_action.json"), []string{
			`'event_action' must be trigger, acknowledge or resolve, got "snooze"`,
		}},
		{"wrong types everywhere", readEvent(t, "bad_types.json"), []string{
			"'routing_key' must be a string, got 12345",
			`'dedup_key' must be a string, got ["srv01"]`,
			`'payload.timestamp' must be an RFC 3339 time such as 2015-07-17T08:42:58.315Z, got "yesterday"`,
			`'links' must be an array, got {"href":"x"}`,
			"'images[0].src' is missing or blank",
		}},
		{"truncated JSON", readEvent(t, "bad_truncated.json"), []string{"invalid JSON at byte 102: invalid character '\\n' in string literal"}},
		{"an Events API v1 event", readEvent(t, "bad_v1_event.json"), []string{
			"'routing_key' is missing or blank", "'event_action' is missing or blank",
		}},
		{"empty body", []byte("  \n"), []string{"the body is empty: send one JSON object"}},
		{"an array", []byte(`[{"routing_key":"k"}]`), []string{"the body must be one JSON object"}},
		{"two objects", []byte(`{"routing_key":"k","event_action":"resolve","dedup_key":"d"} {}`), []string{"invalid JSON: unexpected data after the event at byte 62"}},
		{"trigger without payload", []byte(`{"routing_key":"k","event_action":"trigger"}`), []string{"'payload' is missing: a trigger event needs one"}},
		{"payload not an object", []byte(`{"routing_key":"k","event_action":"trigger","payload":"disk full"}`), []string{`'payload' must be an object, got "disk full"`}},
		{"summary too long", []byte(fmt.Sprintf(`{"routing_key":"k","event_action":"trigger","payload":{"summary":%q,"source":"s","severity":"info"}}`, long(1025))),
			[]string{"'payload.summary' must be at most 1024 characters, got 1025"}},
		{"dedup key too long", []byte(fmt.Sprintf(`{"routing_key":"k","event_action":"resolve","dedup_key":%q}`, long(256))),
			[]string{"'dedup_key' must be at most 255 characters, got 256"}},
		{"invalid UTF-8", []byte("{\"routing_key\":\"k\",\"event_action\":\"trigger\",\"dedup_key\":\"a\xffb\",\"payload\":{\"summary\":\"s\",\"source\":\"s\",\"severity\":\"info\"}}"),
			[]string{"dedup_key: not valid UTF-8 (byte 58)"}},
		{"a lone surrogate", []byte(`{"routing_key":"k","event_action":"resolve","dedup_key":"a\ud800"}`), []string{"dedup_key: not valid UTF-8 (byte 58)"}},
		{"problems are bounded", []byte(`{"routing_key":"k","event_action":"resolve","dedup_key":"d","images":[` +
			strings.TrimSuffix(strings.Repeat(`{"alt":"x"},`, 25), ",") + `]}`),
			boundedImageProblems()},
		{"control characters are quoted, not shown", []byte("{\"routing_key\":\"k\",\"event_action\":\"\\u001b[2Jack\",\"dedup_key\":\"d\"}"),
			[]string{`'event_action' must be trigger, acknowledge or resolve, got "\x1b[2Jack"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePagerDuty(c.body)
			var invalid *InvalidEventError
			require.True(t, errors.As(err, &invalid), "got %v", err)
			require.Equal(t, c.want, invalid.Problems)
		})
	}
}

// boundedImageProblems is what 25 images without a src give: 20 problems and a count.
func boundedImageProblems() []string {
	var out []string
	for i := range 20 {
		out = append(out, fmt.Sprintf("'images[%d].src' is missing or blank", i))
	}
	return append(out, "and 5 more problems")
}

func TestParsePagerDutyAcceptsWhatPagerDutyAccepts(t *testing.T) {
	cases := []struct {
		name, body string
		check      func(t *testing.T, e PagerDutyEvent)
	}{
		{"severity in any case", `{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"s","severity":"Critical"}}`,
			func(t *testing.T, e PagerDutyEvent) { require.Equal(t, "critical", e.Severity) }},
		{"unknown fields are ignored", `{"routing_key":"k","event_action":"resolve","dedup_key":"d","payload":{"summary":"s","extra":1},"service_key":"old"}`,
			func(t *testing.T, e PagerDutyEvent) { require.Equal(t, "d", e.DedupKey) }},
		{"a blank dedup key on a trigger is none", `{"routing_key":"k","event_action":"trigger","dedup_key":" ","payload":{"summary":"s","source":"s","severity":"info"}}`,
			func(t *testing.T, e PagerDutyEvent) { require.Empty(t, e.DedupKey) }},
		{"null optional fields", `{"routing_key":"k","event_action":"trigger","dedup_key":null,"links":null,"payload":{"summary":"s","source":"s","severity":"info","component":null,"custom_details":null}}`,
			func(t *testing.T, e PagerDutyEvent) { require.Nil(t, e.CustomDetails) }},
		{"custom details that are not an object", `{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"s","severity":"info","custom_details":"free text"}}`,
			func(t *testing.T, e PagerDutyEvent) {
				require.Equal(t, map[string]string{"custom_details": "free text"}, e.CustomDetails)
			}},
		{"255 characters of dedup key", fmt.Sprintf(`{"routing_key":"k","event_action":"resolve","dedup_key":%q}`, strings.Repeat("界", 255)),
			func(t *testing.T, e PagerDutyEvent) { require.Len(t, []rune(e.DedupKey), 255) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := ParsePagerDuty([]byte(c.body))
			require.NoError(t, err)
			c.check(t, e)
		})
	}
}

func TestPagerDutyAlertIsBounded(t *testing.T) {
	details := make([]string, 0, 200)
	for i := range 200 {
		details = append(details, fmt.Sprintf("%q:%q", fmt.Sprintf("detail-%03d", i), strings.Repeat("v", 10_000)))
	}
	links := strings.TrimSuffix(strings.Repeat(`{"href":"https://example.com/x","text":"same"},`, 40), ",")
	body := fmt.Sprintf(`{"routing_key":"k","event_action":"trigger","dedup_key":"d","links":[%s],"payload":{"summary":"s","source":%q,"severity":"info","custom_details":{%s}}}`,
		links, strings.Repeat("h", 5000), strings.Join(details, ","))
	e, err := ParsePagerDuty([]byte(body))
	require.NoError(t, err)
	a, err := e.Alert("prometheus", "")
	require.NoError(t, err)
	require.Len(t, a.Annotations, MaxAnnotations)
	require.LessOrEqual(t, len(a.Links), MaxLinks)
	require.LessOrEqual(t, len(a.Labels["source"]), MaxLabelValueBytes)
	require.True(t, strings.HasSuffix(a.Labels["source"], TruncatedMarker))
	require.Contains(t, a.Labels[TruncatedLabel], "136 annotations")
}
