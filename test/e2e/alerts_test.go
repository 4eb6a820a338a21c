package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/internal/mototest"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/workflows"
)

const (
	alertmanagerToken = "am-token"
	genericToken      = "generic-token"
	snsToken          = "sns-token"
)

var genericSecret = []byte("generic-hmac-secret")

// alertConfig is the example configuration with a token for each integration.
func alertConfig(t testing.TB) *config.Config {
	t.Setenv("FIREBREAK_TEST_GENERIC_HMAC", string(genericSecret))
	cfg := configtest.Organisation()
	cfg.Alerts.MaxBodyBytes = 64 << 10
	cfg.Alerts.Integrations = map[string]config.Integration{
		config.IntegrationAlertmanager: {Token: alertmanagerToken},
		config.IntegrationGeneric:      {Token: genericToken, HMACSecretEnv: "FIREBREAK_TEST_GENERIC_HMAC"},
		config.IntegrationSNS:          {Token: snsToken},
	}
	return cfg
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "starter", "alerts", "testdata", name))
	require.NoError(t, err)
	return data
}

// post sends a webhook and returns the status and the decoded JSON answer.
func (fb *firebreak) post(path string, header http.Header, body []byte) (int, map[string]any) {
	fb.t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+fb.service.HTTPAddr()+path, bytes.NewReader(body))
	require.NoError(fb.t, err)
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	require.NoError(fb.t, err)
	defer resp.Body.Close()
	var answer map[string]any
	require.NoError(fb.t, json.NewDecoder(resp.Body).Decode(&answer))
	return resp.StatusCode, answer
}

// expectContinue adds Expect: 100-continue to header.
func expectContinue(header http.Header) http.Header {
	header.Set("Expect", "100-continue")
	return header
}

func bearer(token, contentType string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {contentType}}
}

// incidentRuns counts the runs of an incident's workflow, open or closed.
func (fb *firebreak) incidentRuns(key string) int {
	fb.t.Helper()
	resp, err := fb.client.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: fb.server.Namespace(), Query: fmt.Sprintf("WorkflowId = '%s'", workflows.WorkflowID(key)),
	})
	require.NoError(fb.t, err)
	return int(resp.GetCount())
}

func TestAlertsOpenFeedAndResolveOneIncident(t *testing.T) {
	fb := startFirebreak(t, options{config: alertConfig(t)})
	key := ingest.GroupKey(`{}/{severity="page"}:{alertname="CheckoutHighErrorRate"}`)

	status, answer := fb.post("/v1/alerts/alertmanager", bearer(alertmanagerToken, "application/json"), fixture(t, "alertmanager_v4_firing.json"))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Equal(t, []any{workflows.WorkflowID(key)}, answer["incidents"])
	require.Eventually(t, func() bool { return len(fb.state(key).Responders) == 1 }, waitFor, 100*time.Millisecond)
	s := fb.state(key)
	require.Equal(t, "checkout", s.Service)
	require.Equal(t, "alertmanager", s.Source)
	require.Equal(t, 2, s.AlertCount)

	status, _ = fb.post("/v1/alerts/alertmanager", bearer(alertmanagerToken, "application/json; charset=utf-8"), fixture(t, "alertmanager_v4_resolved.json"))
	require.Equal(t, http.StatusAccepted, status)
	require.Eventually(t, func() bool { return fb.state(key).AlertCount == 3 }, waitFor, 100*time.Millisecond)
	s = fb.state(key)
	require.Equal(t, "resolved", s.Alerts[0].Status)
	require.Equal(t, "firing", s.Alerts[1].Status)
	require.Nil(t, s.FalseAlarmDue, "one alert still fires")
	require.Equal(t, 1, fb.incidentRuns(key))
	fb.recordHistory(key, "epoch-alerts")
}

func TestFiftyConcurrentDuplicatesMakeOneIncident(t *testing.T) {
	cfg := alertConfig(t)
	cfg.Alerts.FalseAlarmGrace = config.Duration(2 * time.Second)
	cfg.Alerts.ReopenWindow = config.Duration(time.Minute)
	fb := startFirebreak(t, options{config: cfg})
	body := fixture(t, "generic_firing.json")
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = fb.post("/v1/alerts/generic", bearer(genericToken, "application/json"), body) })
	}
	wg.Wait()
	for i, status := range statuses {
		require.Equal(t, http.StatusAccepted, status, "request %d", i)
	}
	key := ingest.GroupKey("checkout-latency-eu-west-1")
	var s workflows.State
	require.Eventually(t, func() bool { s = fb.state(key); return s.AlertCount == 50 }, waitFor, 100*time.Millisecond,
		"every accepted alert reaches the incident")
	require.Len(t, s.Alerts, 1)
	require.Equal(t, 50, s.Alerts[0].Count)
	require.Equal(t, 1, fb.incidentRuns(key), "one incident for the group")
	require.Equal(t, "some customers affected; performance degraded; no workaround; 3 support cases; started 2026-03-01T11:55:00Z",
		s.Impact.String())

	// A sender that signs with the HMAC secret instead of a token is accepted too.
	resolved := fixture(t, "generic_resolved.json")
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	status, answer := fb.post("/v1/alerts/generic", http.Header{
		"Content-Type": {"application/json"}, notify.HeaderTimestamp: {ts}, notify.HeaderSignature: {notify.Sign(genericSecret, ts, resolved)},
	}, resolved)
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Eventually(t, func() bool { s = fb.state(key); return s.FalseAlarm && s.Status == "resolved" }, waitFor, 100*time.Millisecond,
		"every alert resolved before anyone acknowledged: a false alarm after the grace period")
	first := fb.runs(key)
	require.Len(t, first, 1)

	// Within the reopen window a firing alert starts a new incident that follows the resolved one.
	status, answer = fb.post("/v1/alerts/generic", bearer(genericToken, "application/json"), body)
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Eventually(t, func() bool { return fb.incidentRuns(key) == 2 }, waitFor, 100*time.Millisecond)
	require.Eventually(t, func() bool { s = fb.state(key); return len(s.Responders) == 1 }, waitFor, 100*time.Millisecond)
	require.Contains(t, s.Reopens, first[0])
	require.Equal(t, 1, s.AlertCount)
	fb.recordRunHistory(key, first[0], "epoch-alerts-false-alarm-reopened")
}

// runs returns the run IDs of an incident's workflow, newest first.
func (fb *firebreak) runs(key string) []string {
	fb.t.Helper()
	resp, err := fb.client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: fb.server.Namespace(), Query: fmt.Sprintf("WorkflowId = '%s'", workflows.WorkflowID(key)),
	})
	require.NoError(fb.t, err)
	var ids []string
	for _, e := range resp.GetExecutions() {
		ids = append(ids, e.GetExecution().GetRunId())
	}
	return ids
}

func TestAlertWebhooksRejectBadRequests(t *testing.T) {
	cfg := alertConfig(t)
	cfg.Alerts.Integrations[config.IntegrationSNS] = config.Integration{}
	fb := startFirebreak(t, options{config: cfg})
	firing := fixture(t, "alertmanager_v4_firing.json")
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	cases := []struct {
		name   string
		path   string
		header http.Header
		body   []byte
		status int
		error  string
	}{
		{"no credentials", "/v1/alerts/alertmanager", http.Header{"Content-Type": {"application/json"}}, firing,
			401, "missing or wrong credentials for the alertmanager integration"},
		{"wrong token", "/v1/alerts/alertmanager", bearer("guess", "application/json"), firing,
			401, "missing or wrong credentials for the alertmanager integration"},
		{"another integration's token", "/v1/alerts/alertmanager", bearer(genericToken, "application/json"), firing,
			401, "missing or wrong credentials"},
		{"wrong signature", "/v1/alerts/generic", http.Header{"Content-Type": {"application/json"}, notify.HeaderTimestamp: {ts},
			notify.HeaderSignature: {notify.Sign([]byte("other"), ts, firing)}}, firing, 401, "missing or wrong credentials for the generic integration"},
		{"integration without a token", "/v1/alerts/sns", bearer("anything", "text/plain"), []byte("{}"),
			401, "the sns integration has no token configured"},
		{"wrong content type", "/v1/alerts/alertmanager", bearer(alertmanagerToken, "text/xml"), firing,
			415, `content type "text/xml": want application/json`},
		// As curl does for large bodies: the answer comes before the body is sent, where without
		// it the connection the answer closes could break the client's write of the body first.
		{"body over the limit", "/v1/alerts/generic", expectContinue(bearer(genericToken, "application/json")), bytes.Repeat([]byte(" "), 65<<10),
			413, "body larger than 65536 bytes"},
		{"malformed JSON", "/v1/alerts/alertmanager", bearer(alertmanagerToken, "application/json"), []byte(`{"version": "4", "alerts": [`),
			400, "invalid JSON: unexpected end of input"},
		{"unknown field", "/v1/alerts/generic", bearer(genericToken, "application/json"), []byte(`{"dedup_key": "x", "title": "x", "colour": "red"}`),
			400, `unknown field "colour"`},
		{"wrong version", "/v1/alerts/alertmanager", bearer(alertmanagerToken, "application/json"), fixture(t, "bad_alertmanager_version_3.json"),
			400, "version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, answer := fb.post(c.path, c.header, c.body)
			require.Equal(t, c.status, status, answer)
			require.Contains(t, answer["error"], c.error)
			require.NotContains(t, fmt.Sprint(answer), alertmanagerToken, "the answer never shows a secret")
		})
	}
	require.JSONEq(t, "[]", fb.cli("incident", "list", "-o", "json"), "no request started anything")
}

func TestTemporalDownAnswers503AndARetryLosesNothing(t *testing.T) {
	port, _, _ := freePorts(t)
	dir := t.TempDir()
	fb := startFirebreak(t, options{config: alertConfig(t), dataDir: dir, port: port})
	body := fixture(t, "generic_firing.json")
	header := bearer(genericToken, "application/json")

	require.NoError(t, fb.server.Stop())
	begin := time.Now()
	status, answer := fb.post("/v1/alerts/generic", header, body)
	require.Equal(t, http.StatusServiceUnavailable, status, answer)
	require.Less(t, time.Since(begin), 15*time.Second, "the answer comes within a bounded time")
	require.Contains(t, answer["error"], "Temporal is unavailable, so the alerts were not stored: retry")

	srv, err := devserver.Start(context.Background(), devserver.Options{DataDir: dir, Port: port, UIPort: -1,
		SearchAttributes: workflows.SearchAttributes()})
	require.NoError(t, err)
	fb.server = srv
	require.Eventually(t, func() bool {
		status, _ = fb.post("/v1/alerts/generic", header, body)
		return status == http.StatusAccepted
	}, time.Minute, 500*time.Millisecond, "the sender's retry is accepted once Temporal is back")
	key := ingest.GroupKey("checkout-latency-eu-west-1")
	require.Eventually(t, func() bool { return fb.state(key).AlertCount >= 1 }, waitFor, 100*time.Millisecond)
	require.Equal(t, 1, fb.incidentRuns(key))
}

// TestSNSDeliveryFromMoto has the AWS emulator deliver CloudWatch alarm notifications over an SNS
// HTTP subscription; their signatures are checked with the certificate moto serves, reached
// through a transport that maps sns.us-east-1.amazonaws.com to the emulator.
func TestSNSDeliveryFromMoto(t *testing.T) {
	moto := mototest.Start(t)
	certs := &http.Client{Transport: rewriteHTTPS{base: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, strings.TrimPrefix(moto, "http://"))
		},
	}}}
	fb := startFirebreak(t, options{config: alertConfig(t), snsClient: certs})

	client := sns.New(sns.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(moto),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx := context.Background()
	topic, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	require.NoError(t, err)
	endpoint := fmt.Sprintf("http://firebreak:%s@%s/v1/alerts/sns", snsToken, fb.service.HTTPAddr())
	_, err = client.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(endpoint)})
	require.NoError(t, err)

	alarm := func(state string) string {
		return fmt.Sprintf(`{"AlarmName":"checkout-5xx","AlarmDescription":"Checkout 5xx above 5%%","AWSAccountId":"123456789012",
"NewStateValue":%q,"NewStateReason":"Threshold Crossed","StateChangeTime":%q,"Region":"US East (N. Virginia)",
"AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx","OldStateValue":"OK",
"Trigger":{"MetricName":"HTTPCode_Target_5XX_Count","Namespace":"AWS/ApplicationELB","Statistic":"SUM","Period":60,
"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":5,
"Dimensions":[{"name":"Service","value":"checkout"}]}}`, state, time.Now().UTC().Format("2006-01-02T15:04:05.000+0000"))
	}
	_, err = client.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(alarm("ALARM"))})
	require.NoError(t, err)

	key := ingest.GroupKey("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx")
	require.Eventually(t, func() bool {
		_, _, code := fb.run("incident", "show", key)
		return code == 0 && len(fb.state(key).Responders) == 1
	}, waitFor, 200*time.Millisecond, "the ALARM notification opens an incident")
	s := fb.state(key)
	require.Equal(t, "checkout", s.Service, "from the alarm's Service dimension")
	require.Equal(t, "sns", s.Source)

	_, err = client.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(alarm("OK"))})
	require.NoError(t, err)
	require.Eventually(t, func() bool { s = fb.state(key); return len(s.Alerts) == 1 && s.Alerts[0].Status == "resolved" },
		waitFor, 200*time.Millisecond, "the OK notification resolves the alert")
}

// rewriteHTTPS sends https requests as plain http to the emulator, which serves its signing
// certificates over http and routes a request to its SNS service only when a SigV4 header
// names sns.
type rewriteHTTPS struct{ base http.RoundTripper }

func (r rewriteHTTPS) RoundTrip(req *http.Request) (*http.Response, error) {
	clone := req.Clone(req.Context())
	clone.URL.Scheme = "http"
	clone.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0")
	return r.base.RoundTrip(clone)
}
