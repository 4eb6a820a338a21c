package incident

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUntrackedEvents(t *testing.T) {
	s := State{}
	s.Record(t0, "phase", "", "phase detect")
	s.Record(t0, "severity", "", "severity sev2")
	s.Record(t0, "page", "", "paged ana")
	s.Record(t0, "ack", "ana", "acknowledged by ana")
	got := s.UntrackedEvents()
	require.Equal(t, []int{1, 3}, seqs(got), "only key events go to the tracking record")
	require.Empty(t, s.UntrackedEvents(), "each event goes once")

	for range MaxEventBatch + 5 {
		s.Record(t0, "assign", "ana", "tom is tech lead")
	}
	require.Len(t, s.UntrackedEvents(), MaxEventBatch, "a batch is bounded")
	require.Equal(t, []int{4 + MaxEventBatch, 4 + MaxEventBatch + 4}, ends(s.UntrackedEvents()), "the rest come next")

	// Continue-as-new carried only the tail: what was left behind unconsidered is skipped.
	s.Record(t0, "resolve", "ana", "resolved")
	s.TrackedThrough = 0
	carried := s.Carry("run-1")
	carried.TimelineEarlier = len(s.Timeline) - 1
	carried.Timeline = carried.Timeline[len(carried.Timeline)-1:]
	require.Equal(t, []int{len(s.Timeline) - 1}, seqs(carried.UntrackedEvents()))
}

func seqs(events []TimelineEvent) []int {
	out := make([]int, len(events))
	for i, e := range events {
		out[i] = e.Seq
	}
	return out
}

func ends(events []TimelineEvent) []int { return []int{events[0].Seq, events[len(events)-1].Seq} }

func TestUnpostedEvents(t *testing.T) {
	cases := []struct {
		kind, text, want string
	}{
		{"phase", "phase escalate", "phase"},
		{"severity", "severity sev1", "phase"},
		{"ack", "acknowledged by ana", "phase"},
		{"page", "paged ana (payments) via console: incident opened", "page"},
		{"page", "could not page ana (payments) via pager: 503", "page"},
		{"page", "paging ana (level 1 of 3): on call", ""},
		{"assign", "tom is tech_lead", "role"},
		{"theory", "disk full", "note"},
		{"alert", "3 alerts", ""},
	}
	for _, c := range cases {
		t.Run(c.kind+" "+c.text, func(t *testing.T) {
			require.Equal(t, c.want, ChannelKind(Entry{Kind: c.kind, Text: c.text}))
		})
	}
	s := State{}
	s.Record(t0, "phase", "", "phase detect")
	s.Record(t0, "alert", "", "3 alerts")
	s.Record(t0, "theory", "tom", "disk full")
	require.Equal(t, []int{0, 2}, seqs(s.UnpostedEvents()))
	require.Empty(t, s.UnpostedEvents())
	require.Len(t, s.UntrackedEvents(), 0, "the two cursors are independent")
}

func TestResponderIDs(t *testing.T) {
	s := State{Responders: []Responder{{Person: "ana", Level: 1}, {Person: "tom", Level: 2}, {Person: "ana", Level: 2}}}
	require.Equal(t, []string{"ana", "tom"}, s.ResponderIDs())
}

func TestUninvited(t *testing.T) {
	s := State{Responders: []Responder{{Person: "ana", Level: 1}, {Person: "tom", Level: 2}}}
	require.Equal(t, []string{"ana", "tom"}, s.Uninvited())
	s.MarkInvited([]string{"ana", "ana"})
	require.Equal(t, []string{"tom"}, s.Uninvited())
	for i := range MaxResponders + 3 {
		s.MarkInvited([]string{fmt.Sprint("p", i)})
	}
	require.Len(t, s.Invited, MaxResponders, "the list is bounded")
}
