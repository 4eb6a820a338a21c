package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// wednesday is Wednesday 18 November 2026 at midnight UTC: on the escalation test schedules,
// ben is on call on primary until 12:00, then ana; dev is always on call on secondary; cleo is
// on call on office from 09:00 to 17:00.
var wednesday = time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)

// methodPage is one page a method notifier delivered, with the test clock's time since start.
type methodPage struct {
	elapsed time.Duration
	person  string
	method  string
	subject string
}

// methods records the pages of every contact method of the escalation test configuration.
type methods struct {
	mu    sync.Mutex
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
	pages []methodPage
}

// notifier returns the notifier of one contact method.
func (m *methods) notifier(method string) notify.Notifier {
	return notifyFunc(func(_ context.Context, msg notify.Message) (bool, error) {
		if msg.Kind != notify.KindPage {
			return false, nil
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		m.pages = append(m.pages, methodPage{elapsed: m.env.Now().Sub(m.start), person: msg.Recipient, method: method, subject: msg.Subject})
		return false, nil
	})
}

// sent returns the pages so far, as "elapsed person method", the elapsed time to the second (a
// deadline due at the same instant as another fires a millisecond later).
func (m *methods) sent() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(m.pages))
	for i, p := range m.pages {
		out[i] = p.elapsed.Round(time.Second).String() + " " + p.person + " " + p.method
	}
	return out
}

type notifyFunc func(context.Context, notify.Message) (bool, error)

func (f notifyFunc) Notify(ctx context.Context, m notify.Message) (bool, error) { return f(ctx, m) }

// overrideBook is the schedules' overrides as the schedule workflows would hold them; a test
// adds one while the ladder runs.
type overrideBook struct {
	mu  sync.Mutex
	all map[string][]workflows.ScheduleOverride
}

func (b *overrideBook) Overrides(_ context.Context, id string) ([]workflows.ScheduleOverride, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.all[id]), nil
}

func (b *overrideBook) add(id string, o workflows.ScheduleOverride) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.all[id] = append(b.all[id], o)
}

// escalationHarness runs the incident workflow on the time-skipping test server with the real
// activities and policies over the escalation test configuration's real schedules.
type escalationHarness struct {
	*harness
	methods   *methods
	overrides *overrideBook
}

func newEscalationHarness(t *testing.T, start time.Time) *escalationHarness {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "escalation.yaml"))
	require.NoError(t, err)
	cfg, err := config.Parse("escalation.yaml", data)
	require.NoError(t, err)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	bundle, err := policies.Embedded()
	require.NoError(t, err)
	evaluator, err := policies.NewEvaluator(context.Background(), bundle)
	require.NoError(t, err)
	m := &methods{env: env, start: start}
	book := &overrideBook{all: map[string][]workflows.ScheduleOverride{}}
	rec := &recorder{env: env, start: start}
	acts := &activities.Activities{
		Directory:    worker.Directory{Config: cfg, Overrides: book},
		Policies:     evaluator,
		WorkingHours: worker.WorkingHours{Config: cfg},
		UIURL:        cfg.UIURL,
		Notifiers: map[string]notify.Notifier{
			"console": rec, "push": m.notifier("push"), "sms": m.notifier("sms"), "email": m.notifier("email"),
		},
		Tracker:  activities.FileTracker{Dir: t.TempDir()},
		Now:      env.Now,
		Location: time.UTC,
	}
	env.RegisterWorkflowWithOptions(workflows.Incident, workflow.RegisterOptions{Name: workflows.IncidentWorkflowName})
	env.RegisterActivityWithOptions(acts, activity.RegisterOptions{})
	return &escalationHarness{harness: &harness{t: t, env: env, rec: rec, cfg: cfg, acts: acts}, methods: m, overrides: book}
}

// timeline returns the timeline entries whose text starts with prefix.
func timeline(s workflows.State, prefix string) []string {
	var out []string
	for _, e := range s.Timeline {
		if strings.HasPrefix(e.Text, prefix) {
			out = append(out, e.Text)
		}
	}
	return out
}

func incidentOn(service string) workflows.IncidentInput {
	return workflows.IncidentInput{Key: "esc-1", Source: "test", Service: service, Type: "outage", Title: "Checkout is failing", Impact: some("some")}
}

func TestLadderPagesWhoIsOnCallAndWhy(t *testing.T) {
	h := newEscalationHarness(t, wednesday.Add(10*time.Hour))
	h.at(time.Second, func() {
		s := h.state()
		assert.Equal(t, "ladder", s.Plan.EscalationPolicy)
		assert.Equal(t, [][]incident.Target{{{Schedule: "primary"}}, {{Schedule: "secondary"}}}, s.Plan.Tiers)
		assert.Equal(t, []string{"paging ben (level 1 of 2): on call on schedule primary (layer daily) until 2026-11-18T12:00:00Z"},
			timeline(s, "paging ben"))
	})
	h.send(20*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "dev", Summary: "fixed"}, nil)
	h.run(incidentOn("checkout"))
	require.Equal(t, []string{"0s ben push", "15m0s dev push"}, h.methods.sent(), "level 2 pages the secondary schedule at level 1's delay")
}

func TestHandoffMidIncidentPagesTheIncomingPerson(t *testing.T) {
	// ben hands over to ana at 12:00, 10 minutes into level 1 (whose delay is 15 minutes).
	h := newEscalationHarness(t, wednesday.Add(11*time.Hour+50*time.Minute))
	h.at(11*time.Minute, func() {
		s := h.state()
		assert.Equal(t, []string{"handoff at level 1 of 2: ana came on call"}, timeline(s, "handoff at"))
		assert.Equal(t, 1, s.Level, "the handoff does not move the ladder")
	})
	h.send(11*time.Minute+30*time.Second, workflows.UpdateAcknowledge, workflows.AckRequest{By: "ana"}, nil)
	h.send(20*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "fixed"}, nil)
	h.run(incidentOn("checkout"))
	require.Equal(t, []string{"0s ben push", "10m0s ana push"}, h.methods.sent(),
		"ana's later methods wait for their delay, and the ack stops them")
}

func TestEmptyLevelIsSkipped(t *testing.T) {
	// At 22:00 the office schedule has nobody on call.
	h := newEscalationHarness(t, wednesday.Add(22*time.Hour))
	h.at(time.Second, func() {
		s := h.state()
		assert.Equal(t, 2, s.Level)
		assert.Equal(t, []string{"level 1 resolves to nobody (schedule office: nobody is on call on schedule office at 2026-11-18T22:00:00Z until 2026-11-19T09:00:00Z): skipping to the next level"},
			timeline(s, "level 1 resolves to nobody"))
		assert.Zero(t, s.Metrics.EscalationsByDeadline, "a skipped level is not a missed deadline")
	})
	h.send(time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "dev", Summary: "fixed"}, nil)
	h.run(incidentOn("nightly"))
	require.Equal(t, []string{"0s dev push"}, h.methods.sent(), "level 2 pages at once")
}

func TestEmptyLevelIsHeldUntilItsDeadline(t *testing.T) {
	h := newEscalationHarness(t, wednesday.Add(22*time.Hour))
	h.at(time.Second, func() {
		s := h.state()
		assert.Equal(t, 1, s.Level)
		assert.Len(t, timeline(s, "level 1 resolves to nobody"), 1)
	})
	h.send(6*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "dev", Summary: "fixed"}, nil)
	h.run(incidentOn("nightly-hold"))
	require.Equal(t, []string{"5m0s dev push"}, h.methods.sent(), "the next level pages at the held level's deadline")
}

func TestHeldLevelPagesWhoeverComesOnCall(t *testing.T) {
	// At 08:58 on Thursday the office schedule is empty; cleo comes on call at 09:00.
	h := newEscalationHarness(t, wednesday.Add(24*time.Hour+8*time.Hour+58*time.Minute))
	h.send(3*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "cleo"}, nil)
	h.send(4*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "cleo", Summary: "fixed"}, nil)
	h.run(incidentOn("nightly-hold"))
	require.Equal(t, []string{"2m0s cleo push"}, h.methods.sent())
	require.Equal(t, []string{"handoff at level 1 of 2: cleo came on call"}, timeline(h.state(), "handoff at"))
}

func TestOverrideMadeWhileTheLadderRunsPagesTheNewPerson(t *testing.T) {
	start := wednesday.Add(10 * time.Hour)
	h := newEscalationHarness(t, start)
	h.at(time.Minute, func() {
		h.overrides.add("secondary", workflows.ScheduleOverride{
			ID: "o-1", Person: "eve", Replacing: "dev", Start: start.Add(time.Minute), End: start.Add(2 * time.Hour), By: "dev",
		})
	})
	h.at(16*time.Minute, func() {
		assert.Equal(t, []string{"paging eve (level 2 of 2): on call on schedule secondary (override o-1 by dev, replacing dev) until 2026-11-18T12:00:00Z"},
			timeline(h.state(), "paging eve"))
	})
	h.send(20*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "eve", Summary: "fixed"}, nil)
	h.run(incidentOn("checkout"))
	require.Equal(t, []string{"0s ben push", "15m0s eve push"}, h.methods.sent())
}

func TestNotificationRulesWaitForTheirDelay(t *testing.T) {
	// ana is on call on primary from 12:00.
	h := newEscalationHarness(t, wednesday.Add(12*time.Hour+30*time.Minute))
	h.at(time.Second, func() {
		assert.Equal(t, []string{"paging ana (level 1 of 2): on call on schedule primary (layer daily) until 2026-11-19T12:00:00Z; now via push, then sms after 2m0s, email after 5m0s unless acknowledged"},
			timeline(h.state(), "paging ana"))
	})
	h.send(10*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "fixed"}, nil)
	h.run(incidentOn("checkout"))
	require.Equal(t, []string{"0s ana push", "2m0s ana sms", "5m0s ana email"}, h.methods.sent())
}

func TestAcknowledgementStopsDelayedMethods(t *testing.T) {
	h := newEscalationHarness(t, wednesday.Add(12*time.Hour+30*time.Minute))
	h.send(3*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "ana"}, nil)
	h.at(3*time.Minute+time.Second, func() {
		s := h.state()
		assert.Empty(t, s.Escalation.Pending)
		assert.Equal(t, []string{"acknowledged: 1 contact methods still waiting for their delay are not tried"}, timeline(s, "acknowledged: "))
	})
	h.send(10*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "fixed"}, nil)
	h.run(incidentOn("checkout"))
	require.Equal(t, []string{"0s ana push", "2m0s ana sms"}, h.methods.sent(), "e-mail, due at 5 minutes, is never sent")
}

func TestAcknowledgementTimeoutPagesTheAcknowledgerAgain(t *testing.T) {
	h := newEscalationHarness(t, wednesday.Add(10*time.Hour))
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "ben"}, nil)
	h.at(32*time.Minute, func() {
		assert.Equal(t, []string{"still unresolved 30m0s after ben acknowledged: paging ben again"}, timeline(h.state(), "still unresolved"))
	})
	h.send(70*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ben", Summary: "fixed"}, nil)
	h.run(incidentOn("checkout"))
	require.Equal(t, []string{"0s ben push", "30m0s ops push", "31m0s ben push", "1h1m0s ben push"}, h.methods.sent(),
		"every 30 minutes after the acknowledgement until resolved, and never after (ops is the sev2 commander deadline's page)")
}

func TestServiceWithoutAPolicyKeepsTheTeams(t *testing.T) {
	h := newEscalationHarness(t, wednesday.Add(10*time.Hour))
	h.at(time.Second, func() {
		s := h.state()
		assert.Empty(t, s.Plan.EscalationPolicy)
		assert.Equal(t, []incident.Target{{Team: "payments"}}, s.Plan.Tiers[0])
	})
	h.send(time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ben", Summary: "fixed"}, nil)
	h.run(incidentOn("legacy"))
	require.Equal(t, []string{"0s ben push"}, h.methods.sent(), "the team's schedule resolves as before")
}
