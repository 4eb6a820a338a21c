package workflows_test

import (
	"context"
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
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// wednesday10 is inside the test organisation's working hours (Europe/Rome).
var wednesday10 = time.Date(2026, 11, 18, 10, 0, 0, 0, mustLocation("Europe/Rome"))

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sentPage is one page the recording notifier saw, with the test clock's time.
type sentPage struct {
	at      time.Time
	elapsed time.Duration
	msg     notify.Message
}

// recorder is a notifier that keeps every page and update.
type recorder struct {
	mu      sync.Mutex
	env     *testsuite.TestWorkflowEnvironment
	start   time.Time
	pages   []sentPage
	updates []notify.Message
}

func (r *recorder) Notify(_ context.Context, m notify.Message) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.Kind == "page" {
		now := r.env.Now()
		r.pages = append(r.pages, sentPage{at: now, elapsed: now.Sub(r.start), msg: m})
	} else {
		r.updates = append(r.updates, m)
	}
	return false, nil
}

func (r *recorder) paged() []sentPage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentPage(nil), r.pages...)
}

// harness runs the incident workflow on the time-skipping test server with the real activities,
// the built-in policies and the test organisation; only delivery is recorded instead of sent.
type harness struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	rec  *recorder
	cfg  *config.Config
	acts *activities.Activities
}

func newHarness(t *testing.T, start time.Time) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	bundle, err := policies.Embedded()
	require.NoError(t, err)
	evaluator, err := policies.NewEvaluator(context.Background(), bundle)
	require.NoError(t, err)
	rec := &recorder{env: env, start: start}
	cfg := configtest.Organisation()
	acts := &activities.Activities{
		Directory:    worker.Directory{Config: cfg},
		Policies:     evaluator,
		WorkingHours: worker.WorkingHours{Config: cfg},
		UIURL:        cfg.UIURL,
		Bridge:       cfg.Bridge,
		Notifiers:    map[string]notify.Notifier{"console": rec},
		Tracker:      activities.FileTracker{Dir: t.TempDir()},
		Now:          env.Now,
	}
	env.RegisterWorkflowWithOptions(workflows.Incident, workflow.RegisterOptions{Name: workflows.IncidentWorkflowName})
	env.RegisterActivityWithOptions(acts, activity.RegisterOptions{})
	return &harness{t: t, env: env, rec: rec, cfg: cfg, acts: acts}
}

// at runs fn when the test clock reaches start+d.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// send sends an update at start+d; it must be accepted and complete, and check (if any) sees
// its outcome. Updates complete asynchronously in the test environment, so checks of what they
// changed belong in a later callback.
func (h *harness) send(d time.Duration, name string, arg any, check func(workflows.Outcome)) {
	h.at(d, func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { h.t.Errorf("update %s at %s rejected: %v", name, d, err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				if err != nil {
					h.t.Errorf("update %s at %s failed: %v", name, d, err)
					return
				}
				out, ok := v.(workflows.Outcome)
				if !ok {
					h.t.Errorf("update %s returned %T", name, v)
				}
				if check != nil {
					check(out)
				}
			},
		}, arg)
	})
}

// reject sends an update at start+d that the validator must reject with a message containing want.
func (h *harness) reject(d time.Duration, name string, arg any, want string) {
	h.at(d, func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { assert.ErrorContains(h.t, err, want, name) },
			OnAccept:   func() { h.t.Errorf("update %s accepted, want rejected with %q", name, want) },
			OnComplete: func(any, error) {},
		}, arg)
	})
}

func (h *harness) state() workflows.State {
	h.t.Helper()
	var s workflows.State
	v, err := h.env.QueryWorkflow(workflows.QueryState)
	if assert.NoError(h.t, err) {
		assert.NoError(h.t, v.Get(&s))
	}
	return s
}

func (h *harness) run(in workflows.IncidentInput) {
	h.env.ExecuteWorkflow(workflows.IncidentWorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
}

func (h *harness) summary() workflows.Summary {
	h.t.Helper()
	require.NoError(h.t, h.env.GetWorkflowError())
	var s workflows.Summary
	require.NoError(h.t, h.env.GetWorkflowResult(&s))
	return s
}

// onCall returns who the test organisation's rotation has on call for a team at t.
func (h *harness) onCall(team string, t time.Time) string {
	h.t.Helper()
	tm, ok := h.cfg.Team(team)
	require.True(h.t, ok, team)
	p, err := tm.Rotation.OnCall(t)
	require.NoError(h.t, err)
	return p
}

func some(v string) incident.Impact { return incident.Impact{CustomersAffected: v} }

func input(service string, impact incident.Impact) workflows.IncidentInput {
	return workflows.IncidentInput{Key: "test-1", Source: "test", Service: service, Type: "outage", Title: "Search is failing", Impact: impact}
}

func TestIncidentRunsEveryPhase(t *testing.T) {
	h := newHarness(t, wednesday10)
	responder := h.onCall("discovery", wednesday10)
	h.at(time.Minute, func() {
		s := h.state()
		assert.Equal(t, incident.PhaseEscalate, s.Phase)
		assert.Equal(t, incident.StatusTriggered, s.Status)
		assert.Equal(t, incident.Sev2, s.Severity)
		assert.Equal(t, "#inc-test-1", s.Channels.Channel)
		assert.Contains(t, s.Channels.Topic, "http://localhost:8233/namespaces/default/workflows/")
		if assert.Len(t, s.Messages, 1, "customers hear nothing before the incident is confirmed") {
			assert.Equal(t, "We are investigating an incident affecting Search, search and recommendations. "+
				"We will send updates by e-mail and on the status page shortly.", s.Messages[0].Text)
		}
	})
	h.at(time.Minute+2*time.Second, func() {
		s := h.state()
		if assert.Len(t, s.Messages, 2, "the acknowledgement confirms the incident") {
			assert.Equal(t, incident.AudienceExternal, s.Messages[1].Audience)
			assert.Equal(t, "We are investigating an incident affecting Search and will post updates here shortly.", s.Messages[1].Text)
		}
	})
	h.send(time.Minute+time.Second, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, func(out workflows.Outcome) {
		assert.Equal(t, incident.StatusAcknowledged, out.Status)
		assert.Equal(t, incident.PhaseDelegate, out.Phase)
	})
	h.send(2*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: responder, Role: incident.RoleCommander, Person: "ana"},
		func(out workflows.Outcome) { assert.Equal(t, incident.PhaseResolve, out.Phase) })
	h.send(3*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: "ana", Role: incident.RoleTechLead, Person: responder}, nil)
	h.send(4*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: "ana", Role: incident.RoleCommunications, Person: "lena"}, nil)
	h.send(5*time.Minute, workflows.UpdateNote, workflows.NoteRequest{By: responder, Kind: incident.NoteObservation, Text: "index shard 3 is red"}, nil)
	h.send(6*time.Minute, workflows.UpdateNote, workflows.NoteRequest{By: responder, Kind: incident.NoteTheory, Text: "disk full"}, nil)
	h.send(40*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "freed disk space, shard green"}, nil)
	h.run(input("search", some("some")))

	sum := h.summary()
	require.Equal(t, incident.Sev2, sum.Severity)
	require.Equal(t, time.Minute+time.Second, sum.Metrics.TimeToAcknowledge)
	require.Equal(t, 40*time.Minute, sum.Metrics.TimeToResolve)
	require.True(t, *sum.Metrics.ResponseTargetMet)
	require.True(t, *sum.Metrics.ResolutionTargetMet)
	require.Equal(t, map[incident.Role]string{
		incident.RoleCommander: "ana", incident.RoleTechLead: responder, incident.RoleCommunications: "lena",
	}, sum.Roles)

	s := h.state()
	require.Equal(t, incident.StatusResolved, s.Status)
	var phases, notes []string
	for _, e := range s.Timeline {
		switch e.Kind {
		case "phase":
			phases = append(phases, e.Text)
		case "observation", "theory":
			notes = append(notes, e.Kind+": "+e.Text)
		}
	}
	require.Equal(t, []string{"phase detect", "phase channels", "phase assess", "phase communicate", "phase escalate", "phase resolve", "phase review"}, phases)
	require.Equal(t, []string{"observation: index shard 3 is red", "theory: disk full"}, notes)
	require.Len(t, s.Messages, 4)
	require.Contains(t, s.Messages[2].Text, "No further updates will be sent.")
	require.Contains(t, s.Messages[2].Text, "Duration: 40m0s")
	require.Equal(t, "The incident affecting Search has been resolved and service is restored. A review of what happened will follow.", s.Messages[3].Text)
	pages := h.rec.paged()
	require.Len(t, pages, 1, "an acknowledged incident pages nobody else")
	require.Equal(t, responder, pages[0].msg.Recipient)
	require.Equal(t, "default-test-workflow-id/engagement-1/round-0/level-1/"+responder+"/console", pages[0].msg.IdempotencyKey)
}

func TestNoAcknowledgementPagesNextLevelAtTheDeadline(t *testing.T) {
	h := newHarness(t, wednesday10)
	const ackTimeout = 10 * time.Minute // the escalation policy's sev2 deadline
	h.at(ackTimeout-time.Second, func() {
		assert.Equal(t, 1, h.state().Level)
		assert.Len(t, h.rec.paged(), 1)
	})
	h.at(ackTimeout+time.Second, func() {
		assert.Equal(t, 2, h.state().Level)
		pages := h.rec.paged()
		if assert.Len(t, pages, 3, "level 2 engages the owning and the escalation team") {
			for _, p := range pages[1:] {
				assert.Equal(t, ackTimeout, p.elapsed, "level 2 is paged exactly at the deadline")
				assert.Contains(t, p.msg.Subject, "level 2 of 3")
			}
		}
	})
	h.send(ackTimeout+2*time.Second, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "recovered"}, nil)
	h.run(input("search", some("some")))
	sum := h.summary()
	require.Equal(t, 1, sum.Metrics.EscalationsByDeadline)
	require.False(t, *sum.Metrics.ResponseTargetMet, "nobody acknowledged")
}

func TestAcknowledgementStopsTheLadder(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.send(5*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, nil)
	h.at(3*time.Hour, func() {
		s := h.state()
		assert.Equal(t, 1, s.Level)
		assert.Nil(t, s.AckDeadline)
		pages := h.rec.paged()
		if assert.Len(t, pages, 2, "the first page, and the sev2 commander deadline's page") {
			assert.Equal(t, 30*time.Minute, pages[1].elapsed)
			assert.Contains(t, pages[1].msg.Subject, "incident commander needed")
		}
	})
	h.send(3*time.Hour+time.Second, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", some("some")))
	require.Equal(t, 5*time.Minute, h.summary().Metrics.TimeToAcknowledge)
}

func TestManualEscalationPagesTheNextLevelNow(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.send(time.Minute, workflows.UpdateEscalate, workflows.EscalateRequest{By: "tom", Reason: "need the platform team"},
		func(out workflows.Outcome) { assert.Equal(t, 2, out.Level) })
	h.at(time.Minute+time.Second, func() {
		pages := h.rec.paged()
		if assert.Len(t, pages, 3) {
			assert.Equal(t, time.Minute, pages[2].elapsed)
			assert.Contains(t, pages[2].msg.Text, "need the platform team")
		}
	})
	h.send(2*time.Minute, workflows.UpdateEscalate, workflows.EscalateRequest{By: "tom", Reason: "all hands"},
		func(out workflows.Outcome) { assert.Equal(t, 3, out.Level) })
	h.reject(3*time.Minute, workflows.UpdateEscalate, workflows.EscalateRequest{By: "tom", Reason: "more"},
		"already at the last escalation level (3 of 3)")
	h.send(4*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", some("some")))
	h.summary()
}

func TestSeverityChangeReengages(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.at(time.Minute, func() { assert.Equal(t, incident.Sev3, h.state().Severity) })
	h.send(time.Minute+time.Second, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, nil)
	h.send(2*time.Minute, workflows.UpdateSeverity, workflows.SeverityRequest{By: "tom", Severity: incident.Sev1, Reason: "all customers now"},
		func(out workflows.Outcome) {
			assert.Equal(t, incident.Sev1, out.Severity)
			assert.Equal(t, incident.StatusTriggered, out.Status, "a raised severity needs a new acknowledgement")
		})
	h.at(2*time.Minute+time.Second, func() {
		s := h.state()
		assert.Equal(t, 2, s.Engagement)
		assert.Equal(t, 1, s.Level)
		assert.NotNil(t, s.CommanderDue, "sev1 needs a commander")
		assert.Equal(t, []time.Duration{5 * time.Minute, 5 * time.Minute, 5 * time.Minute}, s.Plan.AckTimeouts)
		pages := h.rec.paged()
		if assert.Len(t, pages, 2) {
			assert.Equal(t, 2*time.Minute, pages[1].elapsed)
			assert.Contains(t, pages[1].msg.Subject, "[sev1]")
		}
	})
	h.at(7*time.Minute+time.Second, func() {
		assert.Equal(t, 2, h.state().Level, "the sev1 ladder runs on the sev1 deadline")
	})
	h.send(7*time.Minute+2*time.Second, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", incident.Impact{CustomersAffected: "some", Workaround: ptr(true)}))
	require.Equal(t, incident.Sev1, h.summary().Severity)
}

func TestImpactReassessesSeverity(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.send(time.Minute, workflows.UpdateImpact, workflows.ImpactRequest{By: "tom", Impact: incident.Impact{DataLoss: ptr(true)}},
		func(out workflows.Outcome) { assert.Equal(t, incident.Sev1, out.Severity) })
	h.send(2*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "restored from backup"}, nil)
	h.run(input("search", some("some")))
	s := h.state()
	require.Equal(t, incident.Sev1, s.Severity)
	require.Equal(t, "some", s.Impact.CustomersAffected, "new facts merge with the old")
}

func TestMissedCommanderDeadlinePagesCommanders(t *testing.T) {
	h := newHarness(t, wednesday10)
	commander := h.onCall("incident-commanders", wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, nil)
	h.at(11*time.Minute, func() {
		pages := h.rec.paged()
		last := pages[len(pages)-1]
		assert.Equal(t, 10*time.Minute, last.elapsed, "the sev1 policy gives 10 minutes to name a commander")
		assert.Equal(t, commander, last.msg.Recipient)
		assert.Contains(t, last.msg.Text, "no incident commander named within 10m0s")
	})
	h.send(12*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", some("all")))
	h.summary()
}

func TestNamedCommanderCancelsTheDeadline(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, nil)
	h.send(2*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: "tom", Role: incident.RoleCommander, Person: "ana"}, nil)
	h.at(30*time.Minute, func() {
		assert.Len(t, h.rec.paged(), 1)
		assert.Nil(t, h.state().CommanderDue)
	})
	h.send(31*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "fixed"}, nil)
	h.run(input("search", some("all")))
	h.summary()
}

func TestSev3WaitsForWorkingHours(t *testing.T) {
	saturday := time.Date(2026, 11, 21, 15, 0, 0, 0, mustLocation("Europe/Rome"))
	monday9 := time.Date(2026, 11, 23, 9, 0, 0, 0, mustLocation("Europe/Rome"))
	h := newHarness(t, saturday)
	h.at(time.Hour, func() {
		s := h.state()
		if assert.NotNil(t, s.DeferredUntil) {
			assert.True(t, monday9.Equal(*s.DeferredUntil), "deferred until %s", s.DeferredUntil)
		}
		assert.Empty(t, h.rec.paged())
	})
	h.at(monday9.Sub(saturday)+time.Minute, func() {
		pages := h.rec.paged()
		if assert.Len(t, pages, 1) {
			assert.True(t, monday9.Equal(pages[0].at), "paged when working hours begin, at %s", pages[0].at)
		}
	})
	h.send(monday9.Sub(saturday)+2*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", incident.Impact{CustomersAffected: "none", PerformanceDegraded: ptr(true)}))
	h.summary()
}

func TestLadderRunsOutWhenNobodyAnswers(t *testing.T) {
	h := newHarness(t, wednesday10)
	// sev3: two levels of 30 minutes, no repeats.
	h.at(2*time.Hour, func() {
		s := h.state()
		assert.True(t, s.LadderExhausted)
		assert.Nil(t, s.AckDeadline)
	})
	h.send(2*time.Hour+time.Second, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", incident.Impact{CustomersAffected: "none", PerformanceDegraded: ptr(true)}))
	require.Equal(t, 2, h.summary().Metrics.EscalationsByDeadline)
	pages := h.rec.paged()
	require.Len(t, pages, 4, "level 1 pages one team, level 2 two, the ladder's end the commanders once")
	require.Equal(t, "default-test-workflow-id/engagement-1/ladder-end-1/giulia/console", pages[3].msg.IdempotencyKey)
	require.Equal(t, time.Hour, pages[3].elapsed, "the end follows level 2's deadline")
}

func TestRejectedUpdatesRecordNothing(t *testing.T) {
	h := newHarness(t, wednesday10)
	var before int
	h.at(time.Minute, func() { before = len(h.state().Timeline) })
	cases := []struct {
		name, update string
		arg          any
		want         string
	}{
		{"ack without a person", workflows.UpdateAcknowledge, workflows.AckRequest{}, "say who is acting"},
		{"escalate without reason", workflows.UpdateEscalate, workflows.EscalateRequest{By: "tom"}, "give a reason"},
		{"unknown role", workflows.UpdateAssign, workflows.AssignRequest{By: "tom", Role: "boss", Person: "ana"}, `unknown role "boss"`},
		{"unknown severity", workflows.UpdateSeverity, workflows.SeverityRequest{By: "tom", Severity: "sev0", Reason: "x"}, `unknown severity "sev0"`},
		{"override without reason", workflows.UpdateSeverity, workflows.SeverityRequest{By: "tom", Severity: "sev1"}, "give a reason"},
		{"bad impact", workflows.UpdateImpact, workflows.ImpactRequest{By: "tom", Impact: incident.Impact{CustomersAffected: "many"}}, "customers_affected must be none, some or all"},
		{"empty impact", workflows.UpdateImpact, workflows.ImpactRequest{By: "tom"}, "at least one impact fact"},
		{"unknown note kind", workflows.UpdateNote, workflows.NoteRequest{By: "tom", Kind: "rant", Text: "x"}, `unknown note kind "rant"`},
		{"empty note", workflows.UpdateNote, workflows.NoteRequest{By: "tom", Kind: incident.NoteResult}, "needs text"},
		{"resolve without summary", workflows.UpdateResolve, workflows.ResolveRequest{By: "tom"}, "summary"},
	}
	for i, c := range cases {
		h.reject(time.Minute+time.Duration(i+1)*time.Second, c.update, c.arg, c.want)
	}
	h.at(2*time.Minute, func() { assert.Len(t, h.state().Timeline, before, "rejected updates record nothing") })
	h.send(3*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, nil)
	h.reject(4*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "ana"}, "already acknowledged by tom")
	h.send(5*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", some("some")))
	h.summary()
}

func TestCarriedStateResumesDeadlines(t *testing.T) {
	h := newHarness(t, wednesday10)
	due := wednesday10.Add(3 * time.Minute).UTC()
	carried := workflows.State{
		Key: "test-1", WorkflowID: "default-test-workflow-id", Service: "search", Type: "outage", Title: "Search is failing",
		StartedAt: wednesday10.Add(-time.Hour).UTC(), Phase: incident.PhaseEscalate, Status: incident.StatusTriggered,
		Severity: incident.Sev2, Engagement: 1, Level: 1, AckDeadline: &due,
		Plan: incident.EngagementPlan{
			Tiers:       [][]incident.Target{{{Team: "discovery"}}, {{Team: "platform"}}},
			AckTimeouts: []time.Duration{10 * time.Minute, 10 * time.Minute},
		},
		Roles: map[incident.Role]string{},
	}
	h.at(3*time.Minute+time.Second, func() {
		assert.Equal(t, 2, h.state().Level)
		pages := h.rec.paged()
		if assert.Len(t, pages, 1) {
			assert.Equal(t, 3*time.Minute, pages[0].elapsed)
		}
	})
	h.send(4*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(workflows.IncidentInput{Key: "test-1", Service: "search", Title: "Search is failing", Carried: &carried})
	require.Equal(t, time.Hour+4*time.Minute, h.summary().Metrics.TimeToResolve)
}

func TestInvalidInputFailsTheWorkflow(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.run(workflows.IncidentInput{Key: "Bad Key", Service: "search", Title: "x"})
	require.ErrorContains(t, h.env.GetWorkflowError(), "invalid incident key")
}

func ptr[T any](v T) *T { return &v }
