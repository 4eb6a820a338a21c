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

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// maxBatch bounds the alerts in one signal, well under Temporal's payload limits.
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
}

// group is one incident's queue of batches; sending is true while a goroutine drains it.
type group struct {
	batches []*batch
	sending bool
}

// batch is alerts that travel in one signal, and the callers waiting for it.
type batch struct {
	key    string
	route  Route
	open   bool
	alerts []incident.Alert
	done   chan struct{}
	err    error
}

// Submit queues alerts of one group (all with the same route key) and waits until Temporal holds
// them, or ctx ends.
func (s *Submitter) Submit(ctx context.Context, route Route, alerts []incident.Alert) error {
	b := s.enqueue(route, alerts)
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Submitter) enqueue(route Route, alerts []incident.Alert) *batch {
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
	var b *batch
	if n := len(g.batches); n > 0 && len(g.batches[n-1].alerts)+len(alerts) <= maxBatch {
		b = g.batches[n-1]
	} else {
		b = &batch{key: route.Key, route: route, done: make(chan struct{})}
		g.batches = append(g.batches, b)
	}
	b.alerts = append(b.alerts, alerts...)
	b.open = b.open || route.Open
	b.route = route // the latest routing decision wins
	if !g.sending {
		g.sending = true
		go s.drain(route.Key, g)
	}
	return b
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

// send delivers one batch: signal-with-start when an alert may open the incident, a plain signal
// otherwise.
func (s *Submitter) send(b *batch) error {
	timeout := s.SendTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	signal := workflows.AlertBatch{Alerts: make([]incident.Alert, len(b.alerts)), Routing: b.route.Routing}
	for i, a := range b.alerts {
		signal.Alerts[i] = a.ForIncident()
	}
	id := workflows.WorkflowID(b.key)
	if !b.open {
		err := s.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalAlerts, signal)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return ErrNoIncident
		}
		if err != nil {
			return fmt.Errorf("signal incident %s: %w", b.key, err)
		}
		return nil
	}
	routing := b.route.Routing
	in := workflows.IncidentInput{
		Key: b.key, Source: b.alerts[0].Source, Service: routing.Service, Type: routing.Type,
		Title: routing.Title, Labels: b.alerts[0].Labels, Impact: routing.Impact,
	}
	if err := in.Validate(); err != nil {
		return fmt.Errorf("alert group %q: %w", routing.Group, err)
	}
	_, err := s.Temporal.SignalWithStartWorkflow(ctx, id, workflows.SignalAlerts, signal, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             workflows.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:         routing.Title,
		StaticDetails:         fmt.Sprintf("Alert group `%s`, service **%s**.", routing.Group, routing.Service),
		Memo:                  map[string]any{"title": routing.Title},
		TypedSearchAttributes: workflows.StartSearchAttributes(routing.Service, routing.Type),
	}, workflows.IncidentWorkflowName, in)
	if err != nil {
		return fmt.Errorf("signal-with-start incident %s: %w", b.key, err)
	}
	return nil
}
