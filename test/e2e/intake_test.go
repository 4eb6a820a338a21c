package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/service"
	"github.com/firebreak-dev/firebreak/internal/telemetry"
	"github.com/firebreak-dev/firebreak/starter/alerts"
	"github.com/firebreak-dev/firebreak/starter/ingest"
)

// intakeConfig is alertConfig with the default body limit of 1 MiB.
func intakeConfig(t *testing.T) *config.Config {
	cfg := alertConfig(t)
	cfg.Alerts.MaxBodyBytes = config.DefaultMaxBodyBytes
	return cfg
}

// amAlert is one Alertmanager alert of the checkout service with the given summary.
func amAlert(i int, summary string) string {
	return fmt.Sprintf(`{"status": "firing", "labels": {"alertname": "CheckoutErrors", "instance": "host-%d", "severity": "critical", "service": "checkout"},
"annotations": {"summary": %q, "description": %q}, "startsAt": "2026-03-01T12:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}`, i, summary, "errors above 5%")
}

// amGroup is an Alertmanager webhook of the given group key and alerts.
func amGroup(groupKey string, alerts ...string) []byte {
	return fmt.Appendf(nil, `{"version": "4", "groupKey": %q, "status": "firing", "receiver": "firebreak", "alerts": [%s]}`,
		groupKey, strings.Join(alerts, ","))
}

// Each of these requests is under the 1 MiB body limit and was answered 503 for ever, because
// it reached Temporal whole: now each opens its incident, with the long texts cut and marked.
func TestIntakeStoresHostilePayloadsUnderTheBodyLimit(t *testing.T) {
	fb := startFirebreak(t, options{config: intakeConfig(t)})
	bigKey := strings.Repeat("<", 20<<10)
	var twoHundred, fiveHundred []string
	for i := range 200 {
		twoHundred = append(twoHundred, amAlert(i, "Checkout errors"))
	}
	for i := range 500 {
		// Alertmanager sends the fingerprint it computed; a sender may send any text.
		fiveHundred = append(fiveHundred, strings.Replace(amAlert(i, strings.Repeat("<", 300)), `"status": "firing",`,
			fmt.Sprintf(`"status": "firing", "fingerprint": "%03d%s",`, i, strings.Repeat("<", 253)), 1))
	}
	cases := []struct {
		name      string
		path      string
		token     string
		body      []byte
		group     string
		alerts    int
		wantTitle string
	}{
		{"a group key of 20 KB, 200 alerts", "/v1/alerts/alertmanager", alertmanagerToken,
			amGroup(bigKey, twoHundred...), alerts.CutKey(bigKey, alerts.MaxGroupKeyBytes), 200, ""},
		{"a summary of 400 KB beside a normal alert", "/v1/alerts/alertmanager", alertmanagerToken,
			amGroup("{}:{alertname=\"CheckoutErrors\"}", amAlert(1, "Checkout errors"), amAlert(2, strings.Repeat("<", 400<<10))),
			"{}:{alertname=\"CheckoutErrors\"}", 2, "<<<<<<<<"},
		{"500 alerts with long fingerprints and summaries", "/v1/alerts/alertmanager", alertmanagerToken,
			amGroup(strings.Repeat("<", 1000), fiveHundred...), strings.Repeat("<", 1000), 500, ""},
		{"a generic title of 900 KB", "/v1/alerts/generic", genericToken,
			fmt.Appendf(nil, `{"dedup_key": "checkout-900k", "title": %q, "service": "checkout"}`, strings.Repeat("&", 900<<10)),
			"checkout-900k", 1, "&&&&&&&&"}, // cut, with a marker
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Less(t, len(c.body), config.DefaultMaxBodyBytes)
			status, answer := fb.post(c.path, bearer(c.token, "application/json"), c.body)
			require.Equal(t, http.StatusAccepted, status, answer)
			require.EqualValues(t, c.alerts, answer["accepted"])

			key := ingest.GroupKey(c.group)
			require.Eventually(t, func() bool {
				_, _, code := fb.run("incident", "show", key)
				return code == 0 && len(fb.state(key).Responders) > 0
			}, waitFor, 200*time.Millisecond, "the incident opens and pages")
			s := fb.state(key)
			require.Equal(t, c.alerts, s.AlertCount)
			require.Equal(t, "checkout", s.Service)
			if c.wantTitle != "" {
				require.True(t, strings.HasPrefix(s.Title, c.wantTitle) && strings.HasSuffix(s.Title, alerts.TruncatedMarker),
					"the title is cut with a marker: %.40q", s.Title)
			}
			require.LessOrEqual(t, len(s.Title), alerts.MaxTitleBytes)
			for _, e := range fb.history(key).GetEvents() {
				require.Less(t, proto.Size(e), 512<<10, "event %d (%s) stays far below Temporal's 2 MB", e.GetEventId(), e.GetEventType())
			}
		})
	}
}

// Two dedup keys that differ only in bytes that are not UTF-8 were both decoded as "a\uFFFD" and
// merged into one incident; now each is refused, naming the field.
func TestIntakeRejectsInvalidUTF8(t *testing.T) {
	fb := startFirebreak(t, options{config: intakeConfig(t)})
	cases := []struct {
		name string
		path string
		body string
		want string
	}{
		{"a dedup key with byte ff", "/v1/alerts/generic", "{\"dedup_key\": \"a\xff\", \"title\": \"t\", \"service\": \"checkout\"}",
			"parse generic alert: dedup_key: not valid UTF-8 (byte 16)"},
		{"a dedup key with byte fe", "/v1/alerts/generic", "{\"dedup_key\": \"a\xfe\", \"title\": \"t\", \"service\": \"checkout\"}",
			"parse generic alert: dedup_key: not valid UTF-8 (byte 16)"},
		{"a lone surrogate in a label", "/v1/alerts/alertmanager", `{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "labels": {"instance": "\udc00"}}]}`,
			"parse alertmanager webhook: alerts[0].labels.instance: not valid UTF-8 (byte 110)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := genericToken
			if strings.Contains(c.path, "alertmanager") {
				token = alertmanagerToken
			}
			status, answer := fb.post(c.path, bearer(token, "application/json"), []byte(c.body))
			require.Equal(t, http.StatusBadRequest, status)
			require.Equal(t, map[string]any{"error": c.want}, answer)
		})
	}
	require.JSONEq(t, "[]", fb.cli("incident", "list", "-o", "json"), "no request started anything")
}

func TestIntakeAcceptsASignatureOnce(t *testing.T) {
	fb := startFirebreak(t, options{config: intakeConfig(t)})
	body := fixture(t, "generic_firing.json")
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	header := http.Header{"Content-Type": {"application/json"}, notify.HeaderTimestamp: {ts},
		notify.HeaderSignature: {notify.Sign(genericSecret, ts, body)}}

	status, answer := fb.post("/v1/alerts/generic", header, body)
	require.Equal(t, http.StatusAccepted, status, answer)
	status, answer = fb.post("/v1/alerts/generic", header, body)
	require.Equal(t, http.StatusUnauthorized, status, "the same signed request replayed within its window")
	require.Contains(t, answer["error"], "this signature was already used")

	key := ingest.GroupKey("checkout-latency-eu-west-1")
	require.Eventually(t, func() bool { _, _, code := fb.run("incident", "show", key); return code == 0 }, waitFor, 200*time.Millisecond)
	require.Equal(t, 1, fb.state(key).AlertCount, "the replay reached nothing")
}

func TestIntakeErrorsNameNoInternals(t *testing.T) {
	port, _, _ := freePorts(t)
	fb := startFirebreak(t, options{config: intakeConfig(t), dataDir: t.TempDir(), port: port})
	require.NoError(t, fb.server.Stop())
	status, answer := fb.post("/v1/alerts/generic", bearer(genericToken, "application/json"), fixture(t, "generic_firing.json"))
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, map[string]any{"error": "Temporal is unavailable, so the alerts were not stored: retry"}, answer,
		"no gRPC message, address or Go error chain reaches the sender")
}

// rawRequest opens a connection to addr, writes head, and returns the connection.
func rawRequest(t *testing.T, addr, head string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = io.WriteString(conn, head)
	require.NoError(t, err)
	return conn
}

// answer reads the HTTP answer on conn and reports its status and whether the server closed the
// connection after it, waiting at most within.
func answer(t *testing.T, conn net.Conn, within time.Duration) (status int, closed bool) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(within)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "an answer within %s", within)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var one [1]byte
	_, err = conn.Read(one[:])
	return resp.StatusCode, err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Requests that fail authentication are answered from their headers alone, before any of their
// body is read, and the connection is closed: 800 clients trickling bodies hold nothing open.
func TestIntakeAnswersUnauthenticatedRequestsWithoutReadingTheBody(t *testing.T) {
	fb := startFirebreak(t, options{config: intakeConfig(t)})
	addr := fb.service.HTTPAddr()
	cases := []struct {
		name   string
		header string
		length int
		status int
	}{
		{"no credentials", "Content-Type: application/json\r\n", 500_000, 401},
		{"wrong token and wrong content type", "Authorization: Bearer guess\r\nContent-Type: text/xml\r\n", 500_000, 401},
		{"wrong token and a body over the limit", "Authorization: Bearer guess\r\nContent-Type: application/json\r\n", 50 << 20, 401},
		{"right token and wrong content type", "Authorization: Bearer " + genericToken + "\r\nContent-Type: text/xml\r\n", 500_000, 415},
		{"right token and a body over the limit", "Authorization: Bearer " + genericToken + "\r\nContent-Type: application/json\r\n", 50 << 20, 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := rawRequest(t, addr, fmt.Sprintf("POST /v1/alerts/generic HTTP/1.1\r\nHost: firebreak\r\n%sContent-Length: %d\r\n\r\n{\"dedup_key\":",
				c.header, c.length))
			status, closed := answer(t, conn, 5*time.Second)
			require.Equal(t, c.status, status)
			require.True(t, closed, "the server closes the connection instead of waiting for the body")
		})
	}

	t.Run("800 clients trickling a body", func(t *testing.T) {
		var wg sync.WaitGroup
		var answered, closed atomic.Int64
		begin := time.Now()
		for range 800 {
			wg.Go(func() {
				conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					return
				}
				defer conn.Close()
				_, _ = io.WriteString(conn, "POST /v1/alerts/generic HTTP/1.1\r\nHost: firebreak\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
				_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil || resp.StatusCode != http.StatusUnauthorized {
					return
				}
				answered.Add(1)
				// The server closes the connection after its answer: EOF, or a reset because the
				// client's unread body was still on the way.
				if _, err := io.Copy(io.Discard, conn); err == nil || !isTimeout(err) {
					closed.Add(1)
				} else {
					t.Logf("not closed: %v", err)
				}
			})
		}
		wg.Wait()
		require.EqualValues(t, 800, answered.Load(), "every client is answered 401 without sending its body")
		require.EqualValues(t, 800, closed.Load(), "and its connection is closed")
		t.Logf("800 trickling clients answered and closed in %s", time.Since(begin).Round(time.Millisecond))
	})
}

// startIntake starts a second alert front (no worker) on fb's Temporal with the given HTTP
// limits and returns its address.
func startIntake(t *testing.T, fb *firebreak, cfg *config.Config, limits service.HTTPLimits) string {
	t.Helper()
	svc, err := service.Start(context.Background(), service.Options{
		Client: fb.client, Namespace: fb.server.Namespace(), Config: cfg, HTTPAddr: "127.0.0.1:0",
		Telemetry: telemetry.New(nil), Alerts: true, HTTP: limits,
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Stop(ctx)
	})
	return svc.HTTPAddr()
}

// Slow clients are cut off by the server's timeouts, and signed requests that must be read to be
// authenticated take at most MaxUnauthenticated places: beyond them they are answered 503 at
// once, while requests authenticated by their headers go through.
func TestIntakeCutsOffSlowClients(t *testing.T) {
	cfg := intakeConfig(t)
	fb := startFirebreak(t, options{config: cfg})
	limits := service.HTTPLimits{ReadHeaderTimeout: 500 * time.Millisecond, ReadTimeout: 3 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Second, MaxUnauthenticated: 8}
	addr := startIntake(t, fb, cfg, limits)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	signedHead := fmt.Sprintf("POST /v1/alerts/generic HTTP/1.1\r\nHost: firebreak\r\nContent-Type: application/json\r\n"+
		"%s: %s\r\n%s: sha256=%s\r\nContent-Length: 60000\r\n\r\n{", notify.HeaderTimestamp, ts, notify.HeaderSignature, strings.Repeat("0", 64))

	// 100 clients trickle their headers, 100 their signed bodies, one byte every 100 ms.
	type slow struct {
		conn   net.Conn
		closed chan time.Duration
	}
	var clients []slow
	begin := time.Now()
	for i := range 200 {
		head := "POST /v1/alerts/generic HTTP/1.1\r\nHost: fire"
		if i%2 == 1 {
			head = signedHead
		}
		c := slow{conn: rawRequest(t, addr, head), closed: make(chan time.Duration, 1)}
		clients = append(clients, c)
		go func() {
			for {
				if _, err := c.conn.Write([]byte("b")); err != nil {
					c.closed <- time.Since(begin)
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		go func() {
			_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, _ = io.Copy(io.Discard, c.conn) // returns when the server closes the connection
			select {
			case c.closed <- time.Since(begin):
			default:
			}
		}()
	}

	// Meanwhile a signed request finds no place, and a request with a token goes through.
	signed := rawRequest(t, addr, signedHead)
	status, _ := answer(t, signed, 2*time.Second)
	require.Equal(t, http.StatusServiceUnavailable, status, "every place is held by a slow signed client")
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/alerts/generic", bytes.NewReader(fixture(t, "generic_firing.json")))
	require.NoError(t, err)
	req.Header = bearer(genericToken, "application/json")
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	var slowest time.Duration
	for i, c := range clients {
		select {
		case d := <-c.closed:
			slowest = max(slowest, d)
		case <-time.After(10 * time.Second):
			t.Fatalf("client %d was never cut off", i)
		}
	}
	require.Less(t, slowest, limits.ReadTimeout+5*time.Second, "every slow client is cut off soon after the read timeouts")
	t.Logf("200 slow clients cut off within %s", slowest.Round(time.Millisecond))
}
