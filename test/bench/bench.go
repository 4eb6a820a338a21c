// Package bench holds what Firebreak's benchmarks measure with on any Temporal server: the floor
// (a bare signal-with-start whose first workflow task starts one activity, the least any design
// that pages from an activity can take), the raw signal-with-start rate an alert intake is
// compared with, bursts from concurrent senders, arrival times noted by ID, and percentiles.
// The embedded server's benchmarks (test/e2e) and the production topology's (test/cluster) use
// it, so that their figures are measured the same way.
package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// The floor's workflow and activity run on a task queue of their own.
const (
	FloorTaskQueue    = "bench-floor"
	FloorWorkflowName = "BenchFloor"
	FloorActivityName = "BenchFloorStarted"
)

// StartFloorWorker starts a worker of the floor's workflow and activity on cl's server; each
// activity start is noted in started under the workflow ID it is given. The caller stops the
// worker.
func StartFloorWorker(cl client.Client, started *Arrivals) (worker.Worker, error) {
	w := worker.New(cl, FloorTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(floorWorkflow, workflow.RegisterOptions{Name: FloorWorkflowName})
	w.RegisterActivityWithOptions(func(_ context.Context, id string) error {
		started.Note(id, time.Now())
		return nil
	}, activity.RegisterOptions{Name: FloorActivityName})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start the floor's worker: %w", err)
	}
	return w, nil
}

// floorWorkflow takes its signal and runs one activity.
func floorWorkflow(ctx workflow.Context, id string) error {
	var batch workflows.AlertBatch
	workflow.GetSignalChannel(ctx, workflows.SignalAlerts).ReceiveAsync(&batch)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, FloorActivityName, id).Get(ctx, nil)
}

// FloorSample makes one signal-with-start of the floor workflow, with a one-alert batch like an
// alert's, and returns the time from just before the call to the start of its activity, which
// it waits up to timeout for.
func FloorSample(ctx context.Context, cl client.Client, started *Arrivals, id string, timeout time.Duration) (time.Duration, error) {
	signal := workflows.AlertBatch{Alerts: []incident.Alert{{Source: "generic", Fingerprint: id, GroupKey: id, Status: "firing", Title: "Floor"}}}
	begin := time.Now()
	_, err := cl.SignalWithStartWorkflow(ctx, id, workflows.SignalAlerts, signal,
		client.StartWorkflowOptions{ID: id, TaskQueue: FloorTaskQueue}, FloorWorkflowName, id)
	if err != nil {
		return 0, fmt.Errorf("signal-with-start the floor workflow %s: %w", id, err)
	}
	at, err := started.Wait(id, timeout)
	if err != nil {
		return 0, err
	}
	return at.Sub(begin), nil
}

// Burst calls send for i = 0 … n-1 from senders goroutines at once, each taking the next i,
// and returns how long it took. The first error stops every sender and is returned.
func Burst(n, senders int, send func(i int) error) (time.Duration, error) {
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, senders)
	begin := time.Now()
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && !failed.Load(); i = int(next.Add(1)) - 1 {
				if err := send(i); err != nil {
					errs[s] = err
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(begin), errors.Join(errs...)
}

// RawSignalWithStartRate makes n signal-with-start calls of the incident workflow straight
// through the SDK, as the alert intake does but with nothing around them, one alert per call
// from senders goroutines, and returns calls per second. alert(i) is the i-th call's alert; its
// GroupKey is the incident's key, its service the incident's.
func RawSignalWithStartRate(ctx context.Context, cl client.Client, n, senders int, service string, alert func(i int) incident.Alert) (float64, error) {
	took, err := Burst(n, senders, func(i int) error {
		a := alert(i)
		id := workflows.WorkflowID(a.GroupKey)
		_, err := cl.SignalWithStartWorkflow(ctx, id, workflows.SignalAlerts, workflows.AlertBatch{Alerts: []incident.Alert{a}},
			client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
			workflows.IncidentWorkflowName, workflows.IncidentInput{Key: a.GroupKey, Source: a.Source, Service: service, Title: a.Title,
				Impact: incident.Impact{CustomersAffected: "some"}})
		if err != nil {
			return fmt.Errorf("signal-with-start %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return float64(n) / took.Seconds(), nil
}

// Arrivals notes the first time something arrived for each ID and lets callers wait for it.
// It is safe for concurrent use.
type Arrivals struct {
	mu      sync.Mutex
	first   map[string]time.Time
	waiting map[string]chan struct{}
}

// NewArrivals returns an empty Arrivals.
func NewArrivals() *Arrivals {
	return &Arrivals{first: map[string]time.Time{}, waiting: map[string]chan struct{}{}}
}

// Note records an arrival for id at a time; only the first counts.
func (a *Arrivals) Note(id string, at time.Time) {
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

// Wait returns the time of the first arrival for id, waiting up to timeout for it.
func (a *Arrivals) Wait(id string, timeout time.Duration) (time.Time, error) {
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

// Percentiles returns the p50 and p99 of latencies in milliseconds (the elements at len/2 and
// len·99/100 once sorted); latencies is left as it was.
func Percentiles(latencies []time.Duration) (p50, p99 float64) {
	s := slices.Clone(latencies)
	slices.Sort(s)
	return Ms(s[len(s)/2]), Ms(s[len(s)*99/100])
}

// Ms is a duration in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Interval is a span of time, From before To.
type Interval struct{ From, To time.Time }

// Covered returns how much of [from, to] at least one of intervals covers: overlapping
// intervals count once. It is how long some outside call was in progress within a measured span.
func Covered(intervals []Interval, from, to time.Time) time.Duration {
	clipped := make([]Interval, 0, len(intervals))
	for _, iv := range intervals {
		if iv.From.Before(from) {
			iv.From = from
		}
		if iv.To.After(to) {
			iv.To = to
		}
		if iv.To.After(iv.From) {
			clipped = append(clipped, iv)
		}
	}
	slices.SortFunc(clipped, func(a, b Interval) int { return a.From.Compare(b.From) })
	var total time.Duration
	var end time.Time
	for _, iv := range clipped {
		if iv.From.Before(end) {
			iv.From = end
		}
		if iv.To.After(iv.From) {
			total += iv.To.Sub(iv.From)
			end = iv.To
		}
	}
	return total
}
