package incident

import (
	"slices"
	"strings"
)

// MaxEventBatch bounds how many key events go to the tracking record or the channel at once;
// the rest wait for the next batch.
const MaxEventBatch = 20

// trackedKinds are the kinds of timeline entry that are key events of an incident, worth a
// comment on its tracking record.
var trackedKinds = map[string]bool{
	"severity": true, "confirm": true, "ack": true, "assign": true, "escalate": true,
	"runbook": true, "resolve": true, "follow-up": true, "review": true,
}

// ChannelKind returns how an entry of the timeline is posted to the incident's channel: as a
// phase change (phases, severity, acknowledgement, resolution), a page, a role change or a
// note; "" when it is not posted.
func ChannelKind(e Entry) string {
	switch e.Kind {
	case "phase", "severity", "ack", "resolve":
		return "phase"
	case "page":
		if strings.HasPrefix(e.Text, "paged ") || strings.HasPrefix(e.Text, "could not page ") {
			return "page"
		}
	case "assign":
		return "role"
	case string(NoteObservation), string(NoteTheory), string(NoteExperiment), string(NoteResult), "follow-up":
		return "note"
	}
	return ""
}

// TimelineEvent is an entry of the timeline with its sequence number across runs, which tells
// it from every other entry of the incident.
type TimelineEvent struct {
	Seq int
	Entry
}

// UntrackedEvents returns the key events not yet sent to the tracking record (see newEvents).
func (s *State) UntrackedEvents() []TimelineEvent {
	return s.newEvents(&s.TrackedThrough, func(e Entry) bool { return trackedKinds[e.Kind] })
}

// UnpostedEvents returns the events not yet posted to the incident's channel (see newEvents).
func (s *State) UnpostedEvents() []TimelineEvent {
	return s.newEvents(&s.PostedThrough, func(e Entry) bool { return ChannelKind(e) != "" })
}

// newEvents returns the timeline entries after *through that wanted accepts, at most
// MaxEventBatch of them, and moves *through past the last one returned. Entries that
// continue-as-new left behind before they were considered are skipped.
func (s *State) newEvents(through *int, wanted func(Entry) bool) []TimelineEvent {
	var out []TimelineEvent
	seq := max(*through, s.TimelineEarlier)
	for ; seq < s.TimelineEarlier+len(s.Timeline) && len(out) < MaxEventBatch; seq++ {
		if e := s.Timeline[seq-s.TimelineEarlier]; wanted(e) {
			out = append(out, TimelineEvent{Seq: seq, Entry: e})
		}
	}
	*through = seq
	return out
}

// ResponderIDs returns the people engaged so far, each once, in the order they were paged.
func (s *State) ResponderIDs() []string {
	var ids []string
	seen := map[string]bool{}
	for _, r := range s.Responders {
		if !seen[r.Person] {
			seen[r.Person] = true
			ids = append(ids, r.Person)
		}
	}
	return ids
}

// Uninvited returns the people engaged so far who have not been invited to the channel.
func (s *State) Uninvited() []string {
	var out []string
	for _, p := range s.ResponderIDs() {
		if !slices.Contains(s.Invited, p) {
			out = append(out, p)
		}
	}
	return out
}

// MarkInvited notes that people were invited to the channel, keeping the latest MaxResponders.
func (s *State) MarkInvited(people []string) {
	for _, p := range people {
		if !slices.Contains(s.Invited, p) {
			s.Invited = append(s.Invited, p)
		}
	}
	if drop := len(s.Invited) - MaxResponders; drop > 0 {
		s.Invited = append([]string(nil), s.Invited[drop:]...)
	}
}
