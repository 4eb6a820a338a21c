package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/test/bench"
)

// startFloorWorker starts the floor's worker (bench.StartFloorWorker: a bare workflow whose first
// workflow task starts one activity, the least any design that pages from an activity can take)
// on fb's server; each activity start is noted in started under the workflow ID it is given.
func startFloorWorker(b *testing.B, fb *firebreak, started *arrivals) {
	w, err := bench.StartFloorWorker(fb.client, started.Arrivals)
	require.NoError(b, err)
	b.Cleanup(w.Stop)
}

// floorSample makes one signal-with-start of the floor workflow, with a one-alert batch like an
// alert's, and returns the time from just before the call to the start of its activity.
func floorSample(b *testing.B, fb *firebreak, started *arrivals, id string) time.Duration {
	d, err := bench.FloorSample(context.Background(), fb.client, started.Arrivals, id, 30*time.Second)
	require.NoError(b, err)
	return d
}

// arrivals is bench.Arrivals under the names this package's benchmarks use.
type arrivals struct{ *bench.Arrivals }

func newArrivals() *arrivals { return &arrivals{bench.NewArrivals()} }

// note records an arrival for id at a time; only the first counts.
func (a *arrivals) note(id string, at time.Time) { a.Note(id, at) }

// wait returns the time of the first arrival for id, waiting up to timeout for it.
func (a *arrivals) wait(id string, timeout time.Duration) (time.Time, error) {
	return a.Wait(id, timeout)
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

// percentiles returns the p50 and p99 of latencies in milliseconds (bench.Percentiles).
func percentiles(latencies []time.Duration) (p50, p99 float64) { return bench.Percentiles(latencies) }

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
