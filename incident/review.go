package incident

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bounds of the review.
const (
	// MaxFollowUps is how many follow-up actions an incident keeps.
	MaxFollowUps = 100
	// MaxReviewOpen is how long a resolved incident waits for its review to be closed before
	// its workflow completes anyway; its notes and follow-ups stay in its history.
	MaxReviewOpen = 30 * 24 * time.Hour
	// ReviewWorkingDays is how many working days after resolution the review meeting is due.
	ReviewWorkingDays = 5
)

// FollowUp is an action the review asks for, with the person who owns it.
type FollowUp struct {
	ID    int       `json:"id"`
	Text  string    `json:"text"`
	Owner string    `json:"owner"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// ErrReviewClosed rejects changes to an incident whose review is closed.
var ErrReviewClosed = errors.New("the incident's review is closed")

// CheckFollowUp rejects a follow-up action that cannot be added: from or for someone the
// organisation does not know, without text, or beyond MaxFollowUps.
func (s *State) CheckFollowUp(by, owner, text string) error {
	if err := s.CheckPerson(by); err != nil {
		return err
	}
	if err := s.CheckPerson(owner); err != nil {
		return fmt.Errorf("owner: %w", err)
	}
	if s.ReviewClosedAt != nil {
		return ErrReviewClosed
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return errors.New("a follow-up action needs text")
	case len(text) > MaxTextLen:
		return fmt.Errorf("a follow-up action's text is %d bytes; at most %d", len(text), MaxTextLen)
	case len(s.FollowUps) >= MaxFollowUps:
		return fmt.Errorf("the incident has %d follow-up actions, the most it keeps", MaxFollowUps)
	}
	return nil
}

// AddFollowUp records a follow-up action with its owner.
func (s *State) AddFollowUp(now time.Time, by, owner, text string) string {
	f := FollowUp{ID: len(s.FollowUps) + 1, Text: strings.TrimSpace(text), Owner: owner, By: by, At: now.UTC()}
	s.FollowUps = append(s.FollowUps, f)
	s.Record(now, "follow-up", by, fmt.Sprintf("follow-up %d for %s: %s", f.ID, owner, f.Text))
	return fmt.Sprintf("follow-up %d added for %s", f.ID, owner)
}

// OpenReview moves a resolved incident into review: it takes notes and follow-up actions until
// the review is closed, or for MaxReviewOpen, and the review meeting is due at meetingDue.
func (s *State) OpenReview(now, meetingDue time.Time) {
	s.CloseAt = at(now.Add(MaxReviewOpen))
	s.ReviewDue = at(meetingDue)
	s.EnterPhase(now, PhaseReview)
}

// CheckCloseReview rejects closing a review that cannot close.
func (s *State) CheckCloseReview(by, summary string) error {
	if err := s.CheckPerson(by); err != nil {
		return err
	}
	switch {
	case s.Status != StatusResolved:
		return errors.New("the incident is not resolved: resolve it before closing its review")
	case s.ReviewClosedAt != nil:
		return ErrReviewClosed
	case strings.TrimSpace(summary) == "":
		return errors.New("say what the review concluded (summary)")
	case len(summary) > MaxTextLen:
		return fmt.Errorf("the summary is %d bytes; at most %d", len(summary), MaxTextLen)
	}
	return nil
}

// CloseReview closes the review: the incident takes nothing more and its workflow completes.
func (s *State) CloseReview(now time.Time, by, summary string) string {
	s.ReviewClosedAt = at(now.UTC())
	s.ReviewDue, s.CloseAt = nil, nil
	s.Record(now, "review", by, "review closed: "+summary)
	return fmt.Sprintf("review closed by %s with %d follow-up actions", by, len(s.FollowUps))
}

// ReviewOverdue is called when the review meeting's day has come and the review is still open:
// the commander is reminded (whoever resolved the incident when there was none).
func (s *State) ReviewOverdue(now time.Time) Reminder {
	s.ReviewDue = nil
	r := Reminder{Number: 1, Role: RoleCommander, Person: s.Roles[RoleCommander]}
	if r.Person == "" {
		r.Role, r.Person = "", s.ResolvedBy
	}
	r.Text = fmt.Sprintf("The review of the %s incident %q, resolved %s, is due: hold the review meeting, add follow-up "+
		"actions with `firebreak incident follow-up %s --owner PERSON --text \"...\"` and close it with "+
		"`firebreak incident close-review %s --summary \"...\"`.", strings.ToUpper(string(s.Severity)), s.Title,
		s.ResolvedAt.UTC().Format(time.RFC3339), s.Key, s.Key)
	who := "nobody to remind"
	if r.Person != "" {
		who = r.Person + " reminded"
	}
	s.Record(now, "review", "", "review meeting due: "+who)
	return r
}
