package service_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/firebreak-dev/firebreak/internal/service"
)

// fakeTemporal answers the health check's questions and counts how often it was asked. Every
// task queue has pollers and queueErr, unless byQueue or errByQueue says otherwise for it.
type fakeTemporal struct {
	mu         sync.Mutex
	healthErr  error
	pollers    []*taskqueuepb.PollerInfo
	queueErr   error
	byQueue    map[string][]*taskqueuepb.PollerInfo
	errByQueue map[string]error
	describes  int
	queues     []string
	queueTypes []enumspb.TaskQueueType
}

func (f *fakeTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &client.CheckHealthResponse{}, f.healthErr
}

func (f *fakeTemporal) DescribeTaskQueue(_ context.Context, queue string, queueType enumspb.TaskQueueType) (*workflowservice.DescribeTaskQueueResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.describes++
	f.queues, f.queueTypes = append(f.queues, queue), append(f.queueTypes, queueType)
	pollers, err := f.pollers, f.queueErr
	if p, ok := f.byQueue[queue]; ok {
		pollers = p
	}
	if e, ok := f.errByQueue[queue]; ok {
		err = e
	}
	return &workflowservice.DescribeTaskQueueResponse{Pollers: pollers}, err
}

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func poller(identity string, ago time.Duration) *taskqueuepb.PollerInfo {
	return &taskqueuepb.PollerInfo{Identity: identity, LastAccessTime: timestamppb.New(now.Add(-ago))}
}

func TestHealth(t *testing.T) {
	cases := []struct {
		name          string
		temporal      *fakeTemporal
		requireWorker bool
		wantCode      int
		wantBody      string
	}{
		{
			name:     "workers polling",
			temporal: &fakeTemporal{pollers: []*taskqueuepb.PollerInfo{poller("1@a@", time.Second), poller("2@b@", 50*time.Second)}},
			wantCode: http.StatusOK,
			wantBody: `{"status":"ok","temporal":"ok","workers":2}`,
		},
		{
			name:          "worker process whose worker polls",
			temporal:      &fakeTemporal{pollers: []*taskqueuepb.PollerInfo{poller("1@a@", time.Second)}},
			requireWorker: true,
			wantCode:      http.StatusOK,
			wantBody:      `{"status":"ok","temporal":"ok","workers":1}`,
		},
		{
			name:     "alert front with no worker answers but is degraded",
			temporal: &fakeTemporal{},
			wantCode: http.StatusOK,
			wantBody: `{"status":"degraded","temporal":"ok","workers":0,"problem":"no worker is polling task queue firebreak: incidents will not page"}`,
		},
		{
			name:          "worker process with no poller fails",
			temporal:      &fakeTemporal{},
			requireWorker: true,
			wantCode:      http.StatusServiceUnavailable,
			wantBody:      `{"status":"degraded","temporal":"ok","workers":0,"problem":"no worker is polling task queue firebreak: incidents will not page"}`,
		},
		{
			name:     "pollers not seen recently do not count",
			temporal: &fakeTemporal{pollers: []*taskqueuepb.PollerInfo{poller("1@a@", 3*time.Minute), {Identity: "2@b@"}}},
			wantCode: http.StatusOK,
			wantBody: `{"status":"degraded","temporal":"ok","workers":0,"problem":"no worker is polling task queue firebreak: incidents will not page"}`,
		},
		{
			name: "no worker on the runbook queue",
			temporal: &fakeTemporal{pollers: []*taskqueuepb.PollerInfo{poller("1@a@", time.Second)},
				byQueue: map[string][]*taskqueuepb.PollerInfo{"firebreak-runbooks": nil}},
			wantCode: http.StatusOK,
			wantBody: `{"status":"degraded","temporal":"ok","workers":1,"problem":"no worker is polling task queue firebreak-runbooks: runbooks will not run"}`,
		},
		{
			name: "worker process whose runbook worker does not poll fails",
			temporal: &fakeTemporal{pollers: []*taskqueuepb.PollerInfo{poller("1@a@", time.Second)},
				byQueue: map[string][]*taskqueuepb.PollerInfo{"firebreak-runbooks": {poller("1@a@", 3*time.Minute)}}},
			requireWorker: true,
			wantCode:      http.StatusServiceUnavailable,
			wantBody:      `{"status":"degraded","temporal":"ok","workers":1,"problem":"no worker is polling task queue firebreak-runbooks: runbooks will not run"}`,
		},
		{
			name: "runbook queue cannot be described",
			temporal: &fakeTemporal{pollers: []*taskqueuepb.PollerInfo{poller("1@a@", time.Second)},
				errByQueue: map[string]error{"firebreak-runbooks": errors.New("permission denied")}},
			requireWorker: true,
			wantCode:      http.StatusOK,
			wantBody:      `{"status":"degraded","temporal":"ok","workers":1,"problem":"cannot tell whether a worker polls task queue firebreak-runbooks: permission denied"}`,
		},
		{
			name:     "temporal unreachable",
			temporal: &fakeTemporal{healthErr: errors.New("connection refused")},
			wantCode: http.StatusServiceUnavailable,
			wantBody: `{"status":"down","temporal":"unreachable","problem":"temporal unreachable: connection refused"}`,
		},
		{
			name:          "task queue cannot be described",
			temporal:      &fakeTemporal{queueErr: errors.New("permission denied")},
			requireWorker: true,
			wantCode:      http.StatusOK,
			wantBody:      `{"status":"degraded","temporal":"ok","problem":"cannot tell whether a worker polls task queue firebreak: permission denied"}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := service.NewHealth(service.HealthOptions{Temporal: c.temporal, RequireWorker: c.requireWorker,
				Now: func() time.Time { return now }})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			require.Equal(t, c.wantCode, rec.Code)
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			require.JSONEq(t, c.wantBody, rec.Body.String())
			if c.temporal.describes > 0 {
				// The incidents' queue first; the runbooks' only when the first has a worker.
				require.Equal(t, []string{"firebreak", "firebreak-runbooks"}[:c.temporal.describes], c.temporal.queues)
				for _, qt := range c.temporal.queueTypes {
					require.Equal(t, enumspb.TASK_QUEUE_TYPE_WORKFLOW, qt)
				}
			}
		})
	}
}

func TestHealthCachesTemporalsAnswer(t *testing.T) {
	clock := now
	temporal := &fakeTemporal{}
	h := service.NewHealth(service.HealthOptions{Temporal: temporal, CacheFor: 5 * time.Second,
		Now: func() time.Time { return clock }})

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			report, code := h.Check(context.Background())
			assert.Equal(t, service.HealthDegraded, report.Status)
			assert.Equal(t, http.StatusOK, code)
		})
	}
	wg.Wait()
	require.Equal(t, 1, temporal.describes, "fifty checks at once ask Temporal once")

	temporal.mu.Lock()
	temporal.pollers = []*taskqueuepb.PollerInfo{poller("1@a@", 0)}
	temporal.mu.Unlock()
	clock = clock.Add(4 * time.Second)
	report, _ := h.Check(context.Background())
	require.Equal(t, service.HealthDegraded, report.Status, "still the cached answer")
	require.Equal(t, 1, temporal.describes)

	clock = clock.Add(time.Second)
	report, _ = h.Check(context.Background())
	require.Equal(t, service.HealthOK, report.Status, "a fresh look once the cache is stale")
	require.Equal(t, 3, temporal.describes, "the fresh look asked about both task queues")
}

func TestHandler(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "firebreak_up 1\n") })
	health := service.NewHealth(service.HealthOptions{Temporal: &fakeTemporal{pollers: []*taskqueuepb.PollerInfo{poller("1@a@", 0)}},
		Now: func() time.Time { return now }})
	cases := []struct {
		name, method, path string
		wantCode           int
		wantBody           string
	}{
		{"health", http.MethodGet, "/healthz", http.StatusOK, `{"status":"ok","temporal":"ok","workers":1}` + "\n"},
		{"metrics", http.MethodGet, "/metrics", http.StatusOK, "firebreak_up 1\n"},
		{"wrong method", http.MethodPost, "/healthz", http.StatusMethodNotAllowed, ""},
		{"unknown path", http.MethodGet, "/nope", http.StatusNotFound, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			service.NewHandler(health, metrics).ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
			require.Equal(t, c.wantCode, rec.Code)
			if c.wantBody != "" {
				require.Equal(t, c.wantBody, rec.Body.String())
			}
		})
	}
}
