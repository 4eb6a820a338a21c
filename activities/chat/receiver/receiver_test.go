package receiver_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/receiver"
	"github.com/firebreak-dev/firebreak/internal/config"
)

// parse returns the configuration of testdata/minimal.yaml's kind (alice, with a Slack ID, and
// bob, without) followed by extra.
func parse(t *testing.T, extra string) *config.Config {
	t.Helper()
	base := `organisation: Test Corp
people:
  - id: alice
    slack_id: U024BE7LH
  - id: bob
teams:
  - id: payments
    rotation:
      start: 2025-01-06T09:00:00Z
      shift: 168h
      members: [alice, bob]
services:
  - id: checkout
    team: payments
`
	c, err := config.Parse("firebreak.yaml", []byte(base+extra))
	require.NoError(t, err)
	return c
}

func TestNoChatSection(t *testing.T) {
	c, err := receiver.New(parse(t, ""), nil)
	require.NoError(t, err)
	require.Nil(t, c)
}

func TestSlackFromConfiguration(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		mu.Lock()
		calls = append(calls, r.URL.Path+" token="+r.PostForm.Get("token")+" name="+r.PostForm.Get("name")+
			" private="+r.PostForm.Get("is_private")+" users="+r.PostForm.Get("users"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true,"channel":{"id":"C1","name":"` + r.PostForm.Get("name") + `"}}`))
	}))
	defer srv.Close()
	t.Setenv("FIREBREAK_SLACK_TOKEN", "xoxb-test")
	cfg := parse(t, `status_page:
  url: https://status.example.test/
chat:
  type: slack
  token_env: FIREBREAK_SLACK_TOKEN
  api_url: `+srv.URL+`/api/
  channel_pattern: "{service}-{incident}"
  private: true
`)
	c, err := receiver.New(cfg, nil)
	require.NoError(t, err)
	require.Equal(t, "https://status.example.test/status", c.StatusPageURL)
	id, ok := c.UserID("alice")
	require.True(t, ok)
	require.Equal(t, "U024BE7LH", id)
	_, ok = c.UserID("bob")
	require.False(t, ok, "bob has no Slack ID")
	_, ok = c.UserID("nobody")
	require.False(t, ok)

	ch, err := c.System.Open(t.Context(), chat.Incident{Key: "x7k2mp", Service: "checkout", Summary: "s", Invite: []string{id}})
	require.NoError(t, err)
	require.Equal(t, chat.Channel{ID: "C1", Name: "#checkout-x7k2mp"}, ch)
	require.Equal(t, []string{
		"/api/conversations.create token=xoxb-test name=checkout-x7k2mp private=true users=",
		"/api/conversations.setTopic token=xoxb-test name= private= users=",
		"/api/conversations.invite token=xoxb-test name= private= users=U024BE7LH",
	}, calls)
}

func TestWebhooksFromConfiguration(t *testing.T) {
	for _, typ := range []string{config.ChatTeams, config.ChatMattermost, config.ChatDiscord} {
		t.Run(typ, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.URL.Path
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			t.Setenv("FIREBREAK_CHAT_URL", srv.URL+"/hooks/s3cret")
			c, err := receiver.New(parse(t, "chat:\n  type: "+typ+"\n  webhook_url_env: FIREBREAK_CHAT_URL\n  channel: \"#incidents\"\n"), nil)
			require.NoError(t, err)
			require.Nil(t, c.UserID, "a webhook invites nobody")
			ch, err := c.System.Open(t.Context(), chat.Incident{Key: "x", IdempotencyKey: "k", Summary: "s"})
			require.NoError(t, err)
			require.Equal(t, chat.Channel{Name: "#incidents"}, ch)
			require.Equal(t, "/hooks/s3cret", got)
		})
	}
}

func TestMissingCredential(t *testing.T) {
	os.Unsetenv("FIREBREAK_CHAT_URL_UNSET")
	_, err := receiver.New(parse(t, "chat:\n  type: discord\n  webhook_url_env: FIREBREAK_CHAT_URL_UNSET\n"), nil)
	require.EqualError(t, err, "chat discord: environment variable FIREBREAK_CHAT_URL_UNSET is empty")
}

func TestExampleConfigurationBuilds(t *testing.T) {
	_, err := receiver.New(config.Example(), nil)
	require.NoError(t, err, "the example has no chat section")
}
