package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/chattest"
	"github.com/firebreak-dev/firebreak/activities/chat/slack"
	"github.com/firebreak-dev/firebreak/internal/config"
)

const (
	token = "xoxb-1111-2222-Zq8dK2mNw9vR4tY7uI0o"
	bot   = "UBOT"
)

// fakeChannel is a channel in the fake workspace.
type fakeChannel struct {
	ID, Name, Creator, Topic string
	Members                  []string
	Messages                 []fakeMessage
}

type fakeMessage struct {
	Text string
	Key  string
}

// workspace is a fake Slack Web API: it checks each call as Slack would and keeps channels,
// topics, members and messages.
type workspace struct {
	mu       sync.Mutex
	channels []*fakeChannel
	calls    []string
	// answer, when set, answers a method instead of the workspace (Slack's error answers).
	answer map[string]map[string]any
}

func (ws *workspace) channel(by func(*fakeChannel) bool) *fakeChannel {
	for _, c := range ws.channels {
		if by(c) {
			return c
		}
	}
	return nil
}

func (ws *workspace) Serve(t *testing.T, w http.ResponseWriter, r *http.Request) []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	require.NoError(t, r.ParseForm())
	require.Equal(t, token, r.PostForm.Get("token"), "the bot token authenticates every call")
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	require.True(t, ok, "path %s", r.URL.Path)
	ws.calls = append(ws.calls, method)
	f := r.PostForm
	reply := func(v map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		require.NoError(t, json.NewEncoder(w).Encode(v))
	}
	if a, ok := ws.answer[method]; ok {
		reply(a)
		return nil
	}
	byID := func(c *fakeChannel) bool { return c.ID == f.Get("channel") }
	switch method {
	case "auth.test":
		reply(map[string]any{"ok": true, "user_id": bot})
	case "conversations.create":
		name := f.Get("name")
		require.Regexp(t, `^[a-z0-9_-]{1,80}$`, name, "Slack's naming rules")
		require.Contains(t, []string{"true", "false"}, f.Get("is_private"))
		if ws.channel(func(c *fakeChannel) bool { return c.Name == name }) != nil {
			reply(map[string]any{"ok": false, "error": "name_taken"})
			return nil
		}
		c := &fakeChannel{ID: fmt.Sprintf("C%04d", len(ws.channels)+1), Name: name, Creator: bot, Members: []string{bot}}
		ws.channels = append(ws.channels, c)
		reply(map[string]any{"ok": true, "channel": map[string]any{"id": c.ID, "name": c.Name, "creator": c.Creator}})
	case "conversations.list":
		require.Equal(t, "true", f.Get("exclude_archived"))
		var list []map[string]any
		for _, c := range ws.channels {
			list = append(list, map[string]any{"id": c.ID, "name": c.Name, "creator": c.Creator, "topic": map[string]any{"value": c.Topic}})
		}
		reply(map[string]any{"ok": true, "channels": list, "response_metadata": map[string]any{"next_cursor": ""}})
	case "conversations.setTopic":
		c := ws.channel(byID)
		require.NotNil(t, c, "unknown channel %s", f.Get("channel"))
		topic := f.Get("topic")
		require.LessOrEqual(t, len(topic), slack.MaxTopicLength)
		c.Topic = topic
		reply(map[string]any{"ok": true, "channel": map[string]any{"id": c.ID}})
		return []string{topic}
	case "conversations.invite":
		c := ws.channel(byID)
		require.NotNil(t, c)
		require.Equal(t, "true", f.Get("force"))
		for _, u := range strings.Split(f.Get("users"), ",") {
			require.True(t, config.ValidSlackID(u), "user %q", u)
			c.Members = append(c.Members, u)
		}
		reply(map[string]any{"ok": true, "channel": map[string]any{"id": c.ID}})
	case "chat.postMessage":
		c := ws.channel(byID)
		require.NotNil(t, c)
		var meta struct {
			EventType    string            `json:"event_type"`
			EventPayload map[string]string `json:"event_payload"`
		}
		require.NoError(t, json.Unmarshal([]byte(f.Get("metadata")), &meta))
		require.Equal(t, slack.EventType, meta.EventType)
		require.NotEmpty(t, meta.EventPayload["idempotency_key"])
		text := f.Get("text")
		c.Messages = append(c.Messages, fakeMessage{Text: text, Key: meta.EventPayload["idempotency_key"]})
		reply(map[string]any{"ok": true, "channel": c.ID, "ts": fmt.Sprintf("1700000000.%06d", len(c.Messages))})
		return []string{text}
	case "conversations.history":
		c := ws.channel(byID)
		require.NotNil(t, c)
		require.Equal(t, "1", f.Get("include_all_metadata"))
		var msgs []map[string]any
		for i := len(c.Messages) - 1; i >= 0; i-- {
			m := c.Messages[i]
			msgs = append(msgs, map[string]any{"type": "message", "text": m.Text,
				"metadata": map[string]any{"event_type": slack.EventType, "event_payload": map[string]any{"idempotency_key": m.Key}}})
		}
		reply(map[string]any{"ok": true, "messages": msgs})
	default:
		t.Errorf("unexpected method %s", method)
		http.NotFound(w, r)
	}
	return nil
}

func (ws *workspace) Reject(w http.ResponseWriter, _ *http.Request) string {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
	return "invalid_auth"
}

func newChat(t *testing.T, baseURL string, maxWait time.Duration) chat.Chat {
	c, err := slack.New(slack.Config{Token: token, APIURL: baseURL + "/api/", MaxWait: maxWait})
	require.NoError(t, err)
	return c
}

func TestConformance(t *testing.T) {
	chattest.Run(t, func(*testing.T) chattest.Target {
		return chattest.Target{New: newChat, Fake: &workspace{}, Secret: token, MaxText: slack.MaxText}
	})
}

// start serves ws and returns a Chat talking to it.
func start(t *testing.T, ws *workspace) chat.Chat {
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
	ws := &workspace{}
	ch, err := start(t, ws).Open(t.Context(), incident())
	require.NoError(t, err)
	require.Equal(t, chat.Channel{ID: "C0001", Name: "#inc-checkout-x7k2mp"}, ch)
	require.Equal(t, []string{"conversations.create", "conversations.setTopic", "conversations.invite"}, ws.calls)
	c := ws.channels[0]
	require.Equal(t, "SEV1 · Checkout &lt;!channel&gt; failing | ui: http://ui.test/w | bridge: https://meet.test/b", c.Topic)
	require.Equal(t, []string{bot, "U0ANA", "U0BEN"}, c.Members, "each valid ID once")
}

func TestOpenTakesASuffixWhenSomeoneElseHasTheName(t *testing.T) {
	ws := &workspace{channels: []*fakeChannel{
		{ID: "C0900", Name: "inc-checkout-x7k2mp", Creator: "UHUMAN"},
		{ID: "C0901", Name: "inc-checkout-x7k2mp-2", Creator: "UHUMAN"},
	}}
	in := incident()
	in.Repeat = true
	ch, err := start(t, ws).Open(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, "#inc-checkout-x7k2mp-3", ch.Name)
	require.Equal(t, bot, ws.channel(func(c *fakeChannel) bool { return c.ID == ch.ID }).Creator)
}

func TestRetriedOpenReusesTheChannelItCreated(t *testing.T) {
	ws := &workspace{channels: []*fakeChannel{{ID: "C0900", Name: "inc-checkout-x7k2mp", Creator: "UHUMAN"}}}
	c := start(t, ws)
	first, err := c.Open(t.Context(), incident())
	require.NoError(t, err)
	require.Equal(t, "#inc-checkout-x7k2mp-2", first.Name)

	ws.calls = nil
	in := incident()
	in.Repeat = true
	again, err := c.Open(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, first, again, "the same channel, not a third one")
	require.Len(t, ws.channels, 2)
	require.Equal(t, []string{
		"conversations.create", "auth.test", "conversations.list", // the base name: someone else's
		"conversations.create", "conversations.list", // -2: ours (auth.test asked once)
		"conversations.invite", // the topic is already set
	}, ws.calls)
}

func TestOpenKeepsTheChannelWhenAnInvitationIsRefused(t *testing.T) {
	ws := &workspace{answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "user_is_restricted"}}}
	ch, err := start(t, ws).Open(t.Context(), incident())
	require.NoError(t, err)
	require.Equal(t, "C0001", ch.ID)
	require.Equal(t, []string{"slack conversations.invite: user_is_restricted"}, ch.Problems)
}

func TestInviteAddsPeopleToTheChannel(t *testing.T) {
	ws := &workspace{}
	c := start(t, ws)
	in := incident()
	in.Invite = nil
	ch, err := c.Open(t.Context(), in)
	require.NoError(t, err)
	ws.calls = nil
	problems, err := c.Invite(t.Context(), ch, []string{"U0CAT", "not-an-id", "U0CAT"})
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Equal(t, []string{"conversations.invite"}, ws.calls)
	require.Equal(t, []string{bot, "U0CAT"}, ws.channels[0].Members, "each valid ID once")

	ws.calls = nil
	problems, err = c.Invite(t.Context(), ch, []string{"not-an-id"})
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Empty(t, ws.calls, "no valid ID: no call")
}

func TestInviteRefusedIsAProblemAndSlackDownIsRetried(t *testing.T) {
	ch := chat.Channel{ID: "C0001", Name: "#inc-checkout-x7k2mp"}
	ws := &workspace{channels: []*fakeChannel{{ID: "C0001", Name: "inc-checkout-x7k2mp", Creator: bot}},
		answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "user_is_restricted"}}}
	problems, err := start(t, ws).Invite(t.Context(), ch, []string{"U0CAT"})
	require.NoError(t, err)
	require.Equal(t, []string{"slack conversations.invite: user_is_restricted"}, problems)

	ws = &workspace{channels: []*fakeChannel{{ID: "C0001", Name: "inc-checkout-x7k2mp", Creator: bot}},
		answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "internal_error"}}}
	_, err = start(t, ws).Invite(t.Context(), ch, []string{"U0CAT"})
	retry, _ := chat.Retryable(err)
	require.True(t, retry, "error: %v", err)
}

func TestOpenTreatsAlreadyInChannelAsDone(t *testing.T) {
	ws := &workspace{answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "already_in_channel"}}}
	ch, err := start(t, ws).Open(t.Context(), incident())
	require.NoError(t, err)
	require.Empty(t, ch.Problems)
}

func TestOpenRetriesAnInvitationSlackCouldNotDoNow(t *testing.T) {
	ws := &workspace{answer: map[string]map[string]any{"conversations.invite": {"ok": false, "error": "internal_error"}}}
	_, err := start(t, ws).Open(t.Context(), incident())
	retry, _ := chat.Retryable(err)
	require.True(t, retry, "error: %v", err)
}

func TestRepeatedPostIsPostedOnce(t *testing.T) {
	ws := &workspace{}
	c := start(t, ws)
	ch, err := c.Open(t.Context(), incident())
	require.NoError(t, err)
	m := chat.Message{IdempotencyKey: "incident-x/chat/phase/mitigating", Kind: chat.KindPhase, Subject: "phase: mitigating"}
	require.NoError(t, c.Post(t.Context(), ch, m))
	m.Repeat = true
	require.NoError(t, c.Post(t.Context(), ch, m))
	require.Len(t, ws.channels[0].Messages, 1)

	other := chat.Message{IdempotencyKey: "incident-x/chat/note/1", Kind: chat.KindNote, Subject: "note", Repeat: true}
	require.NoError(t, c.Post(t.Context(), ch, other))
	require.Len(t, ws.channels[0].Messages, 2, "a repeat not yet posted is posted")
}

func TestPostNeedsTheChannelID(t *testing.T) {
	err := start(t, &workspace{}).Post(t.Context(), chat.Channel{Name: "#inc-x"}, chat.Message{IdempotencyKey: "k", Subject: "s"})
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
	ws := &workspace{answer: map[string]map[string]any{"conversations.history": {"ok": false, "error": "missing_scope"}}}
	c := start(t, ws)
	ch, err := c.Open(t.Context(), incident())
	require.NoError(t, err)
	require.NoError(t, c.Post(t.Context(), ch, chat.Message{IdempotencyKey: "k", Subject: "s", Repeat: true}))
	require.Len(t, ws.channels[0].Messages, 1, "a message shown twice is better than one lost")
}

func TestOpenGivesUpWhenEveryNameIsTaken(t *testing.T) {
	ws := &workspace{}
	for n := 1; n <= slack.MaxSuffix; n++ {
		name := "inc-checkout-x7k2mp"
		if n > 1 {
			name = fmt.Sprintf("%s-%d", name, n)
		}
		ws.channels = append(ws.channels, &fakeChannel{ID: fmt.Sprintf("C9%03d", n), Name: name, Creator: "UHUMAN"})
	}
	_, err := start(t, ws).Open(t.Context(), incident())
	require.EqualError(t, err, "slack conversations.create: names inc-checkout-x7k2mp to inc-checkout-x7k2mp-20 are all taken")
	retry, _ := chat.Retryable(err)
	require.False(t, retry)
}
