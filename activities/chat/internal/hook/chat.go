package hook

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/firebreak-dev/firebreak/activities/chat"
)

// Config configures a webhook Chat. The zero values of Client and MaxWait are safe defaults.
type Config struct {
	// URL is the webhook's URL; it is a secret.
	URL string
	// Channel is the name people know the webhook's channel by; empty means the
	// implementation's default.
	Channel string
	// Client sends the requests; nil means a client with a 10-second timeout.
	Client *http.Client
	// MaxWait is how long a call waits out a rate limit; zero means chat.DefaultMaxWait.
	MaxWait time.Duration
}

// Format returns the body of the webhook request that posts m, a message chat.Clean has
// neutralised.
type Format func(m chat.Message) any

// Chat is a chat system reached only through one webhook. A webhook cannot create channels, so
// Open announces the incident in the webhook's channel and returns that channel. It is safe for
// concurrent use.
type Chat struct {
	hook    *Hook
	system  string
	channel string
	format  Format
}

// NewChat returns a Chat posting to the webhook cfg configures, in the shape format gives.
// system names the chat system in errors, such as "discord"; channel is the channel's name when
// cfg gives none.
func NewChat(cfg Config, system, channel string, format Format) (*Chat, error) {
	h, err := New(cfg.URL, cfg.Client, cfg.MaxWait)
	if err != nil {
		return nil, err
	}
	if cfg.Channel != "" {
		channel = cfg.Channel
	}
	return &Chat{hook: h, system: system, channel: channel, format: format}, nil
}

// Open announces the incident in the webhook's channel and returns that channel.
func (c *Chat) Open(ctx context.Context, in chat.Incident) (chat.Channel, error) {
	ch := chat.Channel{Name: c.channel}
	return ch, c.Post(ctx, ch, in.Announcement())
}

// Invite invites nobody: a webhook's channel has no members Firebreak manages.
func (c *Chat) Invite(context.Context, chat.Channel, []string) ([]string, error) { return nil, nil }

// Post posts m, neutralised (chat.Clean), to the webhook's channel whatever ch says; a message
// without an idempotency key is refused unsent.
func (c *Chat) Post(ctx context.Context, _ chat.Channel, m chat.Message) error {
	if m.IdempotencyKey == "" {
		return fmt.Errorf("post to %s: missing idempotency key", c.system)
	}
	return c.hook.Post(ctx, c.format(chat.Clean(m)))
}
