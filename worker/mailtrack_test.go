package worker_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/worker"
)

// mailbox is a real SMTP relay (emersion/go-smtp) on a loopback port that keeps what it gets.
type mailbox struct {
	mu   sync.Mutex
	got  []received
	addr string
}

type received struct {
	to   []string
	data string
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: m}, nil }

func (m *mailbox) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.got...)
}

type mailSession struct {
	box *mailbox
	to  []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	s.box.mu.Lock()
	s.box.got = append(s.box.got, received{to: s.to, data: string(data)})
	s.box.mu.Unlock()
	return err
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	box := &mailbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "relay.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	box.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box
}

// hookStatus answers the webhook notifier with the next status of a script, then 200.
type hookStatus struct {
	mu     sync.Mutex
	script []int
	keys   []string
}

func (h *hookStatus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keys = append(h.keys, r.Header.Get("Idempotency-Key"))
	status := http.StatusOK
	if len(h.script) > 0 {
		status, h.script = h.script[0], h.script[1:]
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
}

func mailConfig(t *testing.T, relay, hook string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("firebreak.yaml", []byte(`organisation: Test Corp
people:
  - id: alice
    name: Alice Rossi
    email: alice@example.com
    notify: [mail]
teams:
  - id: payments
    rotation: {start: 2025-01-06T09:00:00Z, shift: 168h, members: [alice]}
services:
  - id: checkout
    name: Checkout
    team: payments
notifiers:
  - id: mail
    type: email
    email: {smtp: "`+relay+`", from: "Firebreak <firebreak@example.com>", starttls: "off", timeout: 5s}
  - id: hook
    type: webhook
    url: `+hook+`
    secret: test-secret
stakeholders:
  - name: checkout-leads
    services: [checkout]
    addresses: [leads@example.com]
`))
	require.NoError(t, err)
	return cfg
}

func TestEmailNotifierFromTheConfiguration(t *testing.T) {
	box := startMailbox(t)
	hook := &hookStatus{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	acts, err := worker.NewActivities(worker.Settings{Config: mailConfig(t, box.addr, srv.URL), Registry: prometheus.NewRegistry(),
		TrackingDir: t.TempDir(), Console: io.Discard})
	require.NoError(t, err)

	err = acts.PageContact(context.Background(), activities.ContactRequest{
		WorkflowID: "incident-checkout-x7k2mp", Step: "engage-1", Person: "alice", Method: "mail",
		Severity: incident.Sev1, Subject: "[sev1] Checkout down", Reason: "error rate 40%",
	})
	require.NoError(t, err)
	got := box.messages()
	require.Len(t, got, 1)
	require.Equal(t, []string{"alice@example.com"}, got[0].to)
	msg, err := mail.ReadMessage(strings.NewReader(got[0].data))
	require.NoError(t, err)
	require.Equal(t, `"Alice Rossi" <alice@example.com>`, msg.Header.Get("To"))
	require.Equal(t, "[sev1] Checkout down", msg.Header.Get("Subject"))
}

// A 429 from one notifier fails the broadcast, and the retry sends the stakeholders' e-mail
// no second time.
func TestRetriedUpdateAfterA429SendsOneEmail(t *testing.T) {
	box := startMailbox(t)
	hook := &hookStatus{script: []int{http.StatusTooManyRequests}}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	acts, err := worker.NewActivities(worker.Settings{Config: mailConfig(t, box.addr, srv.URL), Registry: prometheus.NewRegistry(),
		TrackingDir: t.TempDir(), Console: io.Discard})
	require.NoError(t, err)

	req := activities.CommunicateRequest{
		WorkflowID: "incident-checkout-x7k2mp", Stage: activities.StageInvestigating, Service: "checkout",
		Title: "Checkout 5xx", Severity: incident.Sev2, StartedAt: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC),
		Audience: incident.AudienceInternal,
	}
	_, err = acts.Communicate(context.Background(), req)
	require.ErrorContains(t, err, "429")
	_, err = acts.Communicate(context.Background(), req)
	require.NoError(t, err)

	got := box.messages()
	require.Len(t, got, 1, "one e-mail to the stakeholders")
	require.Equal(t, []string{"leads@example.com"}, got[0].to)
	msg, err := mail.ReadMessage(strings.NewReader(got[0].data))
	require.NoError(t, err)
	require.Equal(t, "internal", msg.Header.Get("X-Firebreak-Audience"))
	require.Equal(t, "checkout", msg.Header.Get("X-Firebreak-Service"))
	require.Equal(t, []string{"incident-checkout-x7k2mp/communicate/investigating/internal/hook",
		"incident-checkout-x7k2mp/communicate/investigating/internal/hook"}, hook.keys,
		"the webhook's receiver sees the same key twice and keeps one")
}

func TestTrackerFromTheConfiguration(t *testing.T) {
	cfg := mailConfig(t, "127.0.0.1:25", "https://hooks.example.com/x")
	acts, err := worker.NewActivities(worker.Settings{Config: cfg, Registry: prometheus.NewRegistry(), TrackingDir: t.TempDir()})
	require.NoError(t, err)
	require.Equal(t, "file", acts.Tracker.System(), "without tracking.github, the local log")

	cfg.Tracking.GitHub = &config.GitHubTracking{Repository: "example/incidents", TokenEnv: "FIREBREAK_TEST_TRACKING_TOKEN",
		BaseURL: "https://github.example.com/api/v3/", Label: "incident", Timeout: config.Duration(time.Second)}
	_, err = worker.NewActivities(worker.Settings{Config: cfg, Registry: prometheus.NewRegistry()})
	require.EqualError(t, err, "tracking: environment variable FIREBREAK_TEST_TRACKING_TOKEN is empty")

	t.Setenv("FIREBREAK_TEST_TRACKING_TOKEN", "ghp_x")
	acts, err = worker.NewActivities(worker.Settings{Config: cfg, Registry: prometheus.NewRegistry()})
	require.NoError(t, err)
	require.Equal(t, "github", acts.Tracker.System())
}
