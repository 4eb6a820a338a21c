package mattermost_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/chattest"
	"github.com/firebreak-dev/firebreak/activities/chat/mattermost"
)

const hookKey = "xk3jd8s9mfkq7wgd1bt6n5r4oc"

// fake is a Mattermost incoming webhook.
type fake struct{}

func (fake) Serve(t *testing.T, w http.ResponseWriter, r *http.Request) []string {
	var body struct {
		Text  string            `json:"text"`
		Props map[string]string `json:"props"`
	}
	chattest.DecodePost(t, r, "/hooks/"+hookKey, &body)
	require.NotEmpty(t, body.Text)
	require.NotEmpty(t, body.Props["firebreak_idempotency_key"])
	_, _ = w.Write([]byte("ok"))
	return []string{body.Text}
}

func (fake) Reject(w http.ResponseWriter, _ *http.Request) string {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"id":"web.incoming_webhook.parse.app_error","message":"Unable to parse incoming data","status_code":400}`))
	return "Unable to parse incoming data"
}

func target(*testing.T) chattest.Target {
	return chattest.Target{
		New:  chattest.Webhook(mattermost.New, "/hooks/"+hookKey, "~incidents"),
		Fake: fake{}, Secret: hookKey, MaxText: mattermost.MaxText,
	}
}

func TestConformance(t *testing.T) { chattest.Run(t, target) }

func TestPostNeutralisesMentions(t *testing.T) {
	var got string
	tg := target(t)
	srv := serve(t, func(text string) { got = text })
	c := tg.New(t, srv, time.Second)
	err := c.Post(t.Context(), chat.Channel{Name: "~incidents"}, chat.Message{
		IdempotencyKey: "k", Subject: "ping @channel **now**", Text: "@all @here and @ana",
	})
	require.NoError(t, err)
	require.NotContains(t, got, "@")
	require.Contains(t, got, "＠channel")
	require.Contains(t, got, `\*\*now\*\*`)
}

func TestOpenReturnsTheWebhooksChannel(t *testing.T) {
	var got string
	c := target(t).New(t, serve(t, func(text string) { got = text }), time.Second)
	ch, err := c.Open(t.Context(), chat.Incident{Key: "checkout-abc", IdempotencyKey: "k", Summary: "down", Severity: "sev2",
		Links: []chat.Link{{Name: "bridge", URL: "https://meet.test/x"}}})
	require.NoError(t, err)
	require.Equal(t, chat.Channel{Name: "~incidents"}, ch)
	require.Equal(t, "**[SEV2] Incident checkout-abc opened: down**\nbridge: https://meet.test/x", got)
}

// serve starts a webhook that hands each message's text to got, and returns its URL.
func serve(t *testing.T, got func(text string)) string {
	return chattest.Serve(t, func(w http.ResponseWriter, r *http.Request) { got(fake{}.Serve(t, w, r)[0]) })
}
