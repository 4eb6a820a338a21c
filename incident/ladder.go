package incident

import (
	"fmt"
	"strings"
	"time"
)

// Bounds on the interval at which the end of an exhausted ladder pages again.
const (
	MinLadderEndRepeat = time.Minute
	MaxLadderEndRepeat = time.Hour
)

// Step identifies one page of the incident: the engagement plan, round and level it belongs to,
// or the end of the ladder, or the commander deadline. With the workflow ID, the person and the
// contact method it makes each page's idempotency key.
func (s *State) Step(level int) string {
	return fmt.Sprintf("engagement-%d/round-%d/level-%d", s.Engagement, s.Round, level)
}

// Engage adopts a new engagement plan: the ladder starts again from its first level, and a
// commander deadline starts when the plan names one and nobody holds the role. It reports
// whether paging must wait for working hours.
func (s *State) Engage(now time.Time, plan EngagementPlan) (deferred bool) {
	s.Plan = plan
	s.Engagement++
	s.Level, s.Round, s.LadderExhausted, s.LadderPaused = 0, 0, false, false
	s.AckDeadline, s.DeferredUntil, s.LadderEndDue = nil, nil, nil
	s.LadderEndPages = 0
	s.Escalation.LevelPeople, s.Escalation.HandoffDue = nil, nil
	if plan.CommanderTeam != "" && plan.CommanderDeadline > 0 && s.Roles[RoleCommander] == "" && s.CommanderDue == nil {
		s.CommanderDue = at(now.Add(plan.CommanderDeadline))
	}
	s.Record(now, "engage", "", fmt.Sprintf("engagement plan %d: %d levels, repeats %d (%s)",
		s.Engagement, plan.Levels(), plan.Repeats, strings.Join(plan.Reasons, "; ")))
	if plan.DeferUntil != nil && plan.DeferUntil.After(now) {
		s.DeferredUntil = at(*plan.DeferUntil)
		s.Record(now, "escalate", "", "outside working hours: paging waits until "+s.DeferredUntil.Format(time.RFC3339))
		return true
	}
	return false
}

// PageLevel moves the ladder to level and, while the incident is triggered, arms that level's
// acknowledgement deadline. The deadline is armed when the page is scheduled, not when it is
// delivered, so a slow or broken contact method never holds the ladder back.
func (s *State) PageLevel(now time.Time, level int) {
	s.Level = level
	s.AckDeadline = nil
	s.Escalation.HandoffDue = nil
	if s.Status == StatusTriggered {
		s.AckDeadline = at(now.Add(s.Plan.AckTimeouts[level-1]))
	}
}

// LadderMove is what the ladder does after a missed acknowledgement deadline.
type LadderMove struct {
	// Level is the level to page next (with Round); 0 when the ladder is exhausted.
	Level, Round int
	// Exhausted is set when every level of every round has been paged.
	Exhausted bool
}

// Next returns the ladder's move after level in round: the next level, the first level of the
// next round, or the end.
func (p EngagementPlan) Next(level, round int) LadderMove {
	switch {
	case level < p.Levels():
		return LadderMove{Level: level + 1, Round: round}
	case round < p.Repeats:
		return LadderMove{Level: 1, Round: round + 1}
	default:
		return LadderMove{Round: round, Exhausted: true}
	}
}

// MissAck handles a missed acknowledgement deadline: it returns the move the ladder makes and
// records why. When the ladder is exhausted, its end takes over (see EndLadder).
func (s *State) MissAck(now time.Time) LadderMove {
	s.AckDeadline = nil
	s.Metrics.EscalationsByDeadline++
	move := s.Plan.Next(s.Level, s.Round)
	s.Round = move.Round
	return move
}

// EndLadder marks the ladder exhausted and arms the next page of its end: after RepeatEvery,
// clamped to [MinLadderEndRepeat, MaxLadderEndRepeat], or never when RepeatEvery is zero. It
// returns the step of the page to send now.
func (s *State) EndLadder(now time.Time) string {
	s.LadderExhausted = true
	s.LadderEndPages++
	s.LadderEndDue = nil
	if every := s.Plan.LadderEnd.RepeatEvery; every > 0 && s.Status == StatusTriggered {
		s.LadderEndDue = at(now.Add(min(max(every, MinLadderEndRepeat), MaxLadderEndRepeat)))
	}
	return fmt.Sprintf("engagement-%d/ladder-end-%d", s.Engagement, s.LadderEndPages)
}

// PauseLadder reports whether a missed deadline must wait instead of paging: while every alert
// has resolved and the incident may yet close as a false alarm, when the policy says so.
func (s *State) PauseLadder() bool {
	return s.FalseAlarmDue != nil && s.Plan.Confirmation.PauseDuringFalseAlarmGrace
}

// Paged records the people a page reached at a level.
func (s *State) Paged(now time.Time, person, team string, level int) {
	for _, r := range s.Responders {
		if r.Person == person && r.Level == level && r.AcknowledgedAt == nil {
			return
		}
	}
	if len(s.Responders) >= MaxResponders {
		s.Responders = s.Responders[1:]
	}
	s.Responders = append(s.Responders, Responder{Person: person, Team: team, Level: level, PagedAt: now.UTC()})
}
