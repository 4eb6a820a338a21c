package incident

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestTruncate(t *testing.T) {
	cases := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short stays", "abc", 10, "abc"},
		{"exact stays", "abcdefghij", 10, "abcdefghij"},
		{"long is cut with a marker", strings.Repeat("a", 40), 20, "aaaaa" + truncatedMarker},
		{"never splits a rune in the middle", "aaaaaaéééééééééééé", 22, "aaaaaa" + truncatedMarker},
		{"never splits a rune", "aaaaaéééééééééééééé", 20, "aaaaa" + truncatedMarker},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Truncate(c.in, c.n)
			require.Equal(t, c.want, got)
			require.LessOrEqual(t, len(got), max(c.n, len(c.in)))
		})
	}
}

func TestLadderNext(t *testing.T) {
	plan := EngagementPlan{AckTimeouts: []time.Duration{time.Minute, time.Minute, time.Minute}, Repeats: 1}
	cases := []struct {
		name         string
		level, round int
		want         LadderMove
	}{
		{"next level", 1, 0, LadderMove{Level: 2, Round: 0}},
		{"last level repeats", 3, 0, LadderMove{Level: 1, Round: 1}},
		{"last level of the last round ends", 3, 1, LadderMove{Round: 1, Exhausted: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { require.Equal(t, c.want, plan.Next(c.level, c.round)) })
	}
}

func TestEndLadderClampsTheRepeat(t *testing.T) {
	cases := []struct {
		name  string
		every time.Duration
		want  *time.Time
	}{
		{"zero pages once", 0, nil},
		{"too often is a minute", time.Second, at(t0.Add(MinLadderEndRepeat))},
		{"too rare is an hour", 24 * time.Hour, at(t0.Add(MaxLadderEndRepeat))},
		{"in range stays", 10 * time.Minute, at(t0.Add(10 * time.Minute))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := State{Status: StatusTriggered, Engagement: 2, Plan: EngagementPlan{LadderEnd: LadderEnd{RepeatEvery: c.every}}}
			require.Equal(t, "engagement-2/ladder-end-1", s.EndLadder(t0))
			require.True(t, s.LadderExhausted)
			require.Equal(t, c.want, s.LadderEndDue)
		})
	}
}

func TestPageLevelArmsTheDeadlineOnlyWhileTriggered(t *testing.T) {
	plan := EngagementPlan{AckTimeouts: []time.Duration{time.Minute, 2 * time.Minute}}
	triggered := State{Status: StatusTriggered, Plan: plan}
	triggered.PageLevel(t0, 2)
	require.Equal(t, at(t0.Add(2*time.Minute)), triggered.AckDeadline)
	acknowledged := State{Status: StatusAcknowledged, Plan: plan}
	acknowledged.PageLevel(t0, 2)
	require.Nil(t, acknowledged.AckDeadline)
	require.Equal(t, 2, acknowledged.Level)
}

func alertsOf(status string, fingerprints ...string) AlertBatch {
	b := AlertBatch{Routing: Routing{Group: "g", CloseFalseAlarms: true, FalseAlarmGrace: 5 * time.Minute}}
	for _, f := range fingerprints {
		b.Alerts = append(b.Alerts, Alert{Source: "alertmanager", Fingerprint: f, Status: status, Title: "t"})
	}
	return b
}

func TestReceiveAlerts(t *testing.T) {
	cases := []struct {
		name        string
		batches     []AlertBatch
		wantFiring  int
		wantGrace   bool
		wantResolve bool
	}{
		{"firing", []AlertBatch{alertsOf(AlertFiring, "a", "b")}, 2, false, false},
		{"a duplicate counts once", []AlertBatch{alertsOf(AlertFiring, "a", "a")}, 1, false, false},
		{"all resolved starts the grace", []AlertBatch{alertsOf(AlertFiring, "a"), alertsOf(AlertResolved, "a")}, 0, true, true},
		{"one still firing", []AlertBatch{alertsOf(AlertFiring, "a", "b"), alertsOf(AlertResolved, "a")}, 1, false, false},
		{"firing again cancels the grace", []AlertBatch{alertsOf(AlertFiring, "a"), alertsOf(AlertResolved, "a"), alertsOf(AlertFiring, "a")}, 1, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(Opening{Key: "k", Title: "t"}, t0)
			for _, b := range c.batches {
				s.ReceiveAlerts(t0, b)
			}
			require.Equal(t, c.wantFiring, s.AlertBook.FiringNow)
			require.Equal(t, c.wantGrace, s.FalseAlarmDue != nil)
			require.Equal(t, c.wantResolve, s.AlertBook.AllResolved())
		})
	}
}

func TestAlertBookkeepingIsBounded(t *testing.T) {
	s := New(Opening{Key: "k", Title: "t"}, t0)
	long := strings.Repeat("x", 10_000)
	for i := range MaxTrackedAlerts + 500 {
		s.ReceiveAlerts(t0.Add(time.Duration(i)*time.Second), AlertBatch{Alerts: []Alert{{
			Source: "generic", Fingerprint: fmt.Sprintf("%d-%s", i, long), Status: AlertFiring, Title: long,
		}}})
	}
	require.Len(t, s.AlertBook.Firing, MaxTrackedAlerts)
	require.Equal(t, 500, s.AlertBook.Untracked)
	require.False(t, s.AlertBook.AllResolved(), "with untracked alerts nobody can tell")
	require.Len(t, s.Alerts, RecentAlerts)
	require.Len(t, s.Timeline, 1, "a run of alert batches is one timeline entry")
	data, err := json.Marshal(s)
	require.NoError(t, err)
	require.Less(t, len(data), 256*1024, "state of %d distinct 10 KB alerts", MaxTrackedAlerts+500)
}

func TestCarryKeepsTheTimelineTail(t *testing.T) {
	s := New(Opening{Key: "k", Title: "t"}, t0)
	for i := range MaxTimeline {
		s.Record(t0, "note", "tom", fmt.Sprint(i))
	}
	require.True(t, s.TimelineFull())
	carried := s.Carry("run-1")
	require.Len(t, carried.Timeline, CarriedTimeline)
	require.Equal(t, fmt.Sprint(MaxTimeline-1), carried.Timeline[CarriedTimeline-1].Text)
	require.Equal(t, MaxTimeline-CarriedTimeline, carried.TimelineEarlier)
	require.Equal(t, "run-1", carried.EarlierRun)
	require.Len(t, s.Timeline, MaxTimeline, "the run's own state is untouched")
}

func TestCheckPerson(t *testing.T) {
	s := State{Plan: EngagementPlan{People: []string{"ana", "tom"}}}
	cases := []struct{ name, person, want string }{
		{"known", "tom", ""},
		{"nobody", "", "say who is acting"},
		{"unknown", "mallory", `"mallory" is not a person the organisation knows`},
		{"not an ID", "Tom\x1b[2J", "is not a person ID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.CheckPerson(c.person)
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, c.want)
		})
	}
	require.NoError(t, (&State{}).CheckPerson("anyone"), "a plan that lists nobody trusts the name")
}

func TestConfirmation(t *testing.T) {
	cases := []struct {
		name      string
		rule      Confirmation
		alerts    []AlertBatch
		atStart   bool
		byAlerts  bool
		wantNotes string
	}{
		{"declared incidents are confirmed at start", Confirmation{AtStart: true}, nil, true, false, "declared"},
		{"firing alerts confirm after the wait", Confirmation{AfterFiring: time.Minute}, []AlertBatch{alertsOf(AlertFiring, "a")}, false, true, "kept firing"},
		{"resolved alerts do not", Confirmation{AfterFiring: time.Minute}, []AlertBatch{alertsOf(AlertFiring, "a"), alertsOf(AlertResolved, "a")}, false, false, "no alert is firing"},
		{"no alerts, no confirmation", Confirmation{AfterFiring: time.Minute}, nil, false, false, "no alert is firing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(Opening{Key: "k", Source: "cli", Title: "t"}, t0)
			s.Plan.Confirmation = c.rule
			for _, b := range c.alerts {
				s.ReceiveAlerts(t0, b)
			}
			require.Equal(t, c.atStart, s.AwaitConfirmation(t0))
			if !c.atStart {
				require.Equal(t, at(t0.Add(time.Minute)), s.ConfirmDue)
				require.Equal(t, c.byAlerts, s.ConfirmByAlerts(t0.Add(time.Minute)))
			}
			require.Contains(t, s.Timeline[len(s.Timeline)-1].Text, c.wantNotes)
		})
	}
}

func TestResolvedIncidentsTakeOnlyNotes(t *testing.T) {
	s := New(Opening{Key: "k", Title: "t"}, t0)
	s.Resolve(t0.Add(time.Hour), "tom", "fixed")
	require.Equal(t, at(t0.Add(time.Hour+ReviewWindow)), s.CloseAt)
	require.ErrorIs(t, s.CheckAck("tom"), ErrResolved)
	require.ErrorIs(t, s.CheckResolve("tom", "again"), ErrResolved)
	require.NoError(t, s.CheckNote("tom", NoteObservation, "for the review"))
}

func TestAdoptBooksTheAlertsOfTheFirstVersion(t *testing.T) {
	s := State{}
	for i := range 30 {
		status := AlertResolved
		if i%10 == 0 {
			status = AlertFiring
		}
		s.Alerts = append(s.Alerts, AlertRecord{Source: "alertmanager", Fingerprint: fmt.Sprint(i), Status: status, LastSeen: t0.Add(time.Duration(i) * time.Second)})
	}
	s.Adopt()
	require.Len(t, s.AlertBook.Firing, 30)
	require.Equal(t, 3, s.AlertBook.FiringNow)
	require.Len(t, s.Alerts, RecentAlerts)
	require.Equal(t, "29", s.Alerts[RecentAlerts-1].Fingerprint, "the most recently seen are kept")
	s.ReceiveAlerts(t0, alertsOf(AlertResolved, "0"))
	require.Equal(t, 2, s.AlertBook.FiringNow, "a booked alert resolves")
}
