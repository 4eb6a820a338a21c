package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func ladderPolicy() EscalationPolicy {
	return EscalationPolicy{
		ID: "payments-ladder", Repeats: 1, AckReminder: 30 * time.Minute,
		Levels: []PolicyLevel{
			{Delay: 5 * time.Minute, Targets: []Target{{Schedule: "payments-primary"}}},
			{Delay: 10 * time.Minute, Targets: []Target{{Team: "platform"}, {Person: "carol"}}},
		},
	}
}

func TestEscalationPolicyApply(t *testing.T) {
	plan := EngagementPlan{Tiers: [][]Target{{{Team: "payments"}}}, AckTimeouts: []time.Duration{time.Minute}, CommanderTeam: "incident-commanders"}
	reason := ladderPolicy().Apply(&plan)
	require.Equal(t, "payments-ladder", plan.EscalationPolicy)
	require.Equal(t, [][]Target{{{Schedule: "payments-primary"}}, {{Team: "platform"}, {Person: "carol"}}}, plan.Tiers)
	require.Equal(t, []time.Duration{5 * time.Minute, 10 * time.Minute}, plan.AckTimeouts)
	require.Equal(t, 1, plan.Repeats)
	require.Equal(t, OnEmptySkip, plan.OnEmpty, "skip is the default")
	require.Equal(t, 30*time.Minute, plan.AckReminder)
	require.Equal(t, []Target{{Team: "platform"}, {Person: "carol"}, {Team: "incident-commanders"}}, plan.LadderEnd.Targets)
	require.Equal(t, "escalation policy payments-ladder: 2 levels (5m0s, 10m0s), repeats 1, a level with nobody on call: skip, acknowledgement timeout 30m0s", reason)
}

func TestEmptyLevel(t *testing.T) {
	cases := []struct {
		name    string
		onEmpty string
		skip    bool
		text    string
	}{
		{"skip moves on", OnEmptySkip, true, "level 1 resolves to nobody (schedule empty): skipping to the next level"},
		{"hold waits", OnEmptyHold, false, "level 1 resolves to nobody (schedule empty): holding until its deadline; whoever comes on call meanwhile is paged"},
		{"unset skips", "", true, "level 1 resolves to nobody (schedule empty): skipping to the next level"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := State{Level: 1, Plan: EngagementPlan{OnEmpty: c.onEmpty}}
			skip, text := s.EmptyLevel("schedule empty")
			require.Equal(t, c.skip, skip)
			require.Equal(t, c.text, text)
		})
	}
}

func TestSkipLevelDoesNotCountAMissedDeadline(t *testing.T) {
	s := State{Status: StatusTriggered, Plan: EngagementPlan{AckTimeouts: []time.Duration{time.Minute, time.Minute}}}
	s.PageLevel(t0, 1)
	require.Equal(t, LadderMove{Level: 2}, s.SkipLevel())
	require.Nil(t, s.AckDeadline)
	require.Zero(t, s.Metrics.EscalationsByDeadline)
	s.PageLevel(t0, 2)
	require.Equal(t, LadderMove{Exhausted: true}, s.SkipLevel())
}

func TestDelayedPagesComeDueInOrder(t *testing.T) {
	s := State{Status: StatusTriggered}
	for _, d := range []time.Duration{5 * time.Minute, 2 * time.Minute, 2 * time.Minute, 10 * time.Minute} {
		require.True(t, s.Delay(DelayedPage{Due: t0.Add(d), Method: d.String()}))
	}
	at, what, ok := s.NextDeadline()
	require.True(t, ok)
	require.Equal(t, DeadlineNotify, what)
	require.Equal(t, t0.Add(2*time.Minute), at)

	require.Empty(t, s.DuePages(t0.Add(time.Minute)))
	due := s.DuePages(t0.Add(5 * time.Minute))
	require.Len(t, due, 3)
	require.Equal(t, []string{"2m0s", "2m0s", "5m0s"}, []string{due[0].Method, due[1].Method, due[2].Method})
	require.Len(t, s.Escalation.Pending, 1)
}

func TestDelayIsBounded(t *testing.T) {
	s := State{}
	for i := range MaxPendingPages {
		require.True(t, s.Delay(DelayedPage{Due: t0.Add(time.Duration(i) * time.Second)}))
	}
	require.False(t, s.Delay(DelayedPage{Due: t0}), "a full queue sends at once")
}

func TestAcknowledgementStopsDelayedPagesAndStartsTheReminder(t *testing.T) {
	s := New(Opening{Key: "k"}, t0)
	s.Plan = EngagementPlan{AckTimeouts: []time.Duration{5 * time.Minute}, AckReminder: 30 * time.Minute}
	s.PageLevel(t0, 1)
	s.LevelResolved([]string{"ana"}, t0.Add(time.Hour))
	s.Delay(DelayedPage{Due: t0.Add(2 * time.Minute), Person: "ana", Method: "sms"})
	require.Zero(t, s.SyncEscalation(t0), "nothing stops while triggered")

	s.Acknowledge(t0.Add(time.Minute), "ana")
	require.Equal(t, 1, s.SyncEscalation(t0.Add(time.Minute)))
	require.Empty(t, s.Escalation.Pending)
	require.Nil(t, s.Escalation.HandoffDue)
	at, what, ok := s.NextDeadline()
	require.True(t, ok)
	require.Equal(t, DeadlineAckReminder, what)
	require.Equal(t, t0.Add(31*time.Minute), at)

	person, step := s.Remind(at)
	require.Equal(t, "ana", person)
	require.Equal(t, "engagement-0/ack-reminder-1", step)
	require.Equal(t, t0.Add(61*time.Minute), *s.Escalation.ReminderDue, "the reminder repeats until resolved")

	s.Resolve(t0.Add(time.Hour), "ana", "fixed")
	s.SyncEscalation(t0.Add(time.Hour))
	require.Nil(t, s.Escalation.ReminderDue)
	_, what, _ = s.NextDeadline()
	require.Equal(t, DeadlineClose, what)
}

func TestNoReminderForAnAlertSource(t *testing.T) {
	s := New(Opening{Key: "k"}, t0)
	s.Plan = EngagementPlan{AckTimeouts: []time.Duration{5 * time.Minute}, AckReminder: 30 * time.Minute, People: []string{"ana"}}
	s.AcknowledgeByAlert(t0, "Alertmanager/0.28")
	s.SyncEscalation(t0)
	require.Nil(t, s.Escalation.ReminderDue, "nobody to page again")
}

func TestDelayedReasonIsBounded(t *testing.T) {
	s := State{}
	s.Delay(DelayedPage{Due: t0, Reason: strings.Repeat("x", 5000)})
	require.LessOrEqual(t, len(s.Escalation.Pending[0].Reason), maxDelayedReason)
}

func TestNoReminderWithoutAckTimeout(t *testing.T) {
	s := New(Opening{Key: "k"}, t0)
	s.Plan = EngagementPlan{AckTimeouts: []time.Duration{5 * time.Minute}}
	s.Acknowledge(t0, "ana")
	s.SyncEscalation(t0)
	require.Nil(t, s.Escalation.ReminderDue)
}

func TestLevelResolvedNamesTheIncoming(t *testing.T) {
	s := State{Status: StatusTriggered}
	require.Equal(t, []string{"ana"}, s.LevelResolved([]string{"ana"}, t0.Add(time.Hour)))
	require.Equal(t, t0.Add(time.Hour), *s.Escalation.HandoffDue)
	require.Empty(t, s.LevelResolved([]string{"ana"}, t0.Add(2*time.Hour)), "the same person again is nobody new")
	require.Equal(t, []string{"bob"}, s.LevelResolved([]string{"bob", "ana"}, time.Time{}))
	require.Nil(t, s.Escalation.HandoffDue, "a shift that never ends arms nothing")

	s.Status = StatusAcknowledged
	s.LevelResolved([]string{"carol"}, t0.Add(time.Hour))
	require.Nil(t, s.Escalation.HandoffDue, "no handoff once acknowledged")
}

func TestHandoffDeadlineOnlyWhileTriggered(t *testing.T) {
	s := State{Status: StatusTriggered}
	s.LevelResolved([]string{"ana"}, t0.Add(time.Hour))
	_, what, ok := s.NextDeadline()
	require.True(t, ok)
	require.Equal(t, DeadlineHandoff, what)
	s.Status = StatusResolved
	_, _, ok = s.NextDeadline()
	require.False(t, ok)
}
