package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// fakeChat opens one channel and keeps what is posted to it; it fails the first posts when told.
type fakeChat struct {
	mu       sync.Mutex
	invited  []string
	posts    []chat.Message
	failures int
}

func (f *fakeChat) Open(_ context.Context, in chat.Incident) (chat.Channel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invited = append(f.invited, in.Invite...)
	return chat.Channel{ID: "C1", Name: "#inc-" + in.Key}, nil
}

func (f *fakeChat) Post(_ context.Context, _ chat.Channel, m chat.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return &chat.Error{Retry: true, Problem: "chat is down"}
	}
	f.posts = append(f.posts, m)
	return nil
}

func (f *fakeChat) Invite(_ context.Context, _ chat.Channel, ids []string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invited = append(f.invited, ids...)
	return nil, nil
}

func (f *fakeChat) subjects() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.posts {
		out = append(out, m.Kind+" "+m.Subject)
	}
	return out
}

// With a chat system, the channel invites who was paged and gets the incident's phase changes,
// pages, role changes and notes, in the timeline's order, each once, even when the chat fails
// for a while; paging never waits for it.
func TestChannelGetsTheIncidentsEvents(t *testing.T) {
	h := newHarness(t, wednesday10)
	room := &fakeChat{failures: 3}
	h.acts.Chat = &activities.Chat{System: room, UserID: func(p string) (string, bool) { return "U-" + p, true }}
	responder := h.onCall("discovery", wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.send(2*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: responder, Role: incident.RoleCommander, Person: "ana"}, nil)
	h.send(3*time.Minute, workflows.UpdateNote, workflows.NoteRequest{By: "ana", Kind: incident.NoteTheory, Text: "disk full"}, nil)
	h.send(4*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "freed disk"}, nil)
	h.send(5*time.Minute, workflows.UpdateCloseReview, workflows.CloseReviewRequest{By: "ana", Summary: "done"}, nil)
	h.run(input("search", some("some")))
	require.NoError(t, h.env.GetWorkflowError())

	require.Equal(t, time.Duration(0), h.rec.paged()[0].elapsed, "the page went out at once")
	require.Equal(t, []string{"U-" + responder}, room.invited, "the responder paged before the channel opened is invited")
	require.Equal(t, []string{
		"phase phase detect", "phase phase channels", "phase phase assess", "phase severity sev2 (service down for some customers with no workaround)",
		"phase phase communicate", "phase phase escalate", "page paged " + responder + " (discovery) via console: incident opened",
		"phase " + responder + ": acknowledged by " + responder, "role " + responder + ": ana is commander (assigned by " + responder + ")",
		"note ana (theory): disk full", "phase ana: resolved: freed disk", "phase phase resolve", "phase phase review",
	}, room.subjects())
	s := h.state()
	assert.True(t, s.Channels.InChat)
	assert.Equal(t, "#inc-test-1", s.Channels.Channel)
}

// People paged after the channel opened are invited too, each once.
func TestPeoplePagedAfterTheChannelOpenedAreInvited(t *testing.T) {
	h := newHarness(t, wednesday10)
	room := &fakeChat{}
	h.acts.Chat = &activities.Chat{System: room, UserID: func(p string) (string, bool) { return "U-" + p, true }}
	first := h.onCall("discovery", wednesday10)
	second := h.onCall("platform", wednesday10)
	h.send(time.Minute, workflows.UpdateEscalate, workflows.EscalateRequest{By: first, Reason: "need platform"}, nil)
	h.send(2*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: second}, nil)
	h.send(3*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: second, Summary: "fixed"}, nil)
	h.send(4*time.Minute, workflows.UpdateCloseReview, workflows.CloseReviewRequest{By: second, Summary: "done"}, nil)
	h.run(input("search", some("some")))
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, []string{"U-" + first, "U-" + second}, room.invited, "the first responder at the opening, the second once paged")
	require.Equal(t, []string{first, second}, h.state().Invited)
}
