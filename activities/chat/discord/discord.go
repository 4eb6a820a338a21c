// Package discord posts incidents' events to a Discord channel through a webhook. A webhook
// cannot create channels, so Open announces the incident in the webhook's channel and returns
// that channel.
package discord

import (
	"strings"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/internal/hook"
)

// MaxText bounds the content of one message, in bytes; Discord's own limit is 2,000 characters.
const MaxText = 2000

// Config configures a Chat. URL is the webhook's URL,
// https://discord.com/api/webhooks/<id>/<token>; it is a secret. Channel is the name people know
// the webhook's channel by, such as "#incidents"; empty means "discord webhook". The zero values
// of Client and MaxWait are safe defaults.
type Config = hook.Config

// Chat posts to a Discord webhook. It is safe for concurrent use.
type Chat = hook.Chat

// New returns a Chat configured by cfg.
func New(cfg Config) (*Chat, error) {
	return hook.NewChat(cfg, "discord", "discord webhook", format)
}

// format makes m the message's content: the subject in bold, the text, and the links. The
// message allows no mentions, so text from outside cannot notify @everyone, a role or a person.
func format(m chat.Message) any {
	var b strings.Builder
	b.WriteString("**" + strings.ReplaceAll(m.Subject, "**", `\*\*`) + "**")
	if m.Text != "" {
		b.WriteString("\n" + m.Text)
	}
	for _, l := range m.Links {
		// Angle brackets keep Discord from embedding a preview of every link.
		b.WriteString("\n" + l.Name + ": <" + l.URL + ">")
	}
	return payload{
		Content:         chat.Truncate(b.String(), MaxText),
		AllowedMentions: allowedMentions{Parse: []string{}},
	}
}

// payload is the body of a Discord webhook execution.
type payload struct {
	Content         string          `json:"content"`
	AllowedMentions allowedMentions `json:"allowed_mentions"`
}

// allowedMentions with an empty Parse list allows no mention at all.
type allowedMentions struct {
	Parse []string `json:"parse"`
}
