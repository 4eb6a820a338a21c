package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/starter/alerts"
	"github.com/firebreak-dev/firebreak/workflows"
)

const (
	testAMToken      = "am-token"
	testGenericToken = "generic-token"
	testSNSToken     = "sns-token"
	testBodyLimit    = 1 << 20
)

var testSecret = []byte("generic-hmac-secret")

// webhooks is the ingestion handler over a mocked Temporal client, with the built-in policies
// and a clock the test sets.
type webhooks struct {
	*Handler
	temporal *mocks.Client
	now      time.Time
}

// newWebhooks returns a handler whose integrations have tokens (and the generic one an HMAC
// secret); change adjusts its options before it is built.
func newWebhooks(t *testing.T, change func(*Options)) *webhooks {
	t.Helper()
	t.Setenv("FIREBREAK_TEST_INGEST_HMAC", string(testSecret))
	evaluator, err := policies.Load(context.Background(), "")
	require.NoError(t, err)
	cfg := configtest.Organisation()
	cfg.Alerts.MaxBodyBytes = testBodyLimit
	cfg.Alerts.Integrations = map[string]config.Integration{
		config.IntegrationAlertmanager: {Token: testAMToken},
		config.IntegrationGeneric:      {Token: testGenericToken, HMACSecretEnv: "FIREBREAK_TEST_INGEST_HMAC"},
		config.IntegrationSNS:          {Token: testSNSToken},
	}
	w := &webhooks{temporal: &mocks.Client{}, now: time.Now().Truncate(time.Second)}
	opts := Options{
		Config: cfg, Router: &Router{Policies: evaluator, Config: cfg}, Submitter: &Submitter{Temporal: w.temporal},
		Timeout: 2 * time.Second, Now: func() time.Time { return w.now }, SNS: alerts.NewSNSVerifier(nil),
	}
	if change != nil {
		change(&opts)
	}
	w.Handler = NewHandler(opts)
	return w
}

// accept makes every start of an incident and every signal to one succeed, and returns what
// each carried: signals holds the alerts of both, options and inputs those of the starts.
func (w *webhooks) accept() *started {
	s := &started{}
	onStart(w.temporal, "").
		Run(func(args mock.Arguments) {
			s.mu.Lock()
			defer s.mu.Unlock()
			in := startedInput(args)
			s.signals = append(s.signals, in.Pending[0])
			s.options = append(s.options, startedOptions(args))
			s.inputs = append(s.inputs, in)
		}).Return(nil, nil)
	w.temporal.On("SignalWorkflow", mock.Anything, mock.Anything, "", workflows.SignalAlerts, mock.Anything).
		Run(func(args mock.Arguments) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.signals = append(s.signals, args.Get(4).(workflows.AlertBatch))
		}).Return(nil)
	return s
}

// started records the signal-with-start calls Temporal received.
type started struct {
	mu      sync.Mutex
	signals []workflows.AlertBatch
	options []client.StartWorkflowOptions
	inputs  []workflows.IncidentInput
}

// post sends a request to the handler and returns its status, headers and decoded answer.
func (w *webhooks) post(t *testing.T, path string, header http.Header, body io.Reader) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, body)
	req.Header = header
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, req)
	var answer map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer), rec.Body.String())
	return rec.Code, rec.Header(), answer
}

func withBearer(token, contentType string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {contentType}}
}

// signed returns the headers of a generic request signed with secret at ts.
func signed(secret []byte, ts time.Time, body []byte) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	return http.Header{"Content-Type": {"application/json"}, notify.HeaderTimestamp: {stamp},
		notify.HeaderSignature: {notify.Sign(secret, stamp, body)}}
}

// untouchable is a body that fails the test when anything reads it.
type untouchable struct {
	t    *testing.T
	read atomic.Bool
}

func (u *untouchable) Read([]byte) (int, error) {
	u.read.Store(true)
	return 0, errors.New("the body was read")
}

const genericBody = `{"dedup_key": "checkout-latency", "title": "Checkout p99 above 2s", "service": "checkout"}`

func TestHandlerAuthenticatesBeforeReadingTheBody(t *testing.T) {
	w := newWebhooks(t, nil)
	cases := []struct {
		name   string
		path   string
		header http.Header
		length int64
		status int
		error  string
	}{
		{"no credentials, wrong content type", "/v1/alerts/alertmanager", http.Header{"Content-Type": {"text/xml"}}, 10,
			401, "missing or wrong credentials for the alertmanager integration"},
		{"wrong token, body over the limit", "/v1/alerts/generic", withBearer("guess", "application/json"), 10 << 20,
			401, "missing or wrong credentials for the generic integration"},
		{"wrong token, wrong content type", "/v1/alerts/sns", withBearer("guess", "text/xml"), 10,
			401, "missing or wrong credentials for the sns integration"},
		{"a stale signature", "/v1/alerts/generic", signed(testSecret, time.Now().Add(-6*time.Minute), []byte("{}")), 2,
			401, "X-Firebreak-Timestamp: want Unix seconds within 5m0s of Firebreak's clock"},
		{"a malformed signature", "/v1/alerts/generic", http.Header{notify.HeaderTimestamp: {"1"}, notify.HeaderSignature: {"md5=00"}}, 2,
			401, "X-Firebreak-Signature: want sha256= and 64 hexadecimal digits"},
		{"right token, wrong content type", "/v1/alerts/alertmanager", withBearer(testAMToken, "text/xml"), 10,
			415, `content type "text/xml": want application/json`},
		{"right token, body over the limit", "/v1/alerts/alertmanager", withBearer(testAMToken, "application/json"), testBodyLimit + 1,
			413, "body larger than 1048576 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := &untouchable{t: t}
			req := httptest.NewRequest(http.MethodPost, c.path, body)
			req.Header = c.header
			req.ContentLength = c.length
			rec := httptest.NewRecorder()
			w.ServeHTTP(rec, req)
			require.Equal(t, c.status, rec.Code, rec.Body.String())
			require.JSONEq(t, fmt.Sprintf(`{"error": %q}`, c.error), rec.Body.String())
			require.False(t, body.read.Load(), "the body is never read before the request is authenticated")
			require.Equal(t, "close", rec.Header().Get("Connection"), "the connection closes rather than wait for an unread body")
		})
	}
}

func TestSignedRequestIsAcceptedOnce(t *testing.T) {
	w := newWebhooks(t, nil)
	got := w.accept()
	body := []byte(genericBody)
	header := signed(testSecret, w.now, body)

	status, _, answer := w.post(t, "/v1/alerts/generic", header, bytes.NewReader(body))
	require.Equal(t, http.StatusAccepted, status, answer)
	status, _, answer = w.post(t, "/v1/alerts/generic", header, bytes.NewReader(body))
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "this signature was already used: each signed request is accepted once; sign a new request with a fresh X-Firebreak-Timestamp",
		answer["error"])

	w.now = w.now.Add(4 * time.Minute)
	status, _, _ = w.post(t, "/v1/alerts/generic", header, bytes.NewReader(body))
	require.Equal(t, http.StatusUnauthorized, status, "still remembered near the end of its window")
	w.now = w.now.Add(2 * time.Minute)
	status, _, answer = w.post(t, "/v1/alerts/generic", header, bytes.NewReader(body))
	require.Equal(t, http.StatusUnauthorized, status, "after the window its timestamp is refused")
	require.Contains(t, answer["error"], "X-Firebreak-Timestamp")

	status, _, _ = w.post(t, "/v1/alerts/generic", signed(testSecret, w.now, body), bytes.NewReader(body))
	require.Equal(t, http.StatusAccepted, status, "the same body signed anew is a new request")
	require.Len(t, got.signals, 2)
}

func TestSignedRequestNotStoredMayBeSentAgain(t *testing.T) {
	w := newWebhooks(t, nil)
	onStart(w.temporal, "").
		Return(nil, serviceerror.NewUnavailable("dial tcp 10.1.2.3:7233: connect: connection refused")).Once()
	got := w.accept()
	body := []byte(genericBody)
	header := signed(testSecret, w.now, body)

	status, h, answer := w.post(t, "/v1/alerts/generic", header, bytes.NewReader(body))
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, "5", h.Get("Retry-After"))
	require.Equal(t, map[string]any{"error": "Temporal is unavailable, so the alerts were not stored: retry"}, answer,
		"nothing of the gRPC error reaches the sender")
	status, _, answer = w.post(t, "/v1/alerts/generic", header, bytes.NewReader(body))
	require.Equal(t, http.StatusAccepted, status, answer)
	require.Len(t, got.signals, 1)
}

// blockingBody is a request body that delivers nothing until released.
type blockingBody struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingBody) Read([]byte) (int, error) {
	b.once.Do(func() { close(b.started) })
	<-b.release
	return 0, errors.New("cut off")
}

func TestUnauthenticatedRequestsAreCapped(t *testing.T) {
	w := newWebhooks(t, func(o *Options) { o.MaxUnauthenticated = 2 })
	w.accept()
	body := []byte(genericBody)
	var slow []*blockingBody
	var wg sync.WaitGroup
	for range 2 {
		b := &blockingBody{started: make(chan struct{}), release: make(chan struct{})}
		slow = append(slow, b)
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodPost, "/v1/alerts/generic", b)
			req.Header = signed(testSecret, w.now, body)
			w.ServeHTTP(httptest.NewRecorder(), req)
		})
		<-b.started
	}

	status, h, answer := w.post(t, "/v1/alerts/generic", signed(testSecret, w.now, body), bytes.NewReader(body))
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, "1", h.Get("Retry-After"))
	require.Equal(t, "too many requests are being authenticated: retry in 1 second", answer["error"])
	status, _, answer = w.post(t, "/v1/alerts/generic", withBearer(testGenericToken, "application/json"), strings.NewReader(genericBody))
	require.Equal(t, http.StatusAccepted, status, "a request authenticated by its headers needs no place: %v", answer)

	for _, b := range slow {
		close(b.release)
	}
	wg.Wait()
	status, _, answer = w.post(t, "/v1/alerts/generic", signed(testSecret, w.now, body), bytes.NewReader(body))
	require.Equal(t, http.StatusAccepted, status, "places are given back: %v", answer)
}

func TestHandlerRejectsInvalidUTF8NamingTheField(t *testing.T) {
	w := newWebhooks(t, nil)
	cases := []struct {
		name  string
		path  string
		token string
		body  string
		error string
	}{
		{"generic dedup key", "/v1/alerts/generic", testGenericToken, "{\"dedup_key\": \"a\xff\", \"title\": \"t\"}",
			"parse generic alert: dedup_key: not valid UTF-8 (byte 16)"},
		{"generic escaped lone surrogate", "/v1/alerts/generic", testGenericToken, `{"dedup_key": "a\udfff", "title": "t"}`,
			"parse generic alert: dedup_key: not valid UTF-8 (byte 16)"},
		{"alertmanager label", "/v1/alerts/alertmanager", testAMToken,
			"{\"version\": \"4\", \"groupKey\": \"g\", \"status\": \"firing\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"instance\": \"\xc3(\"}}]}",
			"parse alertmanager webhook: alerts[0].labels.instance: not valid UTF-8 (byte 110)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, answer := w.post(t, c.path, withBearer(c.token, "application/json"), strings.NewReader(c.body))
			require.Equal(t, http.StatusBadRequest, status)
			require.Equal(t, c.error, answer["error"])
		})
	}
}

func TestHandlerStoresHostilePayloadsWithinLimits(t *testing.T) {
	amAlert := func(i int, annotation string) string {
		return fmt.Sprintf(`{"status": "firing", "labels": {"alertname": "Disk", "instance": "host-%d", "severity": "critical", "service": %q}, "annotations": {"summary": %q}}`,
			i, strings.Repeat("<", 300), annotation)
	}
	group := func(key string, n int, annotation string) string {
		var list []string
		for i := range n {
			list = append(list, amAlert(i, annotation))
		}
		return fmt.Sprintf(`{"version": "4", "groupKey": %q, "status": "firing", "alerts": [%s]}`, key, strings.Join(list, ","))
	}
	cases := []struct {
		name      string
		path      string
		token     string
		body      string
		accepted  int
		truncated int
	}{
		{"alertmanager group key of 20 KB and 200 alerts", "/v1/alerts/alertmanager", testAMToken, group(strings.Repeat("<", 20<<10), 200, "disk full"), 200, 0},
		{"alertmanager summary of 400 KB beside a normal alert", "/v1/alerts/alertmanager", testAMToken,
			fmt.Sprintf(`{"version": "4", "groupKey": "g", "status": "firing", "alerts": [%s, %s]}`, amAlert(1, strings.Repeat("<", 400<<10)), amAlert(2, "fine")), 2, 0},
		{"generic title of 900 KB", "/v1/alerts/generic", testGenericToken, fmt.Sprintf(`{"dedup_key": "k", "title": %q}`, strings.Repeat("&", 900<<10)), 1, 0},
		{"1,200 alerts of long summaries", "/v1/alerts/alertmanager", testAMToken, group("g", 1200, strings.Repeat(">", 300)), 1000, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWebhooks(t, nil)
			got := w.accept()
			require.Less(t, len(c.body), testBodyLimit)
			status, _, answer := w.post(t, c.path, withBearer(c.token, "application/json"), strings.NewReader(c.body))
			require.Equal(t, http.StatusAccepted, status, answer)
			require.EqualValues(t, c.accepted, answer["accepted"])
			if c.truncated == 0 {
				require.NotContains(t, answer, "truncated")
			} else {
				require.EqualValues(t, c.truncated, answer["truncated"], "alerts beyond the limit are counted")
			}

			stored := 0
			for _, signal := range got.signals {
				stored += len(signal.Alerts)
				require.Less(t, encodedLen(signal), maxSignalBytes+64<<10, "a signal stays far below Temporal's 2 MB")
				for _, a := range signal.Alerts {
					require.LessOrEqual(t, len(a.Fingerprint), maxIncidentKeyBytes)
					require.LessOrEqual(t, len(a.GroupKey), maxIncidentKeyBytes)
				}
			}
			for i, in := range got.inputs {
				require.Less(t, encodedLen(in), maxSignalBytes+64<<10, "the start input, which carries the first alerts, stays far below Temporal's 2 MB")
				require.LessOrEqual(t, encodedLen(got.options[i].StaticSummary), maxSummaryEncoded)
				require.Less(t, encodedLen(got.options[i].Memo), 8<<10)
				require.Less(t, len(got.options[i].StaticDetails), 2<<10)
			}
			require.Equal(t, c.accepted, stored, "every accepted alert reached Temporal")
		})
	}
}

func TestHandlerErrorsNameNoInternals(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(*webhooks)
		path   string
		header http.Header
		body   string
		status int
		error  string
	}{
		{
			name: "temporal refuses",
			setup: func(w *webhooks) {
				onStart(w.temporal, "").
					Return(nil, serviceerror.NewInvalidArgument("Blob data size exceeds limit."))
			},
			path: "/v1/alerts/generic", header: withBearer(testGenericToken, "application/json"), body: genericBody,
			status: 503, error: "Temporal is unavailable, so the alerts were not stored: retry",
		},
		{
			name: "routing fails",
			setup: func(w *webhooks) {
				w.opts.Router.Policies = failingDecider{}
			},
			path: "/v1/alerts/generic", header: withBearer(testGenericToken, "application/json"), body: genericBody,
			status: 503, error: "the alerts could not be routed now, so none was stored: retry",
		},
		{
			name: "the SNS certificate host does not resolve",
			setup: func(w *webhooks) {
				w.opts.SNS = alerts.NewSNSVerifier(&http.Client{Transport: failingTransport{}})
			},
			path: "/v1/alerts/sns", header: withBearer(testSNSToken, "text/plain"),
			body: `{"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:123456789012:alarms", "Message": "{}",
				"Timestamp": "2026-03-01T12:00:00Z", "SignatureVersion": "2", "Signature": "c2ln",
				"SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem"}`,
			status: 503, error: "the SNS signing certificate could not be fetched to verify the message: retry",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWebhooks(t, nil)
			c.setup(w)
			status, h, answer := w.post(t, c.path, c.header, strings.NewReader(c.body))
			require.Equal(t, c.status, status)
			require.Equal(t, map[string]any{"error": c.error}, answer)
			require.Equal(t, "5", h.Get("Retry-After"))
		})
	}
}

// failingDecider fails every decision, as a policy that breaks at run time does.
type failingDecider struct{}

func (failingDecider) Decide(context.Context, policies.Name, any, any) error {
	return errors.New("eval_conflict_error: functions must not produce multiple outputs for same inputs (routing.rego:12)")
}

func (failingDecider) Revision() string { return "broken" }

// failingTransport fails every request as a failed DNS lookup does.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("dial tcp: lookup sns.us-east-1.amazonaws.com on 10.0.0.2:53: no such host")
}

// A body that does not arrive within the server's read timeout is answered 408, and the
// connection is closed.
func TestSlowBodyIsAnswered408(t *testing.T) {
	w := newWebhooks(t, nil)
	srv := httptest.NewUnstartedServer(w)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /v1/alerts/generic HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", testGenericToken)
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	require.True(t, resp.Close, "the connection closes")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.JSONEq(t, `{"error": "the body did not arrive in time"}`, string(body))
}
