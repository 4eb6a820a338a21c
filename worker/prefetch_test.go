package worker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/workflows"
)

// slowOverrides answers each query after release is closed, counting the queries by schedule.
type slowOverrides struct {
	release   chan struct{}
	overrides map[string][]workflows.ScheduleOverride

	mu    sync.Mutex
	asked map[string]int
}

func (s *slowOverrides) Overrides(ctx context.Context, id string) ([]workflows.ScheduleOverride, error) {
	s.mu.Lock()
	s.asked[id]++
	s.mu.Unlock()
	select {
	case <-s.release:
		return s.overrides[id], nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *slowOverrides) count(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked[id]
}

func TestPrefetchedOverridesAnswerThePageThatFollows(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(onCallConfig+"    escalation_team: support\n"))
	require.NoError(t, err)
	monday := time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC) // bob's week on payments
	clock := monday
	source := &slowOverrides{release: make(chan struct{}), asked: map[string]int{}, overrides: map[string][]workflows.ScheduleOverride{
		"payments": {{ID: "o-1", Person: "carol", Start: monday, End: monday.Add(time.Hour), By: "alice"}},
	}}
	d := Directory{Config: cfg, Overrides: source, prefetch: newOverridesPrefetch()}
	d.prefetch.now = func() time.Time { return clock }

	d.Prefetch("checkout")
	d.Prefetch("checkout") // a second incident of the service within the second asks nothing more
	require.Eventually(t, func() bool { return source.count("payments") == 1 && source.count("office") == 1 },
		time.Second, time.Millisecond, "the team's and the escalation team's schedules are asked for at once")

	type answer struct {
		reason activities.OnCallReason
		err    error
	}
	answered := make(chan answer)
	go func() {
		r, err := d.Explain(incident.Target{Team: "payments"}, monday.Add(time.Minute))
		answered <- answer{r, err}
	}()
	close(source.release)
	a := <-answered
	require.NoError(t, a.err)
	require.Equal(t, "carol", a.reason.Person, "the page waits for the prefetched answer and applies its override")
	require.Equal(t, 1, source.count("payments"), "and asks no second time")

	clock = clock.Add(prefetchAge)
	r, err := d.Explain(incident.Target{Team: "payments"}, monday.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, "carol", r.Person)
	require.Equal(t, 2, source.count("payments"), "an answer a second old is asked again")
}

func TestPrefetchWithoutAnOverrideSourceDoesNothing(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(onCallConfig))
	require.NoError(t, err)
	d := Directory{Config: cfg}
	d.Prefetch("checkout")
	d.Prefetch("no-such-service")
	r, err := d.Explain(incident.Target{Team: "payments"}, time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, "bob", r.Person)
}

// failingOverrides fails every query, counting them.
type failingOverrides struct{ asked atomic.Int32 }

func (f *failingOverrides) Overrides(context.Context, string) ([]workflows.ScheduleOverride, error) {
	f.asked.Add(1)
	return nil, errors.New("temporal is down")
}

func TestAFailedPrefetchStillPagesFromTheLayers(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(onCallConfig))
	require.NoError(t, err)
	source := &failingOverrides{}
	var logs bytes.Buffer
	d := Directory{Config: cfg, Overrides: source, prefetch: newOverridesPrefetch(), Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	d.Prefetch("checkout")
	require.Eventually(t, func() bool { return source.asked.Load() == 1 }, time.Second, time.Millisecond)
	r, err := d.Explain(incident.Target{Team: "payments"}, time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, "bob", r.Person, "the layers answer when the overrides cannot be read")
	require.EqualValues(t, 1, source.asked.Load(), "the failed prefetch is the answer: no second query")
	require.Contains(t, logs.String(), "temporal is down")
}
