package slack_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/chattest"
	"github.com/firebreak-dev/firebreak/activities/chat/slack"
	"github.com/firebreak-dev/firebreak/activities/chat/slack/slacktest"
)

func newChat(t *testing.T, baseURL string, maxWait time.Duration) chat.Chat {
	c, err := slack.New(slack.Config{Token: slacktest.Token, APIURL: baseURL + "/api/", MaxWait: maxWait})
	require.NoError(t, err)
	return c
}

func TestConformance(t *testing.T) {
	chattest.Run(t, func(*testing.T) chattest.Target {
		return chattest.Target{New: newChat, Fake: &slacktest.Workspace{}, Secret: slacktest.Token, MaxText: slack.MaxText}
	})
}

// start serves ws and returns a Chat talking to it.
func start(t *testing.T, ws *slacktest.Workspace) chat.Chat {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ws.Serve(t, w, r) }))
	t.Cleanup(srv.Close)
	return newChat(t, srv.URL, time.Second)
}

func incident() chat.Incident {
	return chat.Incident{
		Key: "checkout-x7k2mp", IdempotencyKey: "incident-checkout-x7k2mp/channels", Summary: "Checkout <!channel> failing",
		Service: "checkout", Severity: "sev1", Invite: []string{"U0ANA", "U0BEN", "U0ANA", "not-an-id"},
		Links: []chat.Link{{Name: "ui", URL: "http://ui.test/w"}, {Name: "bridge", URL: "https://meet.test/b"}},
	}
}

func TestOpenCreatesTheChannelSetsItsTopicAndInvites(t *testing.T) {
	ws := &slacktest.Workspace{}
	ch, err := start(t, ws).Open(t.Context(), incident())
	require.NoError(t, err)
	require.Equal(t, chat.Channel{ID: "C0001", Name: "#inc-checkout-x7k2mp"}, ch)
	require.Equal(t, []string{"conversations.create", "conversations.setTopic", "conversations.invite"}, ws.Calls)
	c := ws.Channels[0]
	require.Equal(t, "SEV1 · Checkout &lt;!channel&gt; failing | ui: http://ui.test/w | bridge: https://meet.test/b", c.Topic)
	require.Equal(t, []string{slacktest.Bot, "U0ANA", "U0BEN"}, c.Members, "each valid ID once")
}

func TestOpenTakesASuffixWhenSomeoneElseHasTheName(t *testing.T) {
	ws := &slacktest.Workspace{Channels: []*slacktest.Channel{
		{ID: "C0900", Name: "inc-checkout-x7k2mp", Creator: "UHUMAN"},
		{ID: "C0901", Name: "inc-checkout-x7k2mp-2", Creator: "UHUMAN"},
	}}
	in := incident()
	in.Repeat = true
	ch, err := start(t, ws).Open(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, "#inc-checkout-x7k2mp-3", ch.Name)
	require.Equal(t, slacktest.Bot, ws.Channel(func(c *slacktest.Channel) bool { return c.ID == ch.ID }).Creator)
}

func TestRetriedOpenReusesTheChannelItCreated(t *testing.T) {
	ws := &slacktest.Workspace{Channels: []*slacktest.Channel{{ID: "C0900", Name: "inc-checkout-x7k2mp", Creator: "UHUMAN"}}}
	c := start(t, ws)
	first, err := c.Open(t.Context(), incident())
	require.NoError(t, err)
	require.Equal(t, "#inc-checkout-x7k2mp-2", first.Name)

	ws.Calls = nil
	in := incident()
	in.Repeat = true
	again, err := c.Open(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, first, again, "the same channel, not a third one")
	require.Len(t, ws.Channels, 2)
	require.Equal(t, []string{
		"conversations.create", "auth.test", "conversations.list", // the base name: someone else's
		"conversations.create", "conversations.list", // -2: ours (auth.test asked once)
		"conversations.invite", // the topic is already set
	}, ws.Calls)
}

func TestOpenKeepsTheChannelWhenAnInvitationIsRefused(t *testing.T) {
	ws := &slacktest.Workspace{Answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "user_is_restricted"}}}
	ch, err := start(t, ws).Open(t.Context(), incident())
	require.NoError(t, err)
	require.Equal(t, "C0001", ch.ID)
	require.Equal(t, []string{"slack conversations.invite: user_is_restricted"}, ch.Problems)
}

func TestInviteAddsPeopleToTheChannel(t *testing.T) {
	ws := &slacktest.Workspace{}
	c := start(t, ws)
	in := incident()
	in.Invite = nil
	ch, err := c.Open(t.Context(), in)
	require.NoError(t, err)
	ws.Calls = nil
	problems, err := c.Invite(t.Context(), ch, []string{"U0CAT", "not-an-id", "U0CAT"})
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Equal(t, []string{"conversations.invite"}, ws.Calls)
	require.Equal(t, []string{slacktest.Bot, "U0CAT"}, ws.Channels[0].Members, "each valid ID once")

	ws.Calls = nil
	problems, err = c.Invite(t.Context(), ch, []string{"not-an-id"})
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Empty(t, ws.Calls, "no valid ID: no call")
}

func TestInviteRefusedIsAProblemAndSlackDownIsRetried(t *testing.T) {
	ch := chat.Channel{ID: "C0001", Name: "#inc-checkout-x7k2mp"}
	ws := &slacktest.Workspace{Channels: []*slacktest.Channel{{ID: "C0001", Name: "inc-checkout-x7k2mp", Creator: slacktest.Bot}},
		Answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "user_is_restricted"}}}
	problems, err := start(t, ws).Invite(t.Context(), ch, []string{"U0CAT"})
	require.NoError(t, err)
	require.Equal(t, []string{"slack conversations.invite: user_is_restricted"}, problems)

	ws = &slacktest.Workspace{Channels: []*slacktest.Channel{{ID: "C0001", Name: "inc-checkout-x7k2mp", Creator: slacktest.Bot}},
		Answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "internal_error"}}}
	_, err = start(t, ws).Invite(t.Context(), ch, []string{"U0CAT"})
	retry, _ := chat.Retryable(err)
	require.True(t, retry, "error: %v", err)
}

func TestOpenTreatsAlreadyInChannelAsDone(t *testing.T) {
	ws := &slacktest.Workspace{Answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "already_in_channel"}}}
	ch, err := start(t, ws).Open(t.Context(), incident())
	require.NoError(t, err)
	require.Empty(t, ch.Problems)
}

func TestOpenRetriesAnInvitationSlackCouldNotDoNow(t *testing.T) {
	ws := &slacktest.Workspace{Answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "internal_error"}}}
	_, err := start(t, ws).Open(t.Context(), incident())
	retry, _ := chat.Retryable(err)
	require.True(t, retry, "error: %v", err)
}

func TestRepeatedPostIsPostedOnce(t *testing.T) {
	ws := &slacktest.Workspace{}
	c := start(t, ws)
	ch, err := c.Open(t.Context(), incident())
	require.NoError(t, err)
	m := chat.Message{IdempotencyKey: "incident-x/chat/phase/mitigating", Kind: chat.KindPhase, Subject: "phase: mitigating"}
	require.NoError(t, c.Post(t.Context(), ch, m))
	m.Repeat = true
	require.NoError(t, c.Post(t.Context(), ch, m))
	require.Len(t, ws.Channels[0].Messages, 1)

	other := chat.Message{IdempotencyKey: "incident-x/chat/note/1", Kind: chat.KindNote, Subject: "note", Repeat: true}
	require.NoError(t, c.Post(t.Context(), ch, other))
	require.Len(t, ws.Channels[0].Messages, 2, "a repeat not yet posted is posted")
}

func TestPostNeedsTheChannelID(t *testing.T) {
	err := start(t, &slacktest.Workspace{}).Post(t.Context(), chat.Channel{Name: "#inc-x"}, chat.Message{IdempotencyKey: "k", Subject: "s"})
	require.ErrorContains(t, err, "has no ID")
}

func TestFormatEscapesAndLinks(t *testing.T) {
	got := slack.Format(chat.Message{
		Subject: "a <@U123> & b", Text: "<!here> <http://evil|click>",
		Links: []chat.Link{{Name: "ui|x", URL: "http://ui.test/a|b>c"}},
	})
	require.Equal(t, "*a &lt;@U123&gt; &amp; b*\n&lt;!here&gt; &lt;http://evil|click&gt;\n<http://ui.test/a%7Cb%3Ec|ui/x>", got)
}

func TestTopic(t *testing.T) {
	long := strings.Repeat("s", 300)
	link := func(name string) chat.Link {
		return chat.Link{Name: name, URL: "https://example.test/" + strings.Repeat("p", 40)}
	}
	tests := []struct {
		name  string
		in    chat.Incident
		want  string
		check func(t *testing.T, topic string)
	}{
		{name: "fits", in: chat.Incident{Summary: "down", Severity: "sev2", Links: []chat.Link{{Name: "ui", URL: "http://u"}, {Name: "issue"}}},
			want: "SEV2 · down | ui: http://u"},
		{name: "long summary is cut, links kept", in: chat.Incident{Summary: long, Links: []chat.Link{link("ui"), link("bridge")}},
			check: func(t *testing.T, topic string) {
				require.Len(t, topic, slack.MaxTopicLength)
				require.Contains(t, topic, "…[truncated] | ui: ")
				require.Contains(t, topic, "| bridge: ")
			}},
		{name: "too many links: the last are dropped", in: chat.Incident{Summary: long, Links: []chat.Link{link("ui"), link("status"), link("bridge"), link("issue")}},
			check: func(t *testing.T, topic string) {
				require.LessOrEqual(t, len(topic), slack.MaxTopicLength)
				require.Contains(t, topic, "| ui: ")
				require.NotContains(t, topic, "| issue: ")
				head, _, _ := strings.Cut(topic, " | ")
				require.GreaterOrEqual(t, len(head), 40, "the summary keeps at least 40 bytes")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slack.Topic(tt.in)
			if tt.check != nil {
				tt.check(t, got)
				return
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestChannelName(t *testing.T) {
	tests := []struct {
		name, pattern, key, service, want string
	}{
		{name: "default", pattern: slack.DefaultChannelPattern, key: "checkout-x7k2mp", want: "inc-checkout-x7k2mp"},
		{name: "service and key", pattern: "{service}_inc-{incident}", key: "abc", service: "Pay Ments", want: "pay-ments_inc-abc"},
		{name: "invalid characters collapse", pattern: "INC--{incident}!!", key: "A.B", want: "inc-a-b"},
		{name: "never empty", pattern: "{incident}", key: "!!!", want: "incident"},
		{name: "room for a suffix", pattern: "{incident}", key: strings.Repeat("k", 100), want: strings.Repeat("k", 77)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slack.ChannelName(tt.pattern, tt.key, tt.service)
			require.Equal(t, tt.want, got)
			require.Regexp(t, `^[a-z0-9_-]{1,77}$`, got)
		})
	}
}

func TestRepeatedPostPostsWhenHistoryIsRefused(t *testing.T) {
	ws := &slacktest.Workspace{Answer: map[string]map[string]any{"conversations.history": {"ok": false, "error": "missing_scope"}}}
	c := start(t, ws)
	ch, err := c.Open(t.Context(), incident())
	require.NoError(t, err)
	require.NoError(t, c.Post(t.Context(), ch, chat.Message{IdempotencyKey: "k", Subject: "s", Repeat: true}))
	require.Len(t, ws.Channels[0].Messages, 1, "a message shown twice is better than one lost")
}

func TestOpenGivesUpWhenEveryNameIsTaken(t *testing.T) {
	ws := &slacktest.Workspace{}
	for n := 1; n <= slack.MaxSuffix; n++ {
		name := "inc-checkout-x7k2mp"
		if n > 1 {
			name = fmt.Sprintf("%s-%d", name, n)
		}
		ws.Channels = append(ws.Channels, &slacktest.Channel{ID: fmt.Sprintf("C9%03d", n), Name: name, Creator: "UHUMAN"})
	}
	_, err := start(t, ws).Open(t.Context(), incident())
	require.EqualError(t, err, "slack conversations.create: names inc-checkout-x7k2mp to inc-checkout-x7k2mp-20 are all taken")
	retry, _ := chat.Retryable(err)
	require.False(t, retry)
}
