package discord_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/chattest"
	"github.com/firebreak-dev/firebreak/activities/chat/discord"
)

const webhookToken = "Zq8dK2mNw9vR4tY7uI0oP3aS6dF1gH5jK8lZ2xC4vB7nM0qW3eR6tY9u"

const hookPath = "/api/webhooks/1234567890/" + webhookToken

// fake is a Discord webhook.
type fake struct{}

func (fake) Serve(t *testing.T, w http.ResponseWriter, r *http.Request) []string {
	var body struct {
		Content         string `json:"content"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	chattest.DecodePost(t, r, hookPath, &body)
	require.NotEmpty(t, body.Content)
	require.NotNil(t, body.AllowedMentions, "mentions must be switched off explicitly")
	require.Empty(t, body.AllowedMentions.Parse)
	w.WriteHeader(http.StatusNoContent)
	return []string{body.Content}
}

func (fake) Reject(w http.ResponseWriter, _ *http.Request) string {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"message": "Cannot send an empty message", "code": 50006}`))
	return "Cannot send an empty message"
}

func target(*testing.T) chattest.Target {
	return chattest.Target{
		New:  chattest.Webhook(discord.New, hookPath, "#incidents"),
		Fake: fake{}, Secret: webhookToken, MaxText: discord.MaxText,
	}
}

func TestConformance(t *testing.T) { chattest.Run(t, target) }

func TestPostFormatsTheMessage(t *testing.T) {
	var got string
	srv := chattest.Serve(t, func(w http.ResponseWriter, r *http.Request) { got = fake{}.Serve(t, w, r)[0] })
	c := target(t).New(t, srv, time.Second)
	err := c.Post(t.Context(), chat.Channel{Name: "#incidents"}, chat.Message{
		IdempotencyKey: "k", Subject: "phase: mitigating", Text: "@everyone rollback started",
		Links: []chat.Link{{Name: "bridge", URL: "https://meet.test/x"}, {Name: "empty"}},
	})
	require.NoError(t, err)
	require.Equal(t, "**phase: mitigating**\n@everyone rollback started\nbridge: <https://meet.test/x>", got,
		"the text stays as written: allowed_mentions keeps @everyone from notifying anyone")
}

func TestRetryAfterFromDiscordsFractionalSeconds(t *testing.T) {
	srv := chattest.Serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "30.25")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"message": "You are being rate limited.", "retry_after": 30.25, "global": false}`))
	})
	c := target(t).New(t, srv, time.Second)
	err := c.Post(t.Context(), chat.Channel{}, chat.Message{IdempotencyKey: "k", Subject: "s"})
	retry, after := chat.Retryable(err)
	require.True(t, retry)
	require.Equal(t, 31*time.Second, after, "rounded up: waiting less than asked is refused again")
	require.Contains(t, err.Error(), "You are being rate limited.")
	require.NotContains(t, err.Error(), webhookToken)
}
