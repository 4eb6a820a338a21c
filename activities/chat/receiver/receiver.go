// Package receiver builds the configured chat system for the activities, in one place, as
// Alertmanager's notify/receiver builds its integrations from the configuration.
package receiver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/discord"
	"github.com/firebreak-dev/firebreak/activities/chat/internal/hook"
	"github.com/firebreak-dev/firebreak/activities/chat/mattermost"
	"github.com/firebreak-dev/firebreak/activities/chat/slack"
	"github.com/firebreak-dev/firebreak/activities/chat/teams"
	"github.com/firebreak-dev/firebreak/internal/config"
)

// New returns the chat system cfg configures, with the people's Slack IDs and the status page's
// address, or nil when cfg has no chat section. client sends the requests; nil means each
// implementation's default. The error never shows the token or the webhook URL.
func New(cfg *config.Config, client *http.Client) (*activities.Chat, error) {
	c := cfg.Chat
	if !c.Enabled() {
		return nil, nil
	}
	secret := c.Secret()
	if secret == "" {
		env := c.WebhookURLEnv
		if c.Slack() {
			env = c.TokenEnv
		}
		if env == "" {
			return nil, fmt.Errorf("chat %s: empty credential", c.Type)
		}
		return nil, fmt.Errorf("chat %s: environment variable %s is empty", c.Type, env)
	}
	var system chat.Chat
	var err error
	webhook := hook.Config{URL: secret, Channel: c.Channel, Client: client, MaxWait: c.Wait()}
	switch c.Type {
	case config.ChatSlack:
		system, err = slack.New(slack.Config{Token: secret, APIURL: c.APIURL, ChannelPattern: c.ChannelPattern,
			Private: c.Private, Client: client, MaxWait: c.Wait()})
	case config.ChatTeams:
		system, err = teams.New(webhook)
	case config.ChatMattermost:
		system, err = mattermost.New(webhook)
	case config.ChatDiscord:
		system, err = discord.New(webhook)
	default:
		return nil, fmt.Errorf("chat: unknown type %q", c.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("chat %s: %w", c.Type, err)
	}
	out := &activities.Chat{System: system}
	if u := strings.TrimRight(cfg.StatusPage.URL, "/"); u != "" {
		out.StatusPageURL = u + "/status"
	}
	if c.Slack() {
		out.UserID = func(person string) (string, bool) {
			p, ok := cfg.Person(person)
			return p.SlackID, ok && p.SlackID != ""
		}
	}
	return out, nil
}
