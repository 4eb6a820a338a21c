package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cadenced is a confirmed sev1 incident whose plan wants a public update every 30 minutes from
// the communications lead or the commander.
func cadenced() State {
	return State{
		Key: "checkout-1", Title: "checkout down", Severity: Sev1, Status: StatusAcknowledged,
		ConfirmedAt: at(t0),
		Roles:       map[Role]string{RoleCommander: "ana", RoleCommunications: "bo"},
		Plan: EngagementPlan{
			People: []string{"ana", "bo", "cy"},
			Updates: UpdateCadence{
				Every: 30 * time.Minute, Posters: []Role{RoleCommunications, RoleCommander},
				RemindCommanderAfter: 10 * time.Minute,
			},
		},
	}
}

func TestCheckPostUpdate(t *testing.T) {
	cases := []struct {
		name             string
		change           func(*State)
		by               string
		public, internal string
		want             string
	}{
		{"the communications lead posts a public update", nil, "bo", "still working on it", "", ""},
		{"the commander posts a public update", nil, "ana", "still working on it", "", ""},
		{"anyone known posts an internal update", nil, "cy", "", "db failover started", ""},
		{"a public update from another role is refused", nil, "cy", "still working", "",
			"a public sev1 update is posted by the communications lead or commander; cy holds neither role"},
		{"anyone known posts when the policy names no roles", func(s *State) { s.Plan.Updates.Posters = nil }, "cy", "still working", "", ""},
		{"an unknown person is refused", nil, "zed", "", "x", `"zed" is not a person the organisation knows`},
		{"no text posts the templates", nil, "bo", "  ", "", ""},
		{"the public template needs a poster role", nil, "cy", "", "",
			"a public sev1 update is posted by the communications lead or commander; cy holds neither role"},
		{"the internal template alone needs no role", func(s *State) { s.ConfirmedAt = nil }, "cy", "", "", ""},
		{"too long is refused", nil, "bo", "", strings.Repeat("x", MaxUpdateText+1), "at most 4000"},
		{"a resolved incident is refused", func(s *State) { s.Status = StatusResolved }, "bo", "", "x", ErrResolved.Error()},
		{"an unconfirmed incident has no public updates", func(s *State) { s.ConfirmedAt = nil }, "bo", "x", "", "not confirmed yet"},
		{"an unconfirmed incident takes internal updates", func(s *State) { s.ConfirmedAt = nil }, "bo", "", "x", ""},
		{"a private incident has no public updates", func(s *State) { s.Private = true }, "bo", "x", "", "private"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := cadenced()
			if c.change != nil {
				c.change(&s)
			}
			err := s.CheckPostUpdate(c.by, c.public, c.internal)
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestConfirmStartsTheCadence(t *testing.T) {
	cases := []struct {
		name  string
		every time.Duration
		priv  bool
		want  *time.Time
	}{
		{"a cadence is due one interval after confirmation", 30 * time.Minute, false, at(t0.Add(30 * time.Minute))},
		{"no cadence arms nothing", 0, false, nil},
		{"a private incident arms nothing", 30 * time.Minute, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := State{Status: StatusTriggered, Private: c.priv, Plan: EngagementPlan{Updates: UpdateCadence{Every: c.every}}}
			require.True(t, s.Confirm(t0, "acknowledged"))
			require.Equal(t, c.want, s.UpdateDue)
			next, what, ok := s.NextDeadline()
			require.Equal(t, c.want != nil, ok)
			if ok {
				require.Equal(t, DeadlineUpdate, what)
				require.Equal(t, *c.want, next)
			}
		})
	}
}

func TestUpdateAudiences(t *testing.T) {
	cases := []struct {
		name                   string
		change                 func(*State)
		public, internal       string
		wantPublic, wantIntern bool
	}{
		{"both texts", nil, "p", "i", true, true},
		{"public text only", nil, "p", "", true, false},
		{"internal text only", nil, "", "i", false, true},
		{"no text: both templates once confirmed", nil, "", "", true, true},
		{"no text: internal template before confirmation", func(s *State) { s.ConfirmedAt = nil }, "", "", false, true},
		{"no text: internal template for a private incident", func(s *State) { s.Private = true }, " ", "", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := cadenced()
			if c.change != nil {
				c.change(&s)
			}
			toPublic, toInternal := s.UpdateAudiences(c.public, c.internal)
			require.Equal(t, c.wantPublic, toPublic)
			require.Equal(t, c.wantIntern, toInternal)
		})
	}
}

func TestPublicUpdateResetsTheCadence(t *testing.T) {
	s := cadenced()
	s.UpdateDue, s.UpdateReminders = at(t0.Add(time.Minute)), 1
	later := t0.Add(20 * time.Minute)
	require.Equal(t, "public and internal update posted; the next public update is due by 2026-12-01T10:50:00Z",
		s.AcceptUpdate(later, "bo", true))
	require.Equal(t, at(later.Add(30*time.Minute)), s.UpdateDue)
	require.Zero(t, s.UpdateReminders)

	// An internal update is recorded but does not count as telling customers.
	require.Equal(t, "internal update posted; the next public update is due by 2026-12-01T10:50:00Z",
		s.AcceptUpdate(later.Add(time.Minute), "cy", false))
	require.Equal(t, at(later.Add(30*time.Minute)), s.UpdateDue)
	require.Equal(t, "internal update posted by cy", s.Timeline[len(s.Timeline)-1].Text)
}

func TestUpdateOverdueRemindsTheCommunicationsLeadThenTheCommander(t *testing.T) {
	cases := []struct {
		name   string
		roles  map[Role]string
		first  Reminder
		second *Reminder
	}{
		{
			"communications lead, then commander",
			map[Role]string{RoleCommander: "ana", RoleCommunications: "bo"},
			Reminder{Person: "bo", Role: RoleCommunications, Number: 1},
			&Reminder{Person: "ana", Role: RoleCommander, Number: 2},
		},
		{
			"the commander at once when nobody leads communications",
			map[Role]string{RoleCommander: "ana"},
			Reminder{Person: "ana", Role: RoleCommander, Number: 1}, nil,
		},
		{
			"nobody to remind is recorded",
			map[Role]string{},
			Reminder{Role: RoleCommander, Number: 1}, nil,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := cadenced()
			s.Roles = c.roles
			due := t0.Add(30 * time.Minute)
			got := s.UpdateOverdue(due)
			require.Contains(t, got.Text, "is overdue: customers have not heard from us for 30m0s")
			got.Text = ""
			require.Equal(t, c.first, got)
			if c.second == nil {
				require.Nil(t, s.UpdateDue, "after the commander's reminder the incident waits for an update")
				return
			}
			require.Equal(t, at(due.Add(10*time.Minute)), s.UpdateDue)
			got = s.UpdateOverdue(due.Add(10 * time.Minute))
			got.Text = ""
			require.Equal(t, *c.second, got)
			require.Nil(t, s.UpdateDue)
		})
	}
}

func TestCadenceChanged(t *testing.T) {
	s := cadenced()
	s.UpdateDue = at(t0.Add(time.Minute))
	s.Plan.Updates.Every = 0
	s.CadenceChanged(t0)
	require.Nil(t, s.UpdateDue, "a plan without a cadence stops the reminders")

	s.Plan.Updates.Every = time.Hour
	s.CadenceChanged(t0)
	require.Equal(t, at(t0.Add(time.Hour)), s.UpdateDue, "a cadence where there was none starts from now")
}

func TestResolveStopsTheCadence(t *testing.T) {
	s := cadenced()
	s.UpdateDue = at(t0.Add(time.Minute))
	s.Resolve(t0, "ana", "rolled back")
	require.Nil(t, s.UpdateDue)
}

func TestMessagesAreBounded(t *testing.T) {
	s := cadenced()
	for i := range MaxMessages + 7 {
		s.AddMessages([]Message{{Audience: AudienceInternal, Text: strings.Repeat("x", i%3)}})
	}
	require.Len(t, s.Messages, MaxMessages)
}
