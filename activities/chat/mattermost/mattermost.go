// Package mattermost posts incidents' events to a Mattermost channel through an incoming
// webhook. A webhook cannot create channels, so Open announces the incident in the webhook's
// channel and returns that channel.
package mattermost

import (
	"strings"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/internal/hook"
)

// MaxText bounds the text of one post, in bytes; Mattermost's own limit is 16,383 characters.
const MaxText = 4000

// Config configures a Chat. URL is the incoming webhook's URL; it is a secret. Channel is the
// name people know the webhook's channel by, such as "~incidents"; empty means "mattermost
// webhook". The zero values of Client and MaxWait are safe defaults.
type Config = hook.Config

// Chat posts to a Mattermost incoming webhook. It is safe for concurrent use.
type Chat = hook.Chat

// New returns a Chat configured by cfg.
func New(cfg Config) (*Chat, error) {
	return hook.NewChat(cfg, "mattermost", "mattermost webhook", format)
}

// format makes m a Markdown post: the subject in bold, the text, and the links. Every "@" of the
// message becomes "＠" so that text from outside cannot notify a whole channel (@channel, @all,
// @here) or a person.
func format(m chat.Message) any {
	var b strings.Builder
	b.WriteString("**" + escape(m.Subject) + "**")
	if m.Text != "" {
		b.WriteString("\n" + escape(m.Text))
	}
	for _, l := range m.Links {
		b.WriteString("\n" + escape(l.Name) + ": " + noMention(l.URL))
	}
	return payload{
		Text:  chat.Truncate(b.String(), MaxText),
		Props: map[string]string{"firebreak_idempotency_key": m.IdempotencyKey, "firebreak_kind": m.Kind},
	}
}

// payload is the body of a Mattermost incoming webhook request.
type payload struct {
	Text  string            `json:"text"`
	Props map[string]string `json:"props,omitempty"`
}

// escape keeps Markdown emphasis markers from outside from running into the subject's, and
// neutralises mentions.
func escape(s string) string {
	return noMention(strings.ReplaceAll(s, "**", `\*\*`))
}

// noMention replaces "@" by the full-width "＠", which Mattermost does not read as a mention.
func noMention(s string) string {
	return strings.ReplaceAll(s, "@", "＠")
}
