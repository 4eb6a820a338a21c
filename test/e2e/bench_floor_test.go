package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/workflows"
)

// The floor: the least any design that pages from an activity can take on this server. A bare
// workflow on its own task queue takes the signal of its signal-with-start in its first workflow
// task and schedules one activity, which notes when it started.
const (
	floorTaskQueue    = "bench-floor"
	floorWorkflowName = "BenchFloor"
	floorActivityName = "BenchFloorStarted"
)

// startFloorWorker registers the floor's workflow and activity on their own task queue of fb's
// server; each activity start is noted in started under the workflow ID it is given.
func startFloorWorker(b *testing.B, fb *firebreak, started *arrivals) {
	w := worker.New(fb.client, floorTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(floorWorkflow, workflow.RegisterOptions{Name: floorWorkflowName})
	w.RegisterActivityWithOptions(func(_ context.Context, id string) error {
		started.note(id, time.Now())
		return nil
	}, activity.RegisterOptions{Name: floorActivityName})
	require.NoError(b, w.Start())
	b.Cleanup(w.Stop)
}

// floorWorkflow takes its signal and runs one activity.
func floorWorkflow(ctx workflow.Context, id string) error {
	var batch workflows.AlertBatch
	workflow.GetSignalChannel(ctx, workflows.SignalAlerts).ReceiveAsync(&batch)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, floorActivityName, id).Get(ctx, nil)
}

// floorSample makes one signal-with-start of the floor workflow, with a one-alert batch like an
// alert's, and returns the time from just before the call to the start of its activity.
func floorSample(b *testing.B, fb *firebreak, started *arrivals, id string) time.Duration {
	signal := workflows.AlertBatch{Alerts: []incident.Alert{{Source: "generic", Fingerprint: id, GroupKey: id, Status: "firing", Title: "Floor"}}}
	begin := time.Now()
	_, err := fb.client.SignalWithStartWorkflow(context.Background(), id, workflows.SignalAlerts, signal,
		client.StartWorkflowOptions{ID: id, TaskQueue: floorTaskQueue}, floorWorkflowName, id)
	require.NoError(b, err)
	at, err := started.wait(id, 30*time.Second)
	require.NoError(b, err)
	return at.Sub(begin)
}

// arrivals notes the first time something arrived for each ID and lets callers wait for it.
type arrivals struct {
	mu      sync.Mutex
	first   map[string]time.Time
	waiting map[string]chan struct{}
}

func newArrivals() *arrivals {
	return &arrivals{first: map[string]time.Time{}, waiting: map[string]chan struct{}{}}
}

// note records an arrival for id at a time; only the first counts.
func (a *arrivals) note(id string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.first[id]; ok {
		return
	}
	a.first[id] = at
	if ch, ok := a.waiting[id]; ok {
		close(ch)
		delete(a.waiting, id)
	}
}

// wait returns the time of the first arrival for id, waiting up to timeout for it.
func (a *arrivals) wait(id string, timeout time.Duration) (time.Time, error) {
	a.mu.Lock()
	if at, ok := a.first[id]; ok {
		a.mu.Unlock()
		return at, nil
	}
	ch, ok := a.waiting[id]
	if !ok {
		ch = make(chan struct{})
		a.waiting[id] = ch
	}
	a.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(timeout):
		return time.Time{}, fmt.Errorf("nothing for %s within %s", id, timeout)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.first[id], nil
}

// pageReceiver is the pager's webhook endpoint: it notes when the first page for each incident
// (by workflow ID) reaches it, before reading the body, and answers 200.
func pageReceiver(b *testing.B, pages *arrivals) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now()
		var m notify.Message
		if err := json.NewDecoder(req.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if m.Kind == notify.KindPage {
			pages.note(m.IncidentID, at)
		}
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// firstPageConfig is the alert configuration with every person paged through a webhook to
// pagerURL and acknowledgement deadlines longer than the benchmark, so only first pages happen.
func firstPageConfig(b *testing.B, pagerURL string) *config.Config {
	b.Setenv(pagerSecretEnv, pagerSecret)
	cfg := alertConfig(b)
	for i := range cfg.Services {
		cfg.Services[i].AckTimeout = config.Duration(time.Hour)
	}
	cfg.Notifiers = append(cfg.Notifiers, config.Notifier{ID: "pager", Type: config.NotifierTypeWebhook, URL: pagerURL, SecretEnv: pagerSecretEnv})
	for i := range cfg.People {
		cfg.People[i].Notify = []string{"pager"}
	}
	return cfg
}

// percentiles sorts latencies and returns their p50 and p99 in milliseconds.
func percentiles(latencies []time.Duration) (p50, p99 float64) {
	slices.Sort(latencies)
	return ms(latencies[len(latencies)/2]), ms(latencies[len(latencies)*99/100])
}

// openingTimeline lists an incident's history events up to the start of its first PageContact
// activity (at most 60), each with its time after from in milliseconds: where a slow first page
// waited.
func openingTimeline(h *historypb.History, from time.Time) string {
	var out []string
	for _, e := range h.GetEvents() {
		name := strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_")
		out = append(out, fmt.Sprintf("%s +%.0f", name, ms(e.GetEventTime().AsTime().Sub(from))))
		if len(out) == 60 || e.GetActivityTaskStartedEventAttributes() != nil && pageActivity(h, e.GetActivityTaskStartedEventAttributes().GetScheduledEventId()) {
			break
		}
	}
	return strings.Join(out, ", ")
}
