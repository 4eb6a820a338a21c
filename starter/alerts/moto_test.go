package alerts

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/mototest"
)

// motoAuthorization is an unchecked SigV4 header whose credential scope makes moto_server route
// a request to SNS in us-east-1.
const motoAuthorization = "AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0"

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// snsCall makes one SNS query API call on moto and returns the value of the first resultTag.
func snsCall(t *testing.T, base string, params url.Values, resultTag string) string {
	t.Helper()
	params.Set("Version", "2010-03-31")
	req, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(params.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", motoAuthorization)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	if resultTag == "" {
		return ""
	}
	_, rest, ok := strings.Cut(string(body), "<"+resultTag+">")
	require.True(t, ok, string(body))
	value, _, _ := strings.Cut(rest, "</"+resultTag+">")
	return value
}

// TestMotoSNSEndToEnd publishes a CloudWatch alarm on moto's SNS, receives moto's HTTP delivery
// and verifies its real SignatureVersion 2 signature with the certificate moto serves.
func TestMotoSNSEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	base := mototest.Start(t)
	motoURL, err := url.Parse(base)
	require.NoError(t, err)

	deliveries := make(chan []byte, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		deliveries <- b
	}))
	t.Cleanup(receiver.Close)

	topic := snsCall(t, base, url.Values{"Action": {"CreateTopic"}, "Name": {"firebreak-alarms"}}, "TopicArn")
	snsCall(t, base, url.Values{"Action": {"Subscribe"}, "TopicArn": {topic}, "Protocol": {"http"},
		"Endpoint": {receiver.URL + "/sns"}}, "SubscriptionArn")
	alarm := envelope(t, "sns_notification_cloudwatch_alarm.json").Message
	// No Subject: moto leaves it out of the text it signs, unlike SNS.
	snsCall(t, base, url.Values{"Action": {"Publish"}, "TopicArn": {topic}, "Message": {alarm}}, "MessageId")

	var body []byte
	select {
	case body = <-deliveries:
	case <-time.After(10 * time.Second):
		t.Fatal("moto delivered nothing")
	}
	m, err := ParseSNSEnvelope(body)
	require.NoError(t, err)
	require.Equal(t, "2", m.SignatureVersion)

	// Send the SNS host to moto, which serves the certificates it signs with.
	var fetches atomic.Int64
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host != "sns.us-east-1.amazonaws.com" {
			return nil, fmt.Errorf("test transport: unexpected host %s", r.URL.Host)
		}
		fetches.Add(1)
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = motoURL.Scheme, motoURL.Host
		// moto_server picks the service by a request's credential scope, not its host name.
		r.Header.Set("Authorization", motoAuthorization)
		return http.DefaultTransport.RoundTrip(r)
	})}
	v := NewSNSVerifier(client)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, v.Verify(ctx, m))
	require.NoError(t, v.Verify(ctx, m))
	require.Equal(t, int64(1), fetches.Load())

	tampered := *m
	tampered.Message = strings.Replace(m.Message, `"ALARM"`, `"OK"`, 1)
	require.ErrorContains(t, v.Verify(ctx, &tampered), "signature does not match")

	alerts, err := ParseCloudWatchAlarm(m)
	require.NoError(t, err)
	require.Len(t, alerts, 1)
	require.Equal(t, Firing, alerts[0].Status)
	require.Equal(t, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-alb-5xx-high", alerts[0].Fingerprint)
}
