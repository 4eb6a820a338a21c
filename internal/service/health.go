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
// answers, and who polls the task queue.
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
	// Workers is how many workers polled the task queue recently; absent when unknown.
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
// queue, looked up at most once per CacheFor.
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

// look asks Temporal whether it answers and who polls the task queue.
func (h *Health) look(ctx context.Context) (Report, int) {
	if _, err := h.opts.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return Report{Status: HealthDown, Temporal: HealthUnreachable, Problem: fmt.Sprintf("temporal unreachable: %v", err)},
			http.StatusServiceUnavailable
	}
	resp, err := h.opts.Temporal.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		// Temporal answers but will not say who polls: report it, but do not fail the process for
		// something it cannot fix (a missing permission, say).
		return Report{Status: HealthDegraded, Temporal: HealthOK,
			Problem: fmt.Sprintf("cannot tell whether a worker polls task queue %s: %v", workflows.TaskQueue, err)}, http.StatusOK
	}
	since := h.opts.Now().Add(-h.opts.PollerWindow)
	workers := map[string]bool{}
	for _, p := range resp.GetPollers() {
		if p.GetLastAccessTime() != nil && p.GetLastAccessTime().AsTime().After(since) {
			workers[p.GetIdentity()] = true
		}
	}
	n := len(workers)
	if n == 0 {
		code := http.StatusOK // the alert front still stores alerts in Temporal
		if h.opts.RequireWorker {
			code = http.StatusServiceUnavailable
		}
		return Report{Status: HealthDegraded, Temporal: HealthOK, Workers: &n,
			Problem: fmt.Sprintf("no worker is polling task queue %s: incidents will not page", workflows.TaskQueue)}, code
	}
	return Report{Status: HealthOK, Temporal: HealthOK, Workers: &n}, http.StatusOK
}

// ServeHTTP answers a health check with the report as JSON.
func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	report, code := h.Check(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(report) // the client went away
}
