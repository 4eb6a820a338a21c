package hook

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
)

func TestChatOpensInTheConfiguredOrDefaultChannel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	tests := []struct {
		name, channel, want string
	}{
		{name: "configured", channel: "#incidents", want: "#incidents"},
		{name: "default", channel: "", want: "example webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChat(Config{URL: srv.URL, Channel: tt.channel}, "example", "example webhook", func(m chat.Message) any { return m.Subject })
			require.NoError(t, err)
			ch, err := c.Open(t.Context(), chat.Incident{Key: "k", IdempotencyKey: "i", Summary: "s"})
			require.NoError(t, err)
			require.Equal(t, chat.Channel{Name: tt.want}, ch)
		})
	}
}

func TestChatFormatsTheCleanedMessage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	var got chat.Message
	c, err := NewChat(Config{URL: srv.URL}, "example", "example webhook", func(m chat.Message) any { got = m; return m.Subject })
	require.NoError(t, err)
	err = c.Post(t.Context(), chat.Channel{}, chat.Message{IdempotencyKey: "i", Subject: "a\x1b[2Jb", Links: []chat.Link{{Name: "empty"}}})
	require.NoError(t, err)
	require.Equal(t, chat.Clean(chat.Message{IdempotencyKey: "i", Subject: "a\x1b[2Jb"}), got)
}

func TestChatRefusesAPostWithoutIdempotencyKeyUnsent(t *testing.T) {
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { requests++; w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	c, err := NewChat(Config{URL: srv.URL}, "example", "example webhook", func(m chat.Message) any { return m.Subject })
	require.NoError(t, err)
	err = c.Post(t.Context(), chat.Channel{}, chat.Message{Subject: "s"})
	require.EqualError(t, err, "post to example: missing idempotency key")
	require.Zero(t, requests)
}

func TestAWebhookInvitesNobody(t *testing.T) {
	c, err := NewChat(Config{URL: "https://hooks.example.test/x"}, "test", "webhook", func(chat.Message) any { return nil })
	require.NoError(t, err)
	problems, err := c.Invite(t.Context(), chat.Channel{Name: "webhook"}, []string{"U0ANA"})
	require.NoError(t, err)
	require.Empty(t, problems)
}
