package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/internal/service"
	"github.com/firebreak-dev/firebreak/internal/telemetry"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
	"github.com/firebreak-dev/firebreak/workflows"
)

// The secrets of the test webhooks, in the environment variables their notifiers name.
const (
	chatSecretEnv  = "FIREBREAK_TEST_CHAT_SECRET"
	pagerSecretEnv = "FIREBREAK_TEST_PAGER_SECRET"
	chatSecret     = "chat-secret"
	pagerSecret    = "pager-secret"
)

// pagingAckTimeout is the search service's acknowledgement timeout in these tests: longer than
// any test, so the ladder stays at level 1 and its deadline stays armed throughout.
const pagingAckTimeout = 2 * time.Minute

func TestAChatToolDownDoesNotDelayTheFirstPage(t *testing.T) {
	chat := newReceiver(t, []byte(chatSecret), func(delivery) int { return http.StatusServiceUnavailable })
	pager := newReceiver(t, []byte(pagerSecret), nil)
	fb := startFirebreak(t, options{config: pagingConfig(t, pager.URL(), chat.URL())})

	started := time.Now()
	fb.cli("incident", "start", "--service", "search", "--title", "Search is failing", "--impact", "customers=some", "--id", "chat-down-1")

	// The page does not wait for the channel, the messages or their retries.
	page := pager.waitForPage(t, 10*time.Second)
	require.Less(t, page.at.Sub(started), 2*time.Second, "first page arrived %s after the start", page.at.Sub(started))
	t.Logf("first page at the pager %s after the start", page.at.Sub(started).Round(time.Millisecond))

	// The channel and the message are retried a bounded number of times, then recorded as failed,
	// while the ladder stays armed.
	s := waitForState(t, fb, "chat-down-1", 30*time.Second, "failed entries for the channel and the message", func(s workflows.State) bool {
		return len(entries(s, "failed", "opening its channel failed")) > 0 && len(entries(s, "failed", "message via chat failed")) > 0
	})
	t.Logf("failures recorded %s after the start:\n%s", time.Since(started).Round(time.Millisecond),
		strings.Join(entries(s, "failed", ""), "\n"))
	require.Equal(t, incident.StatusTriggered, s.Status)
	require.Equal(t, 1, s.Level)
	require.NotNil(t, s.AckDeadline, "the ladder's acknowledgement deadline is armed")
	require.True(t, s.AckDeadline.After(time.Now()), "the ack deadline %s is still ahead", s.AckDeadline)
	require.Len(t, entries(s, "page", "paged "+page.recipient+" (discovery) via pager"), 1, timeline(s))
	require.Equal(t, 1, s.Metrics.PagesSent)

	// The channel announcement reached the chat tool once per attempt, five attempts in all; no
	// page went to it, since nobody uses it for pages.
	channelKey := "incident-chat-down-1/channels/chat"
	require.Len(t, chat.requests(channelKey), 5, "attempts at announcing the channel: %v", chat.keys())
	require.Empty(t, chat.pages(), "pages sent to the chat tool")
	require.Empty(t, chat.badSignatures())
	require.Len(t, pager.pages(), 1, "pages at the pager: %v", pager.pages())
	require.Equal(t, map[string]int{page.key: 1}, pager.deliveredPages())
	require.Empty(t, pager.badSignatures())
	t.Logf("the pager received the channel announcement %d times under one key",
		len(pager.requests("incident-chat-down-1/channels/pager")))
}

func TestAWorkerKilledMidPageDeliversItOnceWhenBack(t *testing.T) {
	inFlight := make(chan delivery, 1)
	release := make(chan struct{})
	var once sync.Once
	// The first page is held until the test releases it, then refused: that delivery failed.
	pager := newReceiver(t, []byte(pagerSecret), func(d delivery) int {
		if d.kind != notify.KindPage {
			return http.StatusOK
		}
		held := false
		once.Do(func() { held = true })
		if !held {
			return http.StatusOK
		}
		inFlight <- d
		<-release
		return http.StatusServiceUnavailable
	})
	cfg := pagingConfig(t, pager.URL(), "")
	fb := startServer(t)
	first := startWorker(t, fb, cfg)

	fb.cli("incident", "start", "--service", "search", "--title", "Search is down", "--impact", "customers=some", "--id", "killed-1")
	var held delivery
	select {
	case held = <-inFlight:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("no page reached the pager")
	}

	// Kill the worker while the page is in flight: from now on nothing it does reaches the server.
	first.kill(t)
	close(release)
	killed := time.Now()
	time.Sleep(3 * time.Second)

	restarted := time.Now()
	startWorker(t, fb, cfg)
	page := pager.waitForDelivered(t, held.key, 15*time.Second)
	require.Less(t, page.at.Sub(restarted), 5*time.Second, "the page arrived %s after the new worker started", page.at.Sub(restarted))
	t.Logf("held page at %s, worker killed, page delivered %s after the new worker started (%s after the kill)",
		held.at.Format("15:04:05.000"), page.at.Sub(restarted).Round(time.Millisecond), page.at.Sub(killed).Round(time.Millisecond))

	// Once the workflow has recorded the page, no attempt at it can still run.
	s := waitForState(t, fb, "killed-1", 20*time.Second, "the page recorded", func(s workflows.State) bool {
		return len(entries(s, "page", "paged ")) > 0
	})
	require.Len(t, entries(s, "page", "paged "+held.recipient+" (discovery) via pager"), 1, timeline(s))
	require.Equal(t, 1, s.Metrics.PagesSent)
	require.Equal(t, map[string]int{held.key: 1}, pager.deliveredPages(), "successful deliveries per idempotency key")
	require.Empty(t, pager.badSignatures())

	// The server learnt of the lost attempt only when it timed out, as after kill -9; the second
	// attempt delivered the page.
	h := fb.history("killed-1")
	var pageStarts []*historypb.ActivityTaskStartedEventAttributes
	for _, e := range h.GetEvents() {
		if a := e.GetActivityTaskStartedEventAttributes(); a != nil && pageActivity(h, a.GetScheduledEventId()) {
			pageStarts = append(pageStarts, a)
		}
	}
	require.Len(t, pageStarts, 1)
	require.Equal(t, int32(2), pageStarts[0].GetAttempt())
	require.Equal(t, enumspb.TIMEOUT_TYPE_START_TO_CLOSE, pageStarts[0].GetLastFailure().GetTimeoutFailureInfo().GetTimeoutType(),
		"the first attempt's failure: %v", pageStarts[0].GetLastFailure())
}

// pageActivity reports whether the event with an ID schedules PageContact.
func pageActivity(h *historypb.History, id int64) bool {
	for _, e := range h.GetEvents() {
		if e.GetEventId() == id {
			return e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "PageContact"
		}
	}
	return false
}

// pagingConfig returns the example configuration with a pager webhook that every person is paged
// through and, when chatURL is not empty, a chat webhook that only receives announcements.
func pagingConfig(t *testing.T, pagerURL, chatURL string) *config.Config {
	t.Setenv(pagerSecretEnv, pagerSecret)
	t.Setenv(chatSecretEnv, chatSecret)
	cfg := exampleWithAckTimeout(pagingAckTimeout)
	cfg.Notifiers = append(cfg.Notifiers, config.Notifier{ID: "pager", Type: config.NotifierTypeWebhook, URL: pagerURL, SecretEnv: pagerSecretEnv})
	if chatURL != "" {
		cfg.Notifiers = append(cfg.Notifiers, config.Notifier{ID: "chat", Type: config.NotifierTypeWebhook, URL: chatURL, SecretEnv: chatSecretEnv})
	}
	for i := range cfg.People {
		cfg.People[i].Notify = []string{"pager"}
	}
	return cfg
}

// delivery is one request a receiver answered.
type delivery struct {
	at        time.Time
	key       string
	kind      string
	recipient string
	status    int
	badSig    string // why the signature did not verify; empty when it did
}

// receiver is a webhook endpoint that checks each request's signature, answers it as told and
// records it with its arrival time.
type receiver struct {
	server *httptest.Server
	mu     sync.Mutex
	got    []delivery
	done   chan struct{} // signalled after each recorded request
}

// newReceiver starts a receiver; answer (nil: always 200) decides each status and may block.
func newReceiver(t *testing.T, secret []byte, answer func(delivery) int) *receiver {
	r := &receiver{done: make(chan struct{}, 1)}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		d := delivery{at: time.Now(), key: req.Header.Get(notify.HeaderIdempotencyKey)}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var m notify.Message
		if err := json.Unmarshal(body, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d.kind, d.recipient = m.Kind, m.Recipient
		if err := notify.VerifySignature(secret, req.Header.Get(notify.HeaderTimestamp), body, req.Header.Get(notify.HeaderSignature)); err != nil {
			d.badSig = err.Error()
		}
		if m.IdempotencyKey != d.key {
			d.badSig = fmt.Sprintf("header key %q, body key %q", d.key, m.IdempotencyKey)
		}
		d.status = http.StatusOK
		if d.badSig != "" {
			d.status = http.StatusUnauthorized
		} else if answer != nil {
			d.status = answer(d)
		}
		r.mu.Lock()
		r.got = append(r.got, d)
		r.mu.Unlock()
		select {
		case r.done <- struct{}{}:
		default:
		}
		w.WriteHeader(d.status)
	}))
	t.Cleanup(r.server.Close)
	return r
}

// URL returns the receiver's address.
func (r *receiver) URL() string { return r.server.URL }

func (r *receiver) all() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// pages returns the page requests, answered or not.
func (r *receiver) pages() []delivery {
	var out []delivery
	for _, d := range r.all() {
		if d.kind == notify.KindPage {
			out = append(out, d)
		}
	}
	return out
}

// deliveredPages counts the pages answered 2xx, by idempotency key.
func (r *receiver) deliveredPages() map[string]int {
	out := map[string]int{}
	for _, d := range r.pages() {
		if d.status >= 200 && d.status < 300 {
			out[d.key]++
		}
	}
	return out
}

// requests returns the requests with an idempotency key.
func (r *receiver) requests(key string) []delivery {
	var out []delivery
	for _, d := range r.all() {
		if d.key == key {
			out = append(out, d)
		}
	}
	return out
}

// keys lists the idempotency keys of the requests, in order of arrival.
func (r *receiver) keys() []string {
	var out []string
	for _, d := range r.all() {
		out = append(out, d.key)
	}
	return out
}

func (r *receiver) badSignatures() []string {
	var out []string
	for _, d := range r.all() {
		if d.badSig != "" {
			out = append(out, d.key+": "+d.badSig)
		}
	}
	return out
}

// waitForPage waits for the first page answered 2xx.
func (r *receiver) waitForPage(t *testing.T, timeout time.Duration) delivery {
	t.Helper()
	return r.waitFor(t, timeout, "a delivered page", func(d delivery) bool {
		return d.kind == notify.KindPage && d.status >= 200 && d.status < 300
	})
}

// waitForDelivered waits for the page with an idempotency key to be answered 2xx.
func (r *receiver) waitForDelivered(t *testing.T, key string, timeout time.Duration) delivery {
	t.Helper()
	return r.waitFor(t, timeout, "delivery of "+key, func(d delivery) bool {
		return d.kind == notify.KindPage && d.key == key && d.status >= 200 && d.status < 300
	})
}

func (r *receiver) waitFor(t *testing.T, timeout time.Duration, what string, match func(delivery) bool) delivery {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, d := range r.all() {
			if match(d) {
				return d
			}
		}
		select {
		case <-r.done:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %s within %s; requests: %v", what, timeout, r.keys())
		}
	}
}

// waitForState polls an incident's state until ok accepts it, and fails the test with the last
// timeline when that takes longer than timeout.
func waitForState(t *testing.T, fb *firebreak, key string, timeout time.Duration, what string, ok func(workflows.State) bool) workflows.State {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := fb.state(key)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s; timeline:\n%s", what, timeout, timeline(s))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// entries returns the texts of the timeline entries of a kind that contain part.
func entries(s workflows.State, kind, part string) []string {
	var out []string
	for _, e := range s.Timeline {
		if e.Kind == kind && strings.Contains(e.Text, part) {
			out = append(out, e.Text)
		}
	}
	return out
}

func timeline(s workflows.State) string {
	var b strings.Builder
	for _, e := range s.Timeline {
		fmt.Fprintf(&b, "  %s %-8s %s\n", e.At.Format("15:04:05.000"), e.Kind, e.Text)
	}
	return b.String()
}

// startServer starts the embedded server in memory with a client for the CLI and queries, and
// no worker: the test starts its own with startWorker.
func startServer(t *testing.T) *firebreak {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributes()})
	require.NoError(t, err)
	c, err := temporalconn.Dial(ctx, temporalconn.Options{Address: srv.FrontendAddress(), Namespace: srv.Namespace()},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() {
		c.Close()
		require.NoError(t, srv.Stop())
	})
	// No service: the harness's stop leaves the server to the cleanup above.
	return &firebreak{t: t, server: srv, client: c, console: &console{}}
}

// workerProcess is a Firebreak worker on its own connection to the server, as a separate
// process would be, so that it can be killed while the rest runs on.
type workerProcess struct {
	client  client.Client
	service *service.Service
	stopped bool
}

// startWorker starts a worker for fb's server; the test's cleanup drains it unless it was killed.
func startWorker(t *testing.T, fb *firebreak, cfg *config.Config) *workerProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tel := telemetry.New(nil)
	c, err := temporalconn.Dial(ctx, temporalconn.Options{
		Address: fb.server.FrontendAddress(), Namespace: fb.server.Namespace(), MetricsHandler: tel.MetricsHandler(),
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	svc, err := service.Start(ctx, service.Options{
		Client: c, Namespace: fb.server.Namespace(), Config: cfg, TrackingDir: t.TempDir(),
		HTTPAddr: "127.0.0.1:0", Telemetry: tel, Console: fb.console, Worker: true,
	})
	require.NoError(t, err)
	w := &workerProcess{client: c, service: svc}
	t.Cleanup(func() {
		if w.stopped {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, svc.Stop(ctx))
		c.Close()
	})
	return w
}

// kill stops the worker the way kill -9 would, as far as the server can tell: its connection
// closes first, so that no result, failure or heartbeat of a running activity is reported, and
// no task is polled. Its goroutines are stopped in the background once what runs returns.
func (w *workerProcess) kill(t *testing.T) {
	t.Helper()
	w.client.Close()
	w.stopped = true
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- w.service.Stop(ctx)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("the killed worker's goroutines did not stop")
		}
	})
}
