package incident

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ErrResolved rejects an action on a resolved incident; notes are still taken, for the review.
var ErrResolved = errors.New("the incident is resolved: only notes are taken now, for the review")

// ReviewWindow is how long a resolved incident keeps taking notes before its workflow completes.
const ReviewWindow = 7 * 24 * time.Hour

// SystemActor is who acts when Firebreak itself resolves an incident (a false alarm).
const SystemActor = "firebreak"

var personPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// CheckPerson rejects a person the organisation does not know. Every person in the
// configuration may act on any incident (ack, escalate, assign, report impact, note, resolve),
// as anyone who knows a role can take it on: what is checked is who they are, not their team.
// An incident whose plan lists nobody (one carried from before people were listed) trusts the
// name given.
func (s *State) CheckPerson(person string) error {
	if strings.TrimSpace(person) == "" {
		return errors.New("say who is acting (by)")
	}
	if !personPattern.MatchString(person) {
		return fmt.Errorf("%q is not a person ID: use lowercase letters, digits, '.', '_' and '-'", person)
	}
	if len(s.Plan.People) > 0 {
		if _, found := slices.BinarySearch(s.Plan.People, person); !found {
			return fmt.Errorf("%q is not a person the organisation knows: use the ID of someone in the configuration's people", person)
		}
	}
	return nil
}

// CheckOpen is the check every action but a note shares: who acts, and that the incident is
// still open.
func (s *State) CheckOpen(by string) error {
	if err := s.CheckPerson(by); err != nil {
		return err
	}
	if s.Status == StatusResolved {
		return ErrResolved
	}
	return nil
}

// CheckAck rejects an acknowledgement that cannot apply.
func (s *State) CheckAck(by string) error {
	if err := s.CheckOpen(by); err != nil {
		return err
	}
	if s.Status == StatusAcknowledged {
		return fmt.Errorf("already acknowledged by %s", s.AcknowledgedBy)
	}
	return nil
}

// Acknowledge stops the ladder: the deadlines of paging stop, the incident is confirmed, and
// the response moves on to delegating roles (or to resolving, when a commander is named).
func (s *State) Acknowledge(now time.Time, by string) string {
	return s.acknowledge(now, by, "acknowledged by "+by)
}

// acknowledge is Acknowledge with the timeline text given.
func (s *State) acknowledge(now time.Time, by, text string) string {
	now = now.UTC()
	s.Status = StatusAcknowledged
	s.AcknowledgedBy = by
	s.AckDeadline, s.DeferredUntil, s.FalseAlarmDue, s.LadderEndDue = nil, nil, nil, nil
	s.LadderPaused = false
	if s.AcknowledgedAt == nil {
		s.AcknowledgedAt = &now
		s.Metrics.TimeToAcknowledge = now.Sub(s.StartedAt)
	}
	for i := range s.Responders {
		if s.Responders[i].Person == by && s.Responders[i].AcknowledgedAt == nil {
			s.Responders[i].AcknowledgedAt = &now
		}
	}
	if s.Phase == PhaseEscalate || s.Phase == PhaseCommunicate {
		s.Phase = PhaseDelegate
		if s.Roles[RoleCommander] != "" {
			s.Phase = PhaseResolve
		}
	}
	s.Record(now, "ack", by, text)
	return text
}

// CheckEscalate rejects a manual escalation that cannot apply.
func (s *State) CheckEscalate(by, reason string) error {
	if err := s.CheckOpen(by); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return errors.New("give a reason for escalating")
	}
	if levels := s.Plan.Levels(); levels > 0 && s.Level >= levels {
		return fmt.Errorf("already at the last escalation level (%d of %d)", s.Level, levels)
	}
	return nil
}

// Escalate makes the incident triggered again at the next level; the caller pages that level.
func (s *State) Escalate(now time.Time, by, reason string) (level int, text string) {
	s.Status = StatusTriggered
	s.DeferredUntil = nil
	s.Phase = PhaseEscalate
	level = s.Level + 1
	text = fmt.Sprintf("escalated to level %d by %s: %s", level, by, reason)
	s.Record(now, "escalate", by, text)
	return level, text
}

// CheckAssign rejects a role assignment that cannot apply.
func (s *State) CheckAssign(by string, role Role, person string) error {
	if err := s.CheckOpen(by); err != nil {
		return err
	}
	if !role.Valid() {
		return fmt.Errorf("unknown role %q: use commander, tech_lead or communications_lead", role)
	}
	if err := s.CheckPerson(person); err != nil {
		return fmt.Errorf("cannot give %s the role: %w", person, err)
	}
	return nil
}

// Assign gives a role to a person; naming a commander ends the commander deadline.
func (s *State) Assign(now time.Time, by string, role Role, person string) string {
	s.Roles[role] = person
	if role == RoleCommander {
		s.CommanderDue = nil
		if s.Phase == PhaseDelegate {
			s.Phase = PhaseResolve
		}
	}
	text := fmt.Sprintf("%s is %s (assigned by %s)", person, role, by)
	s.Record(now, "assign", by, text)
	return text
}

// CheckNote rejects a note that cannot be taken. Notes are taken after resolution too: they
// feed the review.
func (s *State) CheckNote(by string, kind NoteKind, text string) error {
	if err := s.CheckPerson(by); err != nil {
		return err
	}
	if !kind.Valid() {
		return fmt.Errorf("unknown note kind %q: use observation, theory, experiment or result", kind)
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("a note needs text")
	}
	return nil
}

// Note adds a note to the timeline; the first note of the delegate phase starts resolving.
func (s *State) Note(now time.Time, by string, kind NoteKind, text string) (phaseChanged bool) {
	s.Record(now, string(kind), by, text)
	if s.Phase == PhaseDelegate {
		s.Phase = PhaseResolve
		return true
	}
	return false
}

// CheckResolve rejects a resolution that cannot apply.
func (s *State) CheckResolve(by, summary string) error {
	if err := s.CheckOpen(by); err != nil {
		return err
	}
	if strings.TrimSpace(summary) == "" {
		return errors.New("say how the impact ended (summary)")
	}
	return nil
}

// Resolve ends the impact: every deadline stops, the response figures are computed against the
// plan's targets, and the incident takes notes until CloseAt, the end of the review window.
func (s *State) Resolve(now time.Time, by, summary string) string {
	now = now.UTC()
	s.ResolvedAt, s.Resolution, s.ResolvedBy = &now, summary, by
	s.Status = StatusResolved
	s.AckDeadline, s.DeferredUntil, s.CommanderDue, s.FalseAlarmDue = nil, nil, nil, nil
	s.ConfirmDue, s.LadderEndDue, s.LadderPaused, s.UpdateDue = nil, nil, false, nil
	s.CloseAt = at(now.Add(ReviewWindow))
	s.Metrics.TimeToResolve = now.Sub(s.StartedAt)
	s.Metrics.ResponseTarget, s.Metrics.ResolutionTarget = s.Plan.ResponseTarget, s.Plan.ResolutionTarget
	responseMet := s.AcknowledgedAt != nil && s.Metrics.TimeToAcknowledge <= s.Plan.ResponseTarget
	resolutionMet := s.Metrics.TimeToResolve <= s.Plan.ResolutionTarget
	s.Metrics.ResponseTargetMet, s.Metrics.ResolutionTargetMet = &responseMet, &resolutionMet
	s.Record(now, "resolve", by, "resolved: "+summary)
	s.EnterPhase(now, PhaseResolve)
	return fmt.Sprintf("resolved by %s after %s; response target %s, resolution target %s",
		by, s.Metrics.TimeToResolve.Round(time.Second), metOrMissed(responseMet), metOrMissed(resolutionMet))
}

func metOrMissed(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

// Confirm marks the incident as real, so that customers may hear of it. It reports whether the
// incident was not confirmed before.
func (s *State) Confirm(now time.Time, why string) bool {
	s.ConfirmDue = nil
	if s.ConfirmedAt != nil || s.Status == StatusResolved {
		return false
	}
	s.ConfirmedAt = at(now)
	s.Record(now, "confirm", "", "confirmed: "+why)
	s.armUpdateDue(now)
	return true
}

// AwaitConfirmation applies the plan's confirmation rule at the start of paging: a declared
// incident is confirmed at once; one opened by alerts is confirmed when acknowledged, or once
// its alerts have kept firing for the plan's AfterFiring. It reports whether the incident is
// confirmed now.
func (s *State) AwaitConfirmation(now time.Time) bool {
	rule := s.Plan.Confirmation
	if s.ConfirmedAt != nil {
		return false
	}
	if rule.AtStart || s.Status == StatusAcknowledged {
		return s.Confirm(now, "declared by "+s.Source)
	}
	if s.ConfirmDue == nil && rule.AfterFiring > 0 {
		s.ConfirmDue = at(s.StartedAt.Add(rule.AfterFiring))
	}
	return false
}

// ConfirmByAlerts is called when ConfirmDue passes: the incident is confirmed when its alerts
// are still firing; otherwise confirmation waits for an acknowledgement.
func (s *State) ConfirmByAlerts(now time.Time) bool {
	s.ConfirmDue = nil
	if s.AlertBook.FiringNow == 0 && s.AlertBook.Untracked == 0 {
		s.Record(now, "confirm", "", "not confirmed: no alert is firing; waiting for an acknowledgement")
		return false
	}
	return s.Confirm(now, fmt.Sprintf("alerts kept firing for %s", s.Plan.Confirmation.AfterFiring))
}
