package config

import (
	"os"
	"slices"
	"strings"
	"time"
)

// The chat types.
const (
	// ChatSlack creates a channel per incident, sets its topic and invites the responders.
	ChatSlack = "slack"
	// ChatTeams, ChatMattermost and ChatDiscord post to one channel through an incoming
	// webhook (for Teams, a Workflows webhook taking Adaptive Cards), announcing each incident
	// there.
	ChatTeams      = "teams"
	ChatMattermost = "mattermost"
	ChatDiscord    = "discord"
)

// Bounds and defaults of the chat section.
const (
	// DefaultChannelPattern names a Slack incident channel.
	DefaultChannelPattern = "inc-{incident}"
	// MaxChannelPatternText bounds the characters of a channel pattern besides its
	// placeholders, so that the incident key fits in Slack's 80.
	MaxChannelPatternText = 30
	// DefaultChatMaxWait and MaxChatMaxWait bound how long one chat call waits out a rate
	// limit; a longer Retry-After fails the activity as retryable instead. The ceiling stays
	// below the 30-second timeout of the activities beside the paging path.
	DefaultChatMaxWait = 10 * time.Second
	MaxChatMaxWait     = 20 * time.Second
)

// Chat is the chat system incidents talk in: the incident's channel opens there and its events
// (phase changes, pages, role changes, notes) are posted to it. Without a chat section the
// channel is only named and announced through the notifiers.
type Chat struct {
	// Type is slack, teams, mattermost or discord. Required when the section is present.
	Type string `yaml:"type"`
	// Token is Slack's bot token (xoxb-...) itself; prefer TokenEnv. Slack sets exactly one.
	Token string `yaml:"token"`
	// TokenEnv names the environment variable that holds Slack's bot token.
	TokenEnv string `yaml:"token_env"`
	// APIURL is Slack's Web API base URL; default https://slack.com/api/.
	APIURL string `yaml:"api_url"`
	// ChannelPattern names Slack channels: "{incident}" (required) is replaced by the incident
	// key and "{service}" by the service; default "inc-{incident}".
	ChannelPattern string `yaml:"channel_pattern"`
	// Private makes Slack's incident channels private.
	Private bool `yaml:"private"`
	// WebhookURL is the incoming webhook of teams, mattermost or discord itself; prefer
	// WebhookURLEnv, as the URL is the credential. A webhook type sets exactly one.
	WebhookURL string `yaml:"webhook_url"`
	// WebhookURLEnv names the environment variable that holds the webhook's URL.
	WebhookURLEnv string `yaml:"webhook_url_env"`
	// Channel is the name people know the webhook's channel by, such as "#incidents".
	Channel string `yaml:"channel"`
	// MaxWait is how long one call waits out a rate limit; default 10s, at most 20s.
	MaxWait Duration `yaml:"max_wait"`
}

// Enabled reports whether a chat system is configured.
func (c Chat) Enabled() bool { return c.Type != "" }

// Slack reports whether the chat system is Slack.
func (c Chat) Slack() bool { return c.Type == ChatSlack }

// Secret returns the chat's credential, from the file or the environment, with surrounding
// blanks removed: Slack's token or the webhook's URL; "" when it is not set.
func (c Chat) Secret() string {
	literal, env := c.WebhookURL, c.WebhookURLEnv
	if c.Slack() {
		literal, env = c.Token, c.TokenEnv
	}
	if literal != "" {
		return strings.TrimSpace(literal)
	}
	if env != "" {
		return strings.TrimSpace(os.Getenv(env))
	}
	return ""
}

// Wait returns how long one chat call waits out a rate limit.
func (c Chat) Wait() time.Duration {
	if c.MaxWait == 0 {
		return DefaultChatMaxWait
	}
	return time.Duration(c.MaxWait)
}

// chat checks the chat section and the people's chat IDs.
func (v *validator) chat(c *Config) {
	for i, p := range c.People {
		if p.SlackID != "" && !ValidSlackID(p.SlackID) {
			v.errorf(path{"people", i, "slack_id"}, "invalid Slack member ID %q: want U or W and uppercase letters and digits, such as U024BE7LH", p.SlackID)
		}
	}
	ch := c.Chat
	p := path{"chat"}
	slackOnly := map[string]bool{"token": ch.Token != "", "token_env": ch.TokenEnv != "", "api_url": ch.APIURL != "",
		"channel_pattern": ch.ChannelPattern != "", "private": ch.Private}
	webhookOnly := map[string]bool{"webhook_url": ch.WebhookURL != "", "webhook_url_env": ch.WebhookURLEnv != "", "channel": ch.Channel != ""}
	switch ch.Type {
	case "":
		if ch != (Chat{}) {
			v.errorf(p.with("type"), "missing type: want slack, teams, mattermost or discord")
		}
		return
	case ChatSlack:
		for _, key := range sortedTrue(webhookOnly) {
			v.errorf(p.with(key), "slack creates a channel per incident and takes no %s: remove it", key)
		}
		switch {
		case ch.Token == "" && ch.TokenEnv == "":
			v.errorf(p.with("token_env"), "missing token_env: name the environment variable that holds the bot token")
		case ch.TokenEnv != "" && !validEnvName(ch.TokenEnv):
			v.errorf(p.with("token_env"), "invalid environment variable name %q", ch.TokenEnv)
		}
		if ch.APIURL != "" && !absoluteHTTP(ch.APIURL) {
			v.errorf(p.with("api_url"), "want an absolute http or https URL")
		}
		v.channelPattern(p.with("channel_pattern"), ch.ChannelPattern)
	case ChatTeams, ChatMattermost, ChatDiscord:
		for _, key := range sortedTrue(slackOnly) {
			v.errorf(p.with(key), "a %s webhook posts to one channel and takes no %s: remove it", ch.Type, key)
		}
		switch {
		case ch.WebhookURL == "" && ch.WebhookURLEnv == "":
			v.errorf(p.with("webhook_url_env"), "missing webhook_url_env: name the environment variable that holds the webhook's URL")
		case ch.WebhookURLEnv != "" && !validEnvName(ch.WebhookURLEnv):
			v.errorf(p.with("webhook_url_env"), "invalid environment variable name %q", ch.WebhookURLEnv)
		case ch.WebhookURL != "" && !absoluteHTTP(ch.WebhookURL):
			// The URL is a credential: the message does not repeat it.
			v.errorf(p.with("webhook_url"), "want an absolute http or https URL")
		}
	default:
		v.errorf(p.with("type"), "unknown type %q: want slack, teams, mattermost or discord", ch.Type)
	}
	if ch.MaxWait != 0 {
		v.duration(p.with("max_wait"), ch.MaxWait, time.Second, MaxChatMaxWait)
	}
}

// channelPattern checks a Slack channel pattern: it names the incident, and the rest is what
// Slack accepts in a name and leaves room for the key.
func (v *validator) channelPattern(p path, pattern string) {
	if pattern == "" {
		return
	}
	if !strings.Contains(pattern, "{incident}") {
		v.errorf(p, "pattern %q lacks {incident}: two incidents would want the same channel", pattern)
		return
	}
	rest := strings.NewReplacer("{incident}", "", "{service}", "").Replace(pattern)
	for _, r := range rest {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			v.errorf(p, "pattern %q: Slack channel names hold only lowercase letters, digits, - and _", pattern)
			return
		}
	}
	if len(rest) > MaxChannelPatternText {
		v.errorf(p, "pattern %q has %d characters besides its placeholders: at most %d, to leave the incident key room in Slack's 80", pattern, len(rest), MaxChannelPatternText)
	}
}

// ValidSlackID reports whether id looks like a Slack member ID: U or W, then at least two
// uppercase letters or digits.
func ValidSlackID(id string) bool {
	if len(id) < 3 || len(id) > 32 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for _, r := range id {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// sortedTrue returns the keys whose value is true, sorted.
func sortedTrue(set map[string]bool) []string {
	var keys []string
	for k, ok := range set {
		if ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// chatSecrets lists the chat's credential as a secret, for secretFields: a worker needs it.
func (c *Config) chatSecrets() []secretField {
	switch {
	case c.Chat.Slack():
		return []secretField{{at: path{"chat"}, literalKey: "token", envKey: "token_env",
			literal: c.Chat.Token, envName: c.Chat.TokenEnv, use: NotifierSecrets}}
	case c.Chat.Enabled():
		return []secretField{{at: path{"chat"}, literalKey: "webhook_url", envKey: "webhook_url_env",
			literal: c.Chat.WebhookURL, envName: c.Chat.WebhookURLEnv, use: NotifierSecrets}}
	}
	return nil
}
