package activities_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/worker"
)

var secret = []byte("test-secret")

// pager is a webhook receiver that verifies signatures and honours idempotency keys.
type pager struct {
	mu        sync.Mutex
	requests  int
	delivered []notify.Message
	seen      map[string]bool
	failNext  int // answer 503 to this many requests first
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	if r.Method != http.MethodPost || r.URL.Path != "/pages" {
		http.Error(w, "wrong method or path", http.StatusNotFound)
		return
	}
	if err := notify.VerifySignature(secret, r.Header.Get(notify.HeaderTimestamp), body, r.Header.Get(notify.HeaderSignature)); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if p.failNext > 0 {
		p.failNext--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	key := r.Header.Get(notify.HeaderIdempotencyKey)
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	var m notify.Message
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.delivered = append(p.delivered, m)
}

func newActivities(t *testing.T, receiver *pager) *activities.Activities {
	t.Helper()
	srv := httptest.NewServer(receiver)
	t.Cleanup(srv.Close)
	hook, err := notify.NewWebhook(notify.WebhookConfig{URL: srv.URL + "/pages", Secret: secret})
	require.NoError(t, err)
	cfg := configtest.Organisation()
	for i := range cfg.People {
		cfg.People[i].Notify = []string{"pager"}
	}
	bundle, err := policies.Embedded()
	require.NoError(t, err)
	evaluator, err := policies.NewEvaluator(context.Background(), bundle)
	require.NoError(t, err)
	return &activities.Activities{
		Directory:    worker.Directory{Config: cfg},
		Policies:     evaluator,
		WorkingHours: worker.WorkingHours{Config: cfg},
		UIURL:        cfg.UIURL,
		Bridge:       cfg.Bridge,
		Notifiers:    map[string]notify.Notifier{"pager": hook},
		Tracker:      activities.FileTracker{Dir: t.TempDir()},
		Now:          func() time.Time { return time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC) },
	}
}

func TestPageRespondersThroughASignedWebhook(t *testing.T) {
	receiver := &pager{seen: map[string]bool{}}
	a := newActivities(t, receiver)
	req := activities.PageRequest{
		WorkflowID: "incident-x", Step: "engagement-1/round-0/level-2", Severity: incident.Sev2, Subject: "[sev2] x (level 2 of 3)",
		Targets: []incident.Target{{Team: "discovery"}, {Team: "platform"}, {Person: "ana"}, {Team: "nobody"}},
		Reason:  "nobody acknowledged level 1",
	}
	result, err := a.PageResponders(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, []activities.Paged{{Person: "ana", Team: "discovery"}, {Person: "lena", Team: "platform"}}, result.Paged,
		"ana is on call for discovery and named too: paged once")
	require.Equal(t, []string{`team "nobody" is not in the configuration`}, result.Unreachable)

	// A retried activity sends the same idempotency keys: the receiver delivers nothing twice.
	_, err = a.PageResponders(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, 4, receiver.requests)
	require.Len(t, receiver.delivered, 2)
	require.Equal(t, "incident-x/engagement-1/round-0/level-2/ana/pager", receiver.delivered[0].IdempotencyKey)
	require.Equal(t, "[sev2] x (level 2 of 3)", receiver.delivered[0].Subject)
}

func TestPageRespondersRetriesWhenTheReceiverIsDown(t *testing.T) {
	receiver := &pager{seen: map[string]bool{}, failNext: 1}
	a := newActivities(t, receiver)
	req := activities.PageRequest{WorkflowID: "incident-y", Step: "s", Severity: incident.Sev1, Subject: "s", Targets: []incident.Target{{Person: "ana"}}}
	_, err := a.PageResponders(context.Background(), req)
	require.ErrorContains(t, err, "503", "a 503 is worth retrying: the activity fails and Temporal retries it")
	_, err = a.PageResponders(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, receiver.delivered, 1)
}

func TestDecideEngagementAppliesServiceTimeoutAndWorkingHours(t *testing.T) {
	a := newActivities(t, &pager{seen: map[string]bool{}})
	saturday := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	a.Now = func() time.Time { return saturday }
	plan, err := a.DecideEngagement(context.Background(), activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev3})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{5 * time.Minute, 5 * time.Minute}, plan.AckTimeouts, "checkout's ack_timeout replaces the policy's")
	require.NotNil(t, plan.DeferUntil)
	require.Equal(t, time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), plan.DeferUntil.UTC(), "Monday 09:00 in Rome")
	require.Equal(t, [][]incident.Target{{{Team: "payments"}}, {{Team: "payments"}, {Team: "platform"}}}, plan.Tiers)
	require.NotEmpty(t, plan.PolicyRevision)
}

func TestAssessSeverityRecordsItsInput(t *testing.T) {
	a := newActivities(t, &pager{seen: map[string]bool{}})
	d, err := a.AssessSeverity(context.Background(), activities.SeverityRequest{Service: "checkout", Impact: incident.Impact{CustomersAffected: "all"}})
	require.NoError(t, err)
	require.Equal(t, incident.Sev1, d.Severity)
	require.Equal(t, map[string]any{"customers_affected": "all"}, d.Input["impact"])
	require.Equal(t, a.Policies.Revision(), d.PolicyRevision)
}
