package e2e_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat/slack/slacktest"
	"github.com/firebreak-dev/firebreak/internal/config"
)

// TestLateRespondersAreInvitedToTheSlackChannel runs an incident on the real server with Slack as
// its chat (slacktest's workspace behind an httptest server, which checks every call as Slack
// would): the channel opens with the first responder invited, and when nobody acknowledges, the
// people the durable timer pages at level 2 are invited as their pages land, each once.
func TestLateRespondersAreInvitedToTheSlackChannel(t *testing.T) {
	ws := &slacktest.Workspace{}
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ws.Serve(t, w, r) }))
	t.Cleanup(slack.Close)
	cfg := exampleWithAckTimeout(4 * time.Second)
	cfg.Chat = config.Chat{Type: config.ChatSlack, Token: slacktest.Token, APIURL: slack.URL + "/api/"}
	slackIDs := map[string]string{}
	for i := range cfg.People {
		cfg.People[i].SlackID = fmt.Sprintf("U%04d", i+1)
		slackIDs[cfg.People[i].ID] = cfg.People[i].SlackID
	}
	fb := startFirebreak(t, options{config: cfg})
	fb.cli("incident", "start", "--service", "search", "--title", "Search is slow", "--impact", "customers=some", "--id", "chat-1")

	members := func() []string {
		ws.Mu.Lock()
		defer ws.Mu.Unlock()
		if len(ws.Channels) != 1 {
			return nil
		}
		return slices.Clone(ws.Channels[0].Members)
	}
	invitedAtOpen := []string{}
	require.Eventually(t, func() bool { invitedAtOpen = members(); return len(invitedAtOpen) > 1 }, waitFor, 50*time.Millisecond,
		"the channel opened with the first responder")
	first := fb.state("chat-1").Responders
	require.Len(t, first, 1, "level 1 pages one person")
	require.Equal(t, []string{slacktest.Bot, slackIDs[first[0].Person]}, invitedAtOpen)

	require.Eventually(t, func() bool { return fb.state("chat-1").Level == 2 }, waitFor, 100*time.Millisecond)
	var want []string
	for _, r := range fb.state("chat-1").Responders {
		if r.Level <= 2 {
			want = append(want, slackIDs[r.Person])
		}
	}
	require.Len(t, want, 3, "level 2 pages the owning and the escalation team")
	require.Eventually(t, func() bool {
		m := members()
		for _, id := range want {
			if !slices.Contains(m, id) {
				return false
			}
		}
		return true
	}, waitFor, 50*time.Millisecond, "every responder paged so far is in the channel")
	fb.cli("incident", "ack", "chat-1", "--as", first[0].Person)

	m := members()
	for _, id := range append(want, slacktest.Bot) {
		require.Equal(t, 1, countOf(m, id), "%s is in the channel once: %v", id, m)
	}
	ws.Mu.Lock()
	defer ws.Mu.Unlock()
	require.GreaterOrEqual(t, countOf(ws.Calls, "conversations.invite"), 2, "invited at the opening and again for level 2: %v", ws.Calls)
	require.Equal(t, 1, countOf(ws.Calls, "conversations.create"), "one channel: %v", ws.Calls)
}

// countOf counts the elements of s equal to v.
func countOf(s []string, v string) int {
	n := 0
	for _, e := range s {
		if e == v {
			n++
		}
	}
	return n
}
