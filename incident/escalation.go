package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The deadlines escalation policies and notification rules add.
const (
	// DeadlineHandoff is the end of the current level's on-call shift while nobody has
	// acknowledged: whoever comes on call then is paged.
	DeadlineHandoff Deadline = "handoff"
	// DeadlineNotify is the next delayed contact method of a page.
	DeadlineNotify Deadline = "notify"
	// DeadlineAckReminder is the acknowledgement timeout: the acknowledger of an incident still
	// unresolved is paged again.
	DeadlineAckReminder Deadline = "ack-reminder"
)

// What a level whose targets resolve to nobody does.
const (
	// OnEmptySkip moves on to the next level at once.
	OnEmptySkip = "skip"
	// OnEmptyHold waits out the level's deadline, paging whoever comes on call meanwhile.
	OnEmptyHold = "hold"
)

// MaxPendingPages bounds the delayed contact methods an incident keeps waiting; a page beyond
// it is sent at once rather than dropped. maxDelayedReason bounds the reason each one keeps.
const (
	MaxPendingPages  = 200
	maxDelayedReason = 500
)

// EscalationPolicy is a configured escalation policy as the plan takes it: ordered levels, each
// with targets and the delay before the next level pages, how many times the ladder repeats,
// what a level that resolves to nobody does, and the acknowledgement timeout (zero for none).
type EscalationPolicy struct {
	ID          string        `json:"id"`
	Levels      []PolicyLevel `json:"levels"`
	Repeats     int           `json:"repeats"`
	OnEmpty     string        `json:"on_empty"`
	AckReminder time.Duration `json:"ack_reminder"`
}

// PolicyLevel is one level of an escalation policy.
type PolicyLevel struct {
	Delay   time.Duration `json:"delay"`
	Targets []Target      `json:"targets"`
}

// Apply makes plan page through the policy: its levels become the plan's tiers and
// acknowledgement timeouts, its repeats, empty-level rule and acknowledgement timeout the
// plan's; the ladder's end pages the last level and the commander team. It returns the reason
// to record.
func (p EscalationPolicy) Apply(plan *EngagementPlan) string {
	plan.EscalationPolicy = p.ID
	plan.Tiers, plan.AckTimeouts = nil, nil
	for _, l := range p.Levels {
		plan.Tiers = append(plan.Tiers, slices.Clone(l.Targets))
		plan.AckTimeouts = append(plan.AckTimeouts, l.Delay)
	}
	plan.Repeats = p.Repeats
	plan.OnEmpty = p.OnEmpty
	if plan.OnEmpty == "" {
		plan.OnEmpty = OnEmptySkip
	}
	plan.AckReminder = p.AckReminder
	if len(p.Levels) > 0 {
		end := slices.Clone(p.Levels[len(p.Levels)-1].Targets)
		if commanders := (Target{Team: plan.CommanderTeam}); plan.CommanderTeam != "" && !slices.Contains(end, commanders) {
			end = append(end, commanders)
		}
		plan.LadderEnd.Targets = end
	}
	reminder := "no acknowledgement timeout"
	if p.AckReminder > 0 {
		reminder = "acknowledgement timeout " + p.AckReminder.String()
	}
	return fmt.Sprintf("escalation policy %s: %d levels (%s), repeats %d, a level with nobody on call: %s, %s",
		p.ID, len(p.Levels), levelDelays(p.Levels), p.Repeats, plan.OnEmpty, reminder)
}

func levelDelays(levels []PolicyLevel) string {
	parts := make([]string, len(levels))
	for i, l := range levels {
		parts[i] = l.Delay.String()
	}
	return strings.Join(parts, ", ")
}

// Escalation is what an incident paging through an escalation policy keeps besides the ladder:
// the current level's people and when its on-call shift ends, the contact methods waiting for
// their delay, and the acknowledgement timeout. Its deadlines hold only while they apply: the
// handoff and the delayed methods while the incident is triggered, the reminder while it is
// acknowledged.
type Escalation struct {
	// LevelPeople are who the current level's targets resolved to, sorted.
	LevelPeople []string `json:"level_people,omitempty"`
	// HandoffDue is when the current level's earliest on-call shift ends.
	HandoffDue *time.Time `json:"handoff_due,omitempty"`
	// Pending are the contact methods waiting for their delay, earliest first.
	Pending []DelayedPage `json:"pending,omitempty"`
	// ReminderDue is when the acknowledger is paged again; ReminderFor is who.
	ReminderDue *time.Time `json:"reminder_due,omitempty"`
	ReminderFor string     `json:"reminder_for,omitempty"`
	// Reminders counts the acknowledgement-timeout pages sent.
	Reminders int `json:"reminders,omitempty"`
}

// DelayedPage is one contact method of one page, waiting for its delay.
type DelayedPage struct {
	Due    time.Time     `json:"due"`
	Step   string        `json:"step"`
	Person string        `json:"person"`
	Team   string        `json:"team,omitempty"`
	Method string        `json:"method"`
	Level  int           `json:"level"`
	After  time.Duration `json:"after"`
	Reason string        `json:"reason"`
	Label  string        `json:"label"`
}

// deadlines offers the escalation's deadlines that apply in the incident's status to consider.
func (s *State) escalationDeadlines(consider func(*time.Time, Deadline)) {
	e := &s.Escalation
	if s.Status == StatusTriggered {
		consider(e.HandoffDue, DeadlineHandoff)
		if len(e.Pending) > 0 {
			consider(&e.Pending[0].Due, DeadlineNotify)
		}
	}
	if s.Status == StatusAcknowledged {
		consider(e.ReminderDue, DeadlineAckReminder)
	}
}

// SyncEscalation brings the escalation in line with the incident's status after anything
// happened: once the incident is no longer triggered, the handoff and the delayed contact
// methods stop (it returns how many methods were stopped, to record); once it is acknowledged by
// a person (not an alert source), the acknowledgement timeout starts for them, and stops when
// the incident is no longer acknowledged.
func (s *State) SyncEscalation(now time.Time) (stopped int) {
	e := &s.Escalation
	if s.Status != StatusTriggered {
		stopped = len(e.Pending)
		e.Pending, e.HandoffDue, e.LevelPeople = nil, nil, nil
	}
	switch {
	case s.Status != StatusAcknowledged:
		e.ReminderDue, e.ReminderFor = nil, ""
	case s.Plan.AckReminder > 0 && (e.ReminderDue == nil || e.ReminderFor != s.AcknowledgedBy) && s.CheckPerson(s.AcknowledgedBy) == nil:
		e.ReminderDue, e.ReminderFor = at(now.Add(s.Plan.AckReminder)), s.AcknowledgedBy
	}
	return stopped
}

// Remind handles a passed acknowledgement timeout: it arms the next one and returns who to page
// again and the page's step.
func (s *State) Remind(now time.Time) (person, step string) {
	e := &s.Escalation
	e.Reminders++
	person = e.ReminderFor
	e.ReminderDue = nil
	if s.Plan.AckReminder > 0 {
		e.ReminderDue = at(now.Add(s.Plan.AckReminder))
	}
	return person, fmt.Sprintf("engagement-%d/ack-reminder-%d", s.Engagement, e.Reminders)
}

// Delay queues one contact method of a page for its delay, keeping the queue in due order. It
// reports false when the queue is full: the caller sends the method at once.
func (s *State) Delay(p DelayedPage) bool {
	e := &s.Escalation
	if len(e.Pending) >= MaxPendingPages {
		return false
	}
	p.Due = p.Due.UTC()
	p.Reason = Truncate(p.Reason, maxDelayedReason)
	i, _ := slices.BinarySearchFunc(e.Pending, p.Due, func(d DelayedPage, t time.Time) int {
		if d.Due.After(t) {
			return 1
		}
		return -1
	})
	e.Pending = slices.Insert(e.Pending, i, p)
	return true
}

// DuePages removes and returns the delayed contact methods due at now, in due order.
func (s *State) DuePages(now time.Time) []DelayedPage {
	e := &s.Escalation
	n := 0
	for n < len(e.Pending) && !e.Pending[n].Due.After(now) {
		n++
	}
	due := slices.Clone(e.Pending[:n])
	e.Pending = slices.Delete(e.Pending, 0, n)
	if len(e.Pending) == 0 {
		e.Pending = nil
	}
	return due
}

// LevelResolved records who the current level's targets resolved to and when its earliest
// on-call shift ends (zero when none ends), arming the handoff while the incident is
// triggered. It returns the people who were not on call for the level before, sorted.
func (s *State) LevelResolved(people []string, until time.Time) (incoming []string) {
	e := &s.Escalation
	people = slices.Clone(people)
	slices.Sort(people)
	people = slices.Compact(people)
	for _, p := range people {
		if _, found := slices.BinarySearch(e.LevelPeople, p); !found {
			incoming = append(incoming, p)
		}
	}
	e.LevelPeople = people
	e.HandoffDue = nil
	if !until.IsZero() && s.Status == StatusTriggered {
		e.HandoffDue = at(until)
	}
	return incoming
}

// EmptyLevel decides what a level whose targets resolved to nobody does: it reports whether
// the ladder skips to its next level now (otherwise it holds until the level's deadline) and
// the text to record.
func (s *State) EmptyLevel(why string) (skip bool, text string) {
	if s.Plan.OnEmpty == OnEmptyHold {
		text = fmt.Sprintf("level %d resolves to nobody (%s): holding until its deadline; whoever comes on call meanwhile is paged", s.Level, why)
		return false, text
	}
	return true, fmt.Sprintf("level %d resolves to nobody (%s): skipping to the next level", s.Level, why)
}

// SkipLevel moves the ladder past an empty level without counting a missed deadline.
func (s *State) SkipLevel() LadderMove {
	s.AckDeadline = nil
	move := s.Plan.Next(s.Level, s.Round)
	s.Round = move.Round
	return move
}
