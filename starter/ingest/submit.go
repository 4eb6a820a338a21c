package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// maxBatch bounds the alerts in one signal; maxSignalBytes bounds their size.
const maxBatch = 500

// ErrNoIncident is returned for alerts that may not start an incident (resolved ones) when their
// group has no running incident: there is nothing to update.
var ErrNoIncident = errors.New("no running incident for these alerts")

// Submitter delivers each group's alerts to its incident workflow. A group has at most one
// signal in flight; alerts that arrive meanwhile wait and go together in the next signal, so an
// alert storm becomes few signals and never pushes an incident into Temporal's per-execution
// limits. Each Submit returns once the signal carrying its alerts was accepted, or failed.
type Submitter struct {
	Temporal client.Client
	// SendTimeout bounds each signal; default 10s.
	SendTimeout time.Duration

	mu     sync.Mutex
	groups map[string]*group

	runningOnce  sync.Once
	knownRunning *lru.Cache[string, struct{}]
}

// maxKnownRunning bounds the groups remembered as having a running incident; a group forgotten
// costs one start attempt that finds its incident running.
const maxKnownRunning = 10_000

// group is one incident's queue of batches; sending is true while a goroutine drains it.
type group struct {
	batches []*batch
	sending bool
}

// batch is alerts that travel in one signal, and the callers waiting for it. alerts are in the
// form the incident keeps (see slim); labels are those of the first alert, for the incident it
// may start.
type batch struct {
	key    string
	route  Route
	open   bool
	alerts []incident.Alert
	bytes  int
	source string
	labels map[string]string
	done   chan struct{}
	err    error
}

// Submit queues alerts of one group (all with the same route key) and waits until Temporal holds
// them, or ctx ends. Alerts travel in signals of at most maxBatch alerts and maxSignalBytes
// bytes, so that no number or size of alerts can exceed Temporal's limits.
func (s *Submitter) Submit(ctx context.Context, route Route, alerts []incident.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	batches := s.enqueue(route, alerts)
	for _, b := range batches {
		select {
		case <-b.done:
			if b.err != nil {
				return b.err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// enqueue adds alerts to the group's last batch while it has room, then to new ones, and returns
// the batches that carry them.
func (s *Submitter) enqueue(route Route, alerts []incident.Alert) []*batch {
	slims := make([]incident.Alert, len(alerts))
	sizes := make([]int, len(alerts))
	for i, a := range alerts {
		slims[i] = slim(a)
		sizes[i] = encodedLen(slims[i]) + 1
	}
	route.Routing = fitRouting(route.Routing, alerts[0].Source)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups == nil {
		s.groups = map[string]*group{}
	}
	g := s.groups[route.Key]
	if g == nil {
		g = &group{}
		s.groups[route.Key] = g
	}
	var touched []*batch
	for i := range slims {
		var b *batch
		if n := len(g.batches); n > 0 && len(g.batches[n-1].alerts) < maxBatch && g.batches[n-1].bytes+sizes[i] <= maxSignalBytes {
			b = g.batches[n-1]
		} else {
			b = &batch{key: route.Key, done: make(chan struct{}), source: alerts[i].Source, labels: fitLabels(alerts[i].Labels)}
			g.batches = append(g.batches, b)
		}
		b.alerts = append(b.alerts, slims[i])
		b.bytes += sizes[i]
		b.open = b.open || route.Open
		b.route = route // the latest routing decision wins
		if len(touched) == 0 || touched[len(touched)-1] != b {
			touched = append(touched, b)
		}
	}
	if !g.sending {
		g.sending = true
		go s.drain(route.Key, g)
	}
	return touched
}

// drain sends a group's batches one at a time until none is left.
func (s *Submitter) drain(key string, g *group) {
	for {
		s.mu.Lock()
		if len(g.batches) == 0 {
			g.sending = false
			delete(s.groups, key)
			s.mu.Unlock()
			return
		}
		b := g.batches[0]
		g.batches = g.batches[1:]
		s.mu.Unlock()

		b.err = s.send(b)
		close(b.done)
	}
}

// send delivers one batch. Alerts that may not open an incident go in a plain signal. Alerts that
// may open one go in a signal when their group's incident is known to be running, and otherwise
// in the input of a new incident, started eagerly: when this process runs a worker for incidents,
// the server hands the new incident's first workflow task back in the start's answer, so the
// first page does not wait behind other incidents' work in the task queue. An incident that is
// already running takes the alerts as a signal instead; one that closed meanwhile is started.
// Every text that reaches Temporal is bounded (see limits.go).
func (s *Submitter) send(b *batch) error {
	timeout := s.SendTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	signal := workflows.AlertBatch{Alerts: b.alerts, Routing: b.route.Routing}
	if !b.open {
		err := s.signal(ctx, b.key, signal)
		if isNotFound(err) {
			return ErrNoIncident
		}
		return err
	}
	if s.running().Contains(b.key) {
		err := s.signal(ctx, b.key, signal)
		if !isNotFound(err) {
			return err
		}
		s.running().Remove(b.key)
	}
	for range maxStartAttempts {
		err := s.start(ctx, b, signal)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if !errors.As(err, &started) {
			return err
		}
		if err := s.signal(ctx, b.key, signal); !isNotFound(err) {
			return err
		}
	}
	return fmt.Errorf("alert group %q: its incident closed while the alerts were delivered, %d times; try again", incident.Truncate(b.route.Routing.Group, 64), maxStartAttempts)
}

// maxStartAttempts bounds the start, signal, start... sequence of one batch whose incident keeps
// closing between the start (already running) and the signal (not found).
const maxStartAttempts = 3

// signal delivers alerts to the group's running incident and remembers it as running.
func (s *Submitter) signal(ctx context.Context, key string, signal workflows.AlertBatch) error {
	err := s.Temporal.SignalWorkflow(ctx, workflows.WorkflowID(key), "", workflows.SignalAlerts, signal)
	if err != nil {
		if isNotFound(err) {
			return err
		}
		return fmt.Errorf("signal incident %s: %w", key, err)
	}
	s.running().Add(key, struct{}{})
	return nil
}

// start starts the group's incident with the alerts in its input, unless one is running.
func (s *Submitter) start(ctx context.Context, b *batch, signal workflows.AlertBatch) error {
	routing := b.route.Routing
	in := workflows.IncidentInput{
		Key: b.key, Source: b.source, Service: routing.Service, Type: routing.Type,
		Title: routing.Title, Labels: b.labels, Impact: routing.Impact, Pending: []workflows.AlertBatch{signal},
	}
	if err := in.Validate(); err != nil {
		return fmt.Errorf("alert group %q: %w", incident.Truncate(routing.Group, 64), err)
	}
	id := workflows.WorkflowID(b.key)
	_, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                workflows.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		EnableEagerStart:                         true,
		StaticSummary:                            fitText(routing.Title, maxSummaryEncoded),
		StaticDetails:                            fmt.Sprintf("Alert group `%s`, service **%s**.", incident.Truncate(routing.Group, maxDetailsGroupBytes), routing.Service),
		Memo:                                     map[string]any{"title": routing.Title},
		TypedSearchAttributes:                    workflows.StartSearchAttributes(routing.Service, routing.Type),
	}, workflows.IncidentWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return err
	case err != nil:
		return fmt.Errorf("start incident %s: %w", b.key, err)
	}
	s.running().Add(b.key, struct{}{})
	return nil
}

// running returns the groups whose incident this submitter last found running.
func (s *Submitter) running() *lru.Cache[string, struct{}] {
	s.runningOnce.Do(func() { s.knownRunning, _ = lru.New[string, struct{}](maxKnownRunning) })
	return s.knownRunning
}

// isNotFound reports whether err says the workflow does not exist or has closed.
func isNotFound(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound)
}
