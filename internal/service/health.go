package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/workflows"
)

// Temporal is the part of the Temporal client the health check uses: whether the frontend
// answers, and who polls the task queues.
type Temporal interface {
	CheckHealth(ctx context.Context, req *client.CheckHealthRequest) (*client.CheckHealthResponse, error)
	DescribeTaskQueue(ctx context.Context, taskQueue string, taskQueueType enumspb.TaskQueueType) (*workflowservice.DescribeTaskQueueResponse, error)
}

// Health values of a Report.
const (
	HealthOK          = "ok"
	HealthDegraded    = "degraded"
	HealthDown        = "down"
	HealthUnreachable = "unreachable"
)

// Report is the /healthz answer.
type Report struct {
	// Status is ok, degraded (Temporal answers but something is missing) or down.
	Status string `json:"status"`
	// Temporal is ok or unreachable.
	Temporal string `json:"temporal"`
	// Workers is how many workers polled the firebreak task queue recently; absent when unknown.
	Workers *int `json:"workers,omitempty"`
	// Problem says what is wrong, for people.
	Problem string `json:"problem,omitempty"`
}

// HealthOptions configure a Health check. The zero value of every field but Temporal is a safe
// default.
type HealthOptions struct {
	Temporal Temporal
	// RequireWorker makes a task queue nobody polls a failure (503) rather than degraded (200): set
	// it for a process that runs a worker, whose own worker should be polling.
	RequireWorker bool
	// CacheFor is how long one look at Temporal answers every health check, so that checks cannot
	// flood the frontend; default 5 seconds.
	CacheFor time.Duration
	// PollerWindow is how recent a worker's last poll must be to count; default 90 seconds. A
	// poll refreshes the worker's access time when it starts and when it ends, and an idle poll
	// lasts up to a minute, so a live idle worker can look a minute old.
	PollerWindow time.Duration
	// Timeout bounds one look at Temporal; default 3 seconds.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Health answers /healthz: whether Temporal answers and whether a worker polls the firebreak task
// queue and the firebreak-runbooks one, looked up at most once per CacheFor.
type Health struct {
	opts HealthOptions

	mu     sync.Mutex
	report Report
	code   int
	at     time.Time
}

// NewHealth returns a health check with opts, filling in defaults.
func NewHealth(opts HealthOptions) *Health {
	if opts.CacheFor <= 0 {
		opts.CacheFor = 5 * time.Second
	}
	if opts.PollerWindow <= 0 {
		opts.PollerWindow = 90 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Health{opts: opts}
}

// Check returns the current report and its HTTP status code, from the cache when it is fresh.
// Concurrent callers share one look at Temporal.
func (h *Health) Check(ctx context.Context) (Report, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := h.opts.Now(); h.at.IsZero() || now.Sub(h.at) >= h.opts.CacheFor {
		// Not the caller's context: one impatient caller must not poison the cache for others.
		lookCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.opts.Timeout)
		h.report, h.code = h.look(lookCtx)
		cancel()
		h.at = now
	}
	return h.report, h.code
}

// look asks Temporal whether it answers and who polls the task queues.
func (h *Health) look(ctx context.Context) (Report, int) {
	if _, err := h.opts.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return Report{Status: HealthDown, Temporal: HealthUnreachable, Problem: fmt.Sprintf("temporal unreachable: %v", err)},
			http.StatusServiceUnavailable
	}
	n, err := h.workers(ctx, workflows.TaskQueue)
	if err != nil {
		return cannotTell(nil, workflows.TaskQueue, err)
	}
	if n == 0 {
		return h.noWorker(n, workflows.TaskQueue, "incidents will not page")
	}
	runbookWorkers, err := h.workers(ctx, workflows.RunbookTaskQueue)
	if err != nil {
		return cannotTell(&n, workflows.RunbookTaskQueue, err)
	}
	if runbookWorkers == 0 {
		return h.noWorker(n, workflows.RunbookTaskQueue, "runbooks will not run")
	}
	return Report{Status: HealthOK, Temporal: HealthOK, Workers: &n}, http.StatusOK
}

// workers counts the workers that polled a task queue within the poller window.
func (h *Health) workers(ctx context.Context, queue string) (int, error) {
	resp, err := h.opts.Temporal.DescribeTaskQueue(ctx, queue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return 0, err
	}
	since := h.opts.Now().Add(-h.opts.PollerWindow)
	workers := map[string]bool{}
	for _, p := range resp.GetPollers() {
		if p.GetLastAccessTime() != nil && p.GetLastAccessTime().AsTime().After(since) {
			workers[p.GetIdentity()] = true
		}
	}
	return len(workers), nil
}

// cannotTell reports that Temporal answers but will not say who polls a queue: degraded, but
// not a failure of the process, which cannot fix it (a missing permission, say).
func cannotTell(workers *int, queue string, err error) (Report, int) {
	return Report{Status: HealthDegraded, Temporal: HealthOK, Workers: workers,
		Problem: fmt.Sprintf("cannot tell whether a worker polls task queue %s: %v", queue, err)}, http.StatusOK
}

// noWorker reports a queue nobody polls, with what that means: degraded, and a failure for a
// process that runs a worker (whose own should be polling). An alert front answers 200 all the
// same, since it still stores alerts in Temporal.
func (h *Health) noWorker(workers int, queue, consequence string) (Report, int) {
	code := http.StatusOK
	if h.opts.RequireWorker {
		code = http.StatusServiceUnavailable
	}
	return Report{Status: HealthDegraded, Temporal: HealthOK, Workers: &workers,
		Problem: fmt.Sprintf("no worker is polling task queue %s: %s", queue, consequence)}, code
}

// ServeHTTP answers a health check with the report as JSON.
func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	report, code := h.Check(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(report) // the client went away
}
