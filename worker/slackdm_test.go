package worker

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/config"
)

// slackDMConfig has a slack notifier that reaches alice through the chat section's bot, whose
// API URL is left for the test to append.
const slackDMConfig = `organisation: Test Corp
notifiers:
  - id: dm
    type: slack
people:
  - id: alice
    name: Alice
    slack_id: U024BE7LH
    notification_rules:
      - notifier: console
      - notifier: dm
        after: 1m
teams:
  - id: payments
    rotation:
      start: 2025-01-06T09:00:00Z
      shift: 168h
      members: [alice]
services:
  - id: checkout
    team: payments
chat:
  type: slack
  token_env: FIREBREAK_TEST_SLACK_TOKEN
  api_url: `

func TestSlackNotifierSendsThroughTheChatBot(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("Authorization")+" "+r.PostForm.Get("channel"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	cfg, err := config.Parse("firebreak.yaml", []byte(slackDMConfig+srv.URL+"/api/\n"))
	require.NoError(t, err)

	t.Setenv("FIREBREAK_TEST_SLACK_TOKEN", "")
	_, err = newNotifiers(cfg, nil)
	require.EqualError(t, err, "notifier dm: environment variable FIREBREAK_TEST_SLACK_TOKEN is empty")

	t.Setenv("FIREBREAK_TEST_SLACK_TOKEN", "xoxb-test")
	notifiers, err := newNotifiers(cfg, nil)
	require.NoError(t, err)
	retry, err := notifiers["dm"].Notify(context.Background(), notify.Message{
		Kind: notify.KindPage, IdempotencyKey: "wf/page/alice", Recipient: "alice", Subject: "Checkout is failing",
	})
	require.NoError(t, err)
	require.False(t, retry)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"/api/chat.postMessage Bearer xoxb-test U024BE7LH"}, seen)
}
