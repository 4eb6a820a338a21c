package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/workflows"
)

// The routing keys of the test configuration.
const (
	prometheusKey = "0123456789abcdef0123456789abcdef" // the one the fixtures carry
	grafanaKey    = "fedcba9876543210fedcba9876543210"
)

// pagerDutyConfig is the test organisation with two routing keys: prometheus, from the
// environment, and grafana, whose events open incidents of the search service.
func pagerDutyConfig(t *testing.T, perMinute int) *config.Config {
	t.Setenv("FIREBREAK_TEST_PD_KEY", prometheusKey)
	t.Setenv("FIREBREAK_TEST_PD_SHORT", "short")
	cfg := configtest.Organisation()
	cfg.Alerts.Integrations = map[string]config.Integration{
		config.IntegrationPagerDuty: {RoutingKeys: []config.RoutingKey{
			{Name: "prometheus", KeyEnv: "FIREBREAK_TEST_PD_KEY", EventsPerMinute: perMinute},
			{Name: "grafana", Key: grafanaKey, Service: "search"},
			{Name: "short", KeyEnv: "FIREBREAK_TEST_PD_SHORT"},
			{Name: "unset", KeyEnv: "FIREBREAK_TEST_PD_UNSET"},
		}},
	}
	return cfg
}

// pdHandler is the ingestion handler over a mocked Temporal client, with the built-in policies
// and a clock the test moves.
type pdHandler struct {
	*Handler
	temporal *mocks.Client
	mu       sync.Mutex
	now      time.Time
}

func newPDHandler(t *testing.T, perMinute int) *pdHandler {
	t.Helper()
	evaluator, err := policies.Load(context.Background(), "")
	require.NoError(t, err)
	cfg := pagerDutyConfig(t, perMinute)
	p := &pdHandler{temporal: &mocks.Client{}, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	p.Handler = NewHandler(Options{
		Config: cfg, Router: &Router{Policies: evaluator, Config: cfg}, Submitter: &Submitter{Temporal: p.temporal},
		Timeout: 2 * time.Second, Now: func() time.Time { p.mu.Lock(); defer p.mu.Unlock(); return p.now },
	})
	return p
}

func (p *pdHandler) advance(d time.Duration) { p.mu.Lock(); p.now = p.now.Add(d); p.mu.Unlock() }

// enqueue posts an event and returns the status, the Retry-After header and the answer.
func (p *pdHandler) enqueue(t *testing.T, body []byte) (int, string, PagerDutyAnswer) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v2/enqueue", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	p.ServeHTTP(rec, req)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var answer PagerDutyAnswer
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer), rec.Body.String())
	return rec.Code, rec.Header().Get("Retry-After"), answer
}

func pdFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "alerts", "testdata", "pagerduty", name))
	require.NoError(t, err)
	return b
}

func event(key, action, dedup string) []byte {
	return fmt.Appendf(nil, `{"routing_key":%q,"event_action":%q,"dedup_key":%q,"payload":{"summary":"Disk full on db01","source":"db01","severity":"critical","group":"checkout"}}`,
		key, action, dedup)
}

// expectStart expects one start of the incident of group and returns what it got.
func (p *pdHandler) expectStart(group string) *workflows.IncidentInput {
	var got workflows.IncidentInput
	onStart(p.temporal, workflows.WorkflowID(GroupKey(group))).
		Run(func(args mock.Arguments) { got = startedInput(args) }).Return(nil, nil).Once()
	return &got
}

func TestEnqueueRefusesBadEvents(t *testing.T) {
	big := fmt.Appendf(nil, `{"routing_key":%q,"event_action":"trigger","payload":{"summary":"s","source":"s","severity":"info","custom_details":{"x":%q}}}`,
		prometheusKey, strings.Repeat("x", 512<<10))
	cases := []struct {
		name    string
		body    []byte
		status  int
		message string
		errors  []string
	}{
		{"over 512 KiB", big, http.StatusRequestEntityTooLarge, "Event object is too large", []string{"the body is larger than 524288 bytes"}},
		{"missing payload fields", pdFixture(t, "bad_missing_payload_fields.json"), http.StatusBadRequest, "Event object is invalid", []string{
			"'payload.summary' is missing or blank", "'payload.source' is missing or blank",
			`'payload.severity' must be critical, error, warning or info, got "major"`,
		}},
		{"truncated JSON", pdFixture(t, "bad_truncated.json"), http.StatusBadRequest, "Event object is invalid",
			[]string{"invalid JSON at byte 102: invalid character '\\n' in string literal"}},
		{"an unknown routing key", event("ffffffffffffffffffffffffffffffff", "trigger", "d"), http.StatusBadRequest, "Event object is invalid",
			[]string{"'routing_key' is not a routing key of this Firebreak (alerts.integrations.pagerduty.routing_keys)"}},
		{"a routing key too short to accept", event("short", "trigger", "d"), http.StatusBadRequest, "Event object is invalid",
			[]string{"'routing_key' is not a routing key of this Firebreak (alerts.integrations.pagerduty.routing_keys)"}},
		{"an empty routing key never matches an unset one", event("", "trigger", "d"), http.StatusBadRequest, "Event object is invalid",
			[]string{"'routing_key' is missing or blank"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPDHandler(t, 0)
			status, retry, answer := p.enqueue(t, c.body)
			require.Equal(t, c.status, status)
			require.Empty(t, retry)
			require.Equal(t, PagerDutyAnswer{Status: "invalid event", Message: c.message, Errors: c.errors}, answer)
			p.temporal.AssertNotCalled(t, "ExecuteWorkflow")
			p.temporal.AssertNotCalled(t, "SignalWorkflow")
		})
	}
}

func TestEnqueueTriggersAndKeysMatchWithinARoutingKey(t *testing.T) {
	p := newPDHandler(t, 0)
	fromPrometheus := p.expectStart("pagerduty/prometheus/srv01/mysql")
	fromGrafana := p.expectStart("pagerduty/grafana/srv01/mysql")

	status, _, answer := p.enqueue(t, pdFixture(t, "pagerduty_example.json"))
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, PagerDutyAnswer{Status: "success", Message: "Event processed", DedupKey: "srv01/mysql"}, answer)
	require.Equal(t, "pagerduty", fromPrometheus.Source)
	require.Equal(t, "DISK at 99% on machine prod-datapipe03.example.com", fromPrometheus.Title)
	require.Equal(t, "prod-datapipe", fromPrometheus.Service, "no configured service in the payload: its group")
	require.Equal(t, "disk", fromPrometheus.Type)
	require.Equal(t, "some", fromPrometheus.Impact.CustomersAffected)

	status, _, answer = p.enqueue(t, event(grafanaKey, "trigger", "srv01/mysql"))
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, "srv01/mysql", answer.DedupKey)
	require.Equal(t, "search", fromGrafana.Service, "the routing key's service")
	p.temporal.AssertExpectations(t)
}

func TestEnqueueMakesUpADedupKey(t *testing.T) {
	p := newPDHandler(t, 0)
	var ids []string
	onStart(p.temporal, "").
		Run(func(args mock.Arguments) { ids = append(ids, startedOptions(args).ID) }).Return(nil, nil).Twice()
	var keys []string
	for range 2 {
		status, _, answer := p.enqueue(t, pdFixture(t, "trigger_without_dedup_key.json"))
		require.Equal(t, http.StatusAccepted, status)
		require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), answer.DedupKey)
		keys = append(keys, answer.DedupKey)
	}
	require.NotEqual(t, keys[0], keys[1], "each trigger without a key opens its own incident")
	require.Equal(t, []string{
		workflows.WorkflowID(GroupKey("pagerduty/prometheus/" + keys[0])), workflows.WorkflowID(GroupKey("pagerduty/prometheus/" + keys[1])),
	}, ids)
}

func TestEnqueueAcknowledgeAndResolveOnlySignal(t *testing.T) {
	for _, c := range []struct {
		action, status string
		err            error
	}{
		{"acknowledge", incident.AlertAcknowledged, nil},
		{"resolve", incident.AlertResolved, nil},
		{"acknowledge", incident.AlertAcknowledged, serviceerror.NewNotFound("workflow not found")},
	} {
		t.Run(fmt.Sprintf("%s, incident found %t", c.action, c.err == nil), func(t *testing.T) {
			p := newPDHandler(t, 0)
			var got workflows.AlertBatch
			p.temporal.On("SignalWorkflow", mock.Anything, workflows.WorkflowID(GroupKey("pagerduty/prometheus/srv01/mysql")), "",
				workflows.SignalAlerts, mock.Anything).
				Run(func(args mock.Arguments) { got = args.Get(4).(workflows.AlertBatch) }).Return(c.err).Once()
			status, _, answer := p.enqueue(t, event(prometheusKey, c.action, "srv01/mysql"))
			require.Equal(t, http.StatusAccepted, status, "as PagerDuty answers, whether or not the alert is open")
			require.Equal(t, "srv01/mysql", answer.DedupKey)
			require.Len(t, got.Alerts, 1)
			require.Equal(t, c.status, got.Alerts[0].Status)
			require.Equal(t, "pagerduty/prometheus", got.Alerts[0].Sender)
			require.True(t, got.Routing.ResolveWithAlerts)
			p.temporal.AssertNotCalled(t, "ExecuteWorkflow")
		})
	}
}

func TestEnqueueThrottlesEachRoutingKey(t *testing.T) {
	p := newPDHandler(t, 2)
	onStart(p.temporal, "").Return(nil, nil)
	for i := range 2 {
		status, _, _ := p.enqueue(t, event(prometheusKey, "trigger", fmt.Sprint(i)))
		require.Equal(t, http.StatusAccepted, status)
	}
	status, retry, answer := p.enqueue(t, event(prometheusKey, "trigger", "2"))
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "30", retry, "2 a minute: one more in 30 seconds")
	require.Equal(t, PagerDutyAnswer{Status: "throttle event",
		Message: "Requests for this routing key are arriving too quickly (over 2 a minute): retry in 30 seconds"}, answer)

	status, _, _ = p.enqueue(t, event(grafanaKey, "trigger", "2"))
	require.Equal(t, http.StatusAccepted, status, "another routing key has its own allowance")
	p.advance(30 * time.Second)
	status, _, _ = p.enqueue(t, event(prometheusKey, "trigger", "2"))
	require.Equal(t, http.StatusAccepted, status)
}

func TestEnqueueAnswers503OnlyWhenTemporalIsUnavailable(t *testing.T) {
	p := newPDHandler(t, 0)
	onStart(p.temporal, "").Return(nil, errors.New("dial tcp 10.0.0.7:7233: connection refused")).Once()
	status, retry, answer := p.enqueue(t, event(prometheusKey, "trigger", "d"))
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, "5", retry)
	require.Equal(t, PagerDutyAnswer{Status: "unavailable", Message: "Firebreak could not store the event now: retry later"}, answer)
}

func TestEnqueueHoldsAPlaceWhileReadingAnUnauthenticatedEvent(t *testing.T) {
	p := newPDHandler(t, 0)
	for range cap(p.authenticating) {
		p.authenticating <- struct{}{} // every place taken by requests still being read
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2/enqueue", bytes.NewReader(event(prometheusKey, "trigger", "d"))))
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
	require.Equal(t, "close", rec.Header().Get("Connection"))
	require.JSONEq(t, `{"status":"throttle event","message":"Too many events are being read at once: retry in 1 second"}`, rec.Body.String())

	<-p.authenticating
	p.temporal.On("SignalWorkflow", mock.Anything, mock.Anything, "", workflows.SignalAlerts, mock.Anything).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	status, _, _ := p.enqueue(t, event(prometheusKey, "acknowledge", "d"))
	require.Equal(t, http.StatusAccepted, status, "a free place reads the next event")
	require.Len(t, p.authenticating, cap(p.authenticating)-1, "and gives it back")
}
