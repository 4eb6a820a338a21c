package incident

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Bounds on status updates.
const (
	// MaxUpdateText bounds the text of a posted update, in bytes.
	MaxUpdateText = 4000
	// MaxMessages is how many of the latest messages an incident keeps; older ones stay on the
	// timeline and in the history.
	MaxMessages = 50
)

// UpdateCadence is the communication policy's rule for status updates: a public update is due
// every Every once the incident is confirmed (0: no cadence), posted by a holder of one of
// Posters (empty: anyone the organisation knows); an overdue update reminds the communications
// lead, and the commander RemindCommanderAfter later.
type UpdateCadence struct {
	Every                time.Duration `json:"every,omitempty"`
	Posters              []Role        `json:"posters,omitempty"`
	RemindCommanderAfter time.Duration `json:"remind_commander_after,omitempty"`
}

// Reminder says who is reminded that a public update is overdue, and why.
type Reminder struct {
	// Person is who is reminded; "" when nobody holds a role that could be reminded.
	Person string
	// Role is the role the person was reminded as.
	Role Role
	// Number counts the reminders for this overdue update, from 1.
	Number int
	// Text is the reminder's message.
	Text string
}

// UpdateAudiences says whom a status update reaches: the audiences whose text is given, or,
// when neither is, the templates: the internal one always, the public one once customers may
// hear of the incident.
func (s *State) UpdateAudiences(public, internal string) (toPublic, toInternal bool) {
	public, internal = strings.TrimSpace(public), strings.TrimSpace(internal)
	if public == "" && internal == "" {
		return s.ConfirmedAt != nil && !s.Private, true
	}
	return public != "", internal != ""
}

// CheckPostUpdate rejects a status update that cannot be posted: from someone unknown, on a
// resolved incident, too long, or public on a private or unconfirmed incident or from someone
// who holds none of the roles the policy lets post one.
func (s *State) CheckPostUpdate(by, public, internal string) error {
	if err := s.CheckOpen(by); err != nil {
		return err
	}
	for _, text := range []string{public, internal} {
		if len(text) > MaxUpdateText {
			return fmt.Errorf("an update's text is %d bytes; at most %d", len(text), MaxUpdateText)
		}
	}
	if strings.TrimSpace(public) != "" {
		if s.Private {
			return errors.New("the incident is private: it has no public updates")
		}
		if s.ConfirmedAt == nil {
			return errors.New("the incident is not confirmed yet, so customers have not heard of it: acknowledge it before posting a public update")
		}
	}
	toPublic, _ := s.UpdateAudiences(public, internal)
	if posters := s.Plan.Updates.Posters; toPublic && len(posters) > 0 &&
		!slices.ContainsFunc(posters, func(r Role) bool { return s.Roles[r] == by }) {
		return fmt.Errorf("a public %s update is posted by the %s; %s holds neither role", s.Severity, joinRoles(posters), by)
	}
	return nil
}

// AcceptUpdate records that a status update was posted; a public one restarts the cadence, so
// that the next reminder is one interval away, whether or not its delivery has finished.
func (s *State) AcceptUpdate(now time.Time, by string, public bool) string {
	audience := "internal"
	if public {
		audience = "public and internal"
		s.UpdateReminders = 0
		s.armUpdateDue(now)
	}
	s.Record(now, "update", by, audience+" update posted by "+by)
	if s.UpdateDue == nil {
		return audience + " update posted"
	}
	return fmt.Sprintf("%s update posted; the next public update is due by %s", audience, s.UpdateDue.Format(time.RFC3339))
}

// AddMessages keeps sent messages, at most the latest MaxMessages of them.
func (s *State) AddMessages(messages []Message) {
	s.Messages = append(s.Messages, messages...)
	if drop := len(s.Messages) - MaxMessages; drop > 0 {
		s.Messages = append([]Message(nil), s.Messages[drop:]...)
	}
}

// armUpdateDue sets when the next public update is due, from now, if the plan has a cadence and
// the incident is confirmed, public and unresolved.
func (s *State) armUpdateDue(now time.Time) {
	s.UpdateDue = nil
	if s.Plan.Updates.Every > 0 && s.ConfirmedAt != nil && !s.Private && s.Status != StatusResolved {
		s.UpdateDue = at(now.Add(s.Plan.Updates.Every))
	}
}

// CadenceChanged applies a re-decided plan's cadence: none stops the reminders; a cadence where
// there was none starts it from now.
func (s *State) CadenceChanged(now time.Time) {
	if s.Plan.Updates.Every == 0 {
		s.UpdateDue = nil
		return
	}
	if s.UpdateDue == nil && s.UpdateReminders == 0 {
		s.armUpdateDue(now)
	}
}

// UpdateOverdue is called when a public update's deadline passes: the first reminder goes to
// the communications lead (the commander when nobody leads communications), the second, after
// the plan's RemindCommanderAfter, to the commander. After that the incident stays quiet until
// an update is posted.
func (s *State) UpdateOverdue(now time.Time) Reminder {
	s.UpdateDue = nil
	s.UpdateReminders++
	r := Reminder{Number: s.UpdateReminders, Role: RoleCommunications, Person: s.Roles[RoleCommunications]}
	if r.Number > 1 || r.Person == "" {
		r.Role, r.Person = RoleCommander, s.Roles[RoleCommander]
	}
	if r.Number == 1 && s.Plan.Updates.RemindCommanderAfter > 0 && r.Role != RoleCommander {
		s.UpdateDue = at(now.Add(s.Plan.Updates.RemindCommanderAfter))
	}
	last := s.ConfirmedAt
	for i := len(s.Messages) - 1; i >= 0; i-- {
		if s.Messages[i].Audience == AudienceExternal {
			last = &s.Messages[i].At
			break
		}
	}
	since := "since the incident was confirmed"
	if last != nil {
		since = fmt.Sprintf("for %s", now.Sub(*last).Round(time.Second))
	}
	r.Text = fmt.Sprintf("A public update on the %s incident %q is overdue: customers have not heard from us %s. "+
		"Post one with `firebreak incident update %s --public \"...\"`.", strings.ToUpper(string(s.Severity)), s.Title, since, s.Key)
	who := "nobody holds the communications lead or commander role"
	if r.Person != "" {
		who = fmt.Sprintf("%s reminded as %s", r.Person, roleName(r.Role))
	}
	s.Record(now, "update", "", fmt.Sprintf("public update overdue (reminder %d): %s", r.Number, who))
	return r
}

// joinRoles names roles as English does: "communications lead or commander".
func joinRoles(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = roleName(r)
	}
	return strings.Join(names, " or ")
}

// roleName is a role as a person reads it: "communications lead".
func roleName(r Role) string { return strings.ReplaceAll(string(r), "_", " ") }
