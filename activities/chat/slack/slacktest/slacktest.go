// Package slacktest is a fake Slack Web API for tests: an http.Handler's worth of Slack that checks
// every call as Slack would and keeps the channels, topics, members and messages it was asked for.
package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat/slack"
	"github.com/firebreak-dev/firebreak/internal/config"
)

// Token is the bot token the workspace accepts, and Bot the bot's user ID.
const (
	Token = "xoxb-1111-2222-Zq8dK2mNw9vR4tY7uI0o"
	Bot   = "UBOT"
)

// Channel is a channel in the workspace.
type Channel struct {
	ID, Name, Creator, Topic string
	Members                  []string
	Messages                 []Message
}

// Message is a message posted to a channel, with the idempotency key in its metadata.
type Message struct {
	Text string
	Key  string
}

// Workspace is a fake Slack Web API: it checks each call as Slack would and keeps channels,
// topics, members and messages. Lock Mu to read its fields while it serves.
type Workspace struct {
	Mu       sync.Mutex
	Channels []*Channel
	Calls    []string
	// Answer, when set, answers a method instead of the workspace (Slack's error answers).
	Answer map[string]map[string]any
}

// Channel returns the first channel by matches, or nil.
func (ws *Workspace) Channel(by func(*Channel) bool) *Channel {
	for _, c := range ws.Channels {
		if by(c) {
			return c
		}
	}
	return nil
}

// Serve checks one call as Slack would (POST, form-encoded, the bot token) and answers it,
// returning the texts people will read (topics, messages).
func (ws *Workspace) Serve(t *testing.T, w http.ResponseWriter, r *http.Request) []string {
	ws.Mu.Lock()
	defer ws.Mu.Unlock()
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	require.NoError(t, r.ParseForm())
	require.Equal(t, Token, r.PostForm.Get("token"), "the bot token authenticates every call")
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	require.True(t, ok, "path %s", r.URL.Path)
	ws.Calls = append(ws.Calls, method)
	f := r.PostForm
	reply := func(v map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		require.NoError(t, json.NewEncoder(w).Encode(v))
	}
	if a, ok := ws.Answer[method]; ok {
		reply(a)
		return nil
	}
	byID := func(c *Channel) bool { return c.ID == f.Get("channel") }
	switch method {
	case "auth.test":
		reply(map[string]any{"ok": true, "user_id": Bot})
	case "conversations.create":
		name := f.Get("name")
		require.Regexp(t, `^[a-z0-9_-]{1,80}$`, name, "Slack's naming rules")
		require.Contains(t, []string{"true", "false"}, f.Get("is_private"))
		if ws.Channel(func(c *Channel) bool { return c.Name == name }) != nil {
			reply(map[string]any{"ok": false, "error": "name_taken"})
			return nil
		}
		c := &Channel{ID: fmt.Sprintf("C%04d", len(ws.Channels)+1), Name: name, Creator: Bot, Members: []string{Bot}}
		ws.Channels = append(ws.Channels, c)
		reply(map[string]any{"ok": true, "channel": map[string]any{"id": c.ID, "name": c.Name, "creator": c.Creator}})
	case "conversations.list":
		require.Equal(t, "true", f.Get("exclude_archived"))
		var list []map[string]any
		for _, c := range ws.Channels {
			list = append(list, map[string]any{"id": c.ID, "name": c.Name, "creator": c.Creator, "topic": map[string]any{"value": c.Topic}})
		}
		reply(map[string]any{"ok": true, "channels": list, "response_metadata": map[string]any{"next_cursor": ""}})
	case "conversations.setTopic":
		c := ws.Channel(byID)
		require.NotNil(t, c, "unknown channel %s", f.Get("channel"))
		topic := f.Get("topic")
		require.LessOrEqual(t, len(topic), slack.MaxTopicLength)
		c.Topic = topic
		reply(map[string]any{"ok": true, "channel": map[string]any{"id": c.ID}})
		return []string{topic}
	case "conversations.invite":
		c := ws.Channel(byID)
		require.NotNil(t, c)
		require.Equal(t, "true", f.Get("force"))
		for _, u := range strings.Split(f.Get("users"), ",") {
			require.True(t, config.ValidSlackID(u), "user %q", u)
			c.Members = append(c.Members, u)
		}
		reply(map[string]any{"ok": true, "channel": map[string]any{"id": c.ID}})
	case "chat.postMessage":
		c := ws.Channel(byID)
		require.NotNil(t, c)
		var meta struct {
			EventType    string            `json:"event_type"`
			EventPayload map[string]string `json:"event_payload"`
		}
		require.NoError(t, json.Unmarshal([]byte(f.Get("metadata")), &meta))
		require.Equal(t, slack.EventType, meta.EventType)
		require.NotEmpty(t, meta.EventPayload["idempotency_key"])
		text := f.Get("text")
		c.Messages = append(c.Messages, Message{Text: text, Key: meta.EventPayload["idempotency_key"]})
		reply(map[string]any{"ok": true, "channel": c.ID, "ts": fmt.Sprintf("1700000000.%06d", len(c.Messages))})
		return []string{text}
	case "conversations.history":
		c := ws.Channel(byID)
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

// Reject answers as Slack answers a call with a bad token.
func (ws *Workspace) Reject(w http.ResponseWriter, _ *http.Request) string {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
	return "invalid_auth"
}
