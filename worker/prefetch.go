package worker

import (
	"context"
	"sync"
	"time"

	"github.com/firebreak-dev/firebreak/workflows"
)

// prefetchAge bounds how long before it is needed a schedule's overrides may have been asked
// for: a page uses overrides as they were at most this long ago.
const prefetchAge = time.Second

// overridesPrefetch holds, by schedule, the latest overrides query started ahead of need, so
// that the query for a page runs while the incident's policies decide who to engage rather
// than after. It holds one entry per schedule of the configuration at most.
type overridesPrefetch struct {
	now func() time.Time

	mu         sync.Mutex
	bySchedule map[string]*prefetched
}

// prefetched is one overrides query; done is closed when its answer is in.
type prefetched struct {
	started   time.Time
	done      chan struct{}
	overrides []workflows.ScheduleOverride
	err       error
}

func newOverridesPrefetch() *overridesPrefetch {
	return &overridesPrefetch{now: time.Now, bySchedule: map[string]*prefetched{}}
}

// start asks source for a schedule's overrides in the background, unless a query of it
// started within prefetchAge.
func (p *overridesPrefetch) start(source OverrideSource, schedule string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if q, ok := p.bySchedule[schedule]; ok && now.Sub(q.started) < prefetchAge {
		return
	}
	q := &prefetched{started: now, done: make(chan struct{})}
	p.bySchedule[schedule] = q
	go func() {
		defer close(q.done)
		q.overrides, q.err = source.Overrides(context.Background(), schedule)
	}()
}

// take returns the query of a schedule's overrides started within prefetchAge, or nil.
func (p *overridesPrefetch) take(schedule string) *prefetched {
	p.mu.Lock()
	defer p.mu.Unlock()
	q, ok := p.bySchedule[schedule]
	if !ok || p.now().Sub(q.started) >= prefetchAge {
		return nil
	}
	return q
}

// Prefetch starts reading the overrides of the schedules of a service's team and escalation
// team, the people its incidents page first, and returns at once; Explain uses an answer whose
// query started within a second. Without an override source it does nothing.
func (d Directory) Prefetch(service string) {
	if d.prefetch == nil || d.Overrides == nil {
		return
	}
	s, ok := d.Config.Service(service)
	if !ok {
		return
	}
	for _, team := range []string{s.Team, s.EscalationTeam} {
		if id, ok := d.Config.TeamSchedule(team); ok {
			d.prefetch.start(d.Overrides, id)
		}
	}
}

// overrides returns a schedule's overrides: a prefetched answer when one is recent enough,
// otherwise a new query's.
func (d Directory) overrides(ctx context.Context, schedule string) ([]workflows.ScheduleOverride, error) {
	if d.prefetch != nil {
		if q := d.prefetch.take(schedule); q != nil {
			select {
			case <-q.done:
				return q.overrides, q.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return d.Overrides.Overrides(ctx, schedule)
}
