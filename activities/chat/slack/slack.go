// Package slack opens incidents' channels in Slack and posts their events there, through the Web
// API (conversations.create, conversations.setTopic, conversations.invite, chat.postMessage).
//
// Opening is idempotent: a retried Open that finds the channel an earlier attempt created (a
// channel of that name created by the same bot user) reuses it; a name taken by anything else
// gets a numbered suffix. Posting is idempotent where Slack lets it be: every message carries
// its idempotency key in its metadata, and a repeated Post looks for it in the channel's recent
// history before posting again. Rate limits are honoured: a 429's Retry-After is waited out when
// it is short and returned as a retryable *chat.Error when it is not.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Slack's limits, and Firebreak's bounds on its calls.
const (
	// MaxNameLength is the longest channel name Slack accepts.
	MaxNameLength = 80
	// MaxTopicLength is the longest channel topic Slack accepts.
	MaxTopicLength = 250
	// MaxText bounds the text of one message, in bytes; Slack truncates beyond 40,000
	// characters and advises at most 4,000.
	MaxText = 4000
	// MaxSuffix is the highest numbered suffix tried when a channel name is taken.
	MaxSuffix = 20
	// maxListPages bounds how many pages of 1,000 channels a search for a taken name reads.
	maxListPages = 20
	// historyWindow is how many of the channel's latest messages a repeated Post searches for
	// its idempotency key.
	historyWindow = 200
)

// DefaultAPIURL is Slack's Web API; DefaultChannelPattern names incident channels.
const (
	DefaultAPIURL         = "https://slack.com/api/"
	DefaultChannelPattern = "inc-{incident}"
)

// EventType is the metadata event type of every message Firebreak posts; its payload holds the
// message's idempotency key.
const EventType = "firebreak_incident_event"

// Config configures a Chat. Every zero value but Token's is a safe default.
type Config struct {
	// Token is the bot token (xoxb-...), with the scopes channels:manage, channels:read,
	// channels:history, chat:write (and groups:* for private channels). Required.
	Token string
	// APIURL is the Web API's base URL; "" means DefaultAPIURL.
	APIURL string
	// ChannelPattern makes a channel's name: "{incident}" is replaced by the incident key and
	// "{service}" by the service; "" means DefaultChannelPattern.
	ChannelPattern string
	// Private makes incident channels private.
	Private bool
	// Client sends the requests; nil means a client with a 10-second timeout.
	Client *http.Client
	// MaxWait is how long a call waits out a rate limit; zero means chat.DefaultMaxWait.
	MaxWait time.Duration
}

// Chat is a Slack workspace. It is safe for concurrent use.
type Chat struct {
	api     *slack.Client
	token   string
	pattern string
	private bool
	maxWait time.Duration

	mu sync.Mutex
	// botID is the bot's own user ID, from auth.test, once known.
	botID string
}

// New returns a Chat configured by cfg.
func New(cfg Config) (*Chat, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("configure slack: empty token")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("configure slack: API URL %s: want an absolute http or https URL", safetext.RedactURL(cfg.APIURL))
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.ChannelPattern == "" {
		cfg.ChannelPattern = DefaultChannelPattern
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = chat.DefaultMaxWait
	}
	return &Chat{
		api:     slack.New(cfg.Token, slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(cfg.Client)),
		token:   cfg.Token,
		pattern: cfg.ChannelPattern,
		private: cfg.Private,
		maxWait: cfg.MaxWait,
	}, nil
}

// Open creates the incident's channel, or reuses the one an earlier attempt created, sets its
// topic (Topic) and invites the responders in in.Invite. A channel is returned whenever one
// exists: a topic or an invitation Slack refuses for good is logged in the channel's Problems
// instead of failing the opening, while a retryable failure is returned as an error so that the
// whole opening is retried.
func (c *Chat) Open(ctx context.Context, in chat.Incident) (chat.Channel, error) {
	base := ChannelName(c.pattern, in.Key, in.Service)
	ch, err := c.create(ctx, base, in.Repeat)
	if err != nil {
		return chat.Channel{}, err
	}
	out := chat.Channel{ID: ch.ID, Name: "#" + ch.Name}
	if topic := Topic(in); ch.Topic.Value != topic {
		err := c.call(ctx, "conversations.setTopic", func() error {
			_, err := c.api.SetTopicOfConversationContext(ctx, ch.ID, topic)
			return err
		})
		if err := c.keep(&out, err); err != nil {
			return chat.Channel{}, err
		}
	}
	if err := c.keep(&out, c.invite(ctx, ch.ID, in.Invite)); err != nil {
		return chat.Channel{}, err
	}
	return out, nil
}

// Invite invites the users to the channel; people already in it are no problem.
func (c *Chat) Invite(ctx context.Context, ch chat.Channel, userIDs []string) ([]string, error) {
	var out chat.Channel
	if err := c.keep(&out, c.invite(ctx, ch.ID, userIDs)); err != nil {
		return nil, err
	}
	return out.Problems, nil
}

// invite calls conversations.invite for the valid user IDs, if any.
func (c *Chat) invite(ctx context.Context, channelID string, userIDs []string) error {
	invite := validUsers(userIDs)
	if len(invite) == 0 {
		return nil
	}
	return c.call(ctx, "conversations.invite", func() error {
		_, err := c.api.ForceInviteUsersToConversationContext(ctx, channelID, invite...)
		if e, ok := errors.AsType[slack.SlackErrorResponse](err); ok && e.Err == "already_in_channel" {
			return nil
		}
		return err
	})
}

// keep records a final failure in the channel's problems and returns a retryable one.
func (c *Chat) keep(ch *chat.Channel, err error) error {
	if err == nil {
		return nil
	}
	if retry, _ := chat.Retryable(err); retry {
		return err
	}
	ch.Problems = append(ch.Problems, err.Error())
	return nil
}

// create creates a channel named base, or base with the lowest free numbered suffix. When an
// earlier attempt may have created it (repeat), a taken name whose channel this bot created is
// that channel, and is returned.
func (c *Chat) create(ctx context.Context, base string, repeat bool) (*slack.Channel, error) {
	for n := 1; n <= MaxSuffix; n++ {
		name := withSuffix(base, n)
		var ch *slack.Channel
		taken := false
		err := c.call(ctx, "conversations.create", func() error {
			var err error
			ch, err = c.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: c.private})
			if e, ok := errors.AsType[slack.SlackErrorResponse](err); ok && e.Err == "name_taken" {
				taken = true
				return nil
			}
			return err
		})
		switch {
		case err != nil:
			return nil, err
		case !taken:
			return ch, nil
		case !repeat:
			continue
		}
		existing, err := c.ours(ctx, name)
		if err != nil {
			return nil, err
		}
		if existing != nil {
			return existing, nil
		}
	}
	return nil, chat.Errorf(false, "slack conversations.create: names %s to %s are all taken", base, withSuffix(base, MaxSuffix))
}

// ours returns the channel called name if this bot created it, or nil.
func (c *Chat) ours(ctx context.Context, name string) (*slack.Channel, error) {
	self, err := c.bot(ctx)
	if err != nil {
		return nil, err
	}
	types := []string{"public_channel"}
	if c.private {
		types = []string{"private_channel"}
	}
	cursor := ""
	for range maxListPages {
		var channels []slack.Channel
		err := c.call(ctx, "conversations.list", func() error {
			var err error
			channels, cursor, err = c.api.GetConversationsContext(ctx, &slack.GetConversationsParameters{
				Cursor: cursor, Limit: 1000, Types: types, ExcludeArchived: true,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for i, ch := range channels {
			if ch.Name == name {
				if ch.Creator == self {
					return &channels[i], nil
				}
				return nil, nil
			}
		}
		if cursor == "" {
			return nil, nil
		}
	}
	return nil, nil
}

// bot returns the bot's own user ID, asking auth.test once.
func (c *Chat) bot(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.botID != "" {
		return c.botID, nil
	}
	var id string
	err := c.call(ctx, "auth.test", func() error {
		resp, err := c.api.AuthTestContext(ctx)
		if err == nil {
			id = resp.UserID
		}
		return err
	})
	if err != nil {
		return "", err
	}
	c.botID = id
	return id, nil
}

// Post posts m to the channel: its subject in bold, its text and its links, with m's idempotency
// key in the message's metadata. When m may have been posted already (m.Repeat), it first looks
// for that key among the channel's latest messages and posts nothing if it is there; when Slack
// refuses that look for good (a token without channels:history), it posts, as a message shown
// twice is better than one lost.
func (c *Chat) Post(ctx context.Context, ch chat.Channel, m chat.Message) error {
	if m.IdempotencyKey == "" {
		return chat.Errorf(false, "slack chat.postMessage: missing idempotency key")
	}
	if ch.ID == "" {
		return chat.Errorf(false, "slack chat.postMessage: channel %s has no ID", safetext.Line(ch.Name))
	}
	if m.Repeat {
		posted, err := c.posted(ctx, ch.ID, m.IdempotencyKey)
		if retry, _ := chat.Retryable(err); err != nil && retry {
			return err
		}
		if posted {
			return nil
		}
	}
	text := chat.Truncate(Format(m), MaxText)
	return c.call(ctx, "chat.postMessage", func() error {
		_, _, err := c.api.PostMessageContext(ctx, ch.ID,
			slack.MsgOptionText(text, false),
			slack.MsgOptionDisableLinkUnfurl(),
			slack.MsgOptionMetadata(slack.SlackMetadata{EventType: EventType, EventPayload: map[string]any{
				"idempotency_key": m.IdempotencyKey, "kind": safetext.Line(m.Kind),
			}}))
		return err
	})
}

// posted reports whether a message with the idempotency key is among the channel's latest.
func (c *Chat) posted(ctx context.Context, channelID, key string) (bool, error) {
	var resp *slack.GetConversationHistoryResponse
	err := c.call(ctx, "conversations.history", func() error {
		var err error
		resp, err = c.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channelID, Limit: historyWindow, IncludeAllMetadata: true,
		})
		return err
	})
	if err != nil {
		return false, err
	}
	for _, msg := range resp.Messages {
		if msg.Metadata.EventType == EventType && msg.Metadata.EventPayload["idempotency_key"] == key {
			return true, nil
		}
	}
	return false, nil
}

// call makes one Web API call through chat.Patiently, turning its error into a *chat.Error that
// names the method and Slack's error code and never the token.
func (c *Chat) call(ctx context.Context, method string, fn func() error) error {
	return chat.Patiently(ctx, c.maxWait, func() error { return c.classify(ctx, method, fn()) })
}

// Slack error codes worth retrying.
var retryableCodes = map[string]bool{
	"ratelimited": true, "internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "team_added_to_org": true,
}

func (c *Chat) classify(ctx context.Context, method string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("slack %s: %w", method, ctx.Err())
	}
	switch e := err.(type) {
	case *slack.RateLimitedError:
		return &chat.Error{Retry: true, RetryAfter: max(e.RetryAfter, time.Second), Problem: "slack " + method + ": rate limited"}
	case slack.StatusCodeError:
		return chat.Errorf(e.Code >= 500 || e.Code == http.StatusRequestTimeout || e.Code == http.StatusTooManyRequests,
			"slack %s: status %d", method, e.Code)
	case slack.SlackErrorResponse:
		return chat.Errorf(retryableCodes[e.Err], "slack %s: %s", method, c.scrub(e.Err))
	}
	if uerr, ok := errors.AsType[*url.Error](err); ok {
		err = uerr.Err // it repeats the URL
	}
	return chat.Errorf(true, "slack %s: %s", method, c.scrub(err.Error()))
}

// scrub neutralises text from Slack or the network and hides the token in it.
func (c *Chat) scrub(s string) string {
	return safetext.Line(safetext.Scrub(s, []string{c.token}))
}

// Format writes a message in Slack's mrkdwn: the subject in bold, the text, and each link as
// <url|name>. Text from outside is escaped as Slack asks (&, < and >), so it can neither mention
// (<!channel>, <@U123>) nor disguise a link.
func Format(m chat.Message) string {
	m = chat.Clean(m)
	var b strings.Builder
	b.WriteString("*" + slackutilsx.EscapeMessage(m.Subject) + "*")
	if m.Text != "" {
		b.WriteString("\n" + slackutilsx.EscapeMessage(m.Text))
	}
	for _, l := range m.Links {
		b.WriteString("\n" + link(l))
	}
	return b.String()
}

// link writes a link as <url|name>, with the characters that would end it escaped.
func link(l chat.Link) string {
	u := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(l.URL)
	return "<" + slackutilsx.EscapeMessage(u) + "|" + slackutilsx.EscapeMessage(strings.ReplaceAll(l.Name, "|", "/")) + ">"
}

// Topic writes the channel topic, at most MaxTopicLength bytes: the severity, the summary and
// the links ("ui: <url>"), in that order, escaped as Slack asks. When it is too long the summary
// is cut first (to no less than 40 bytes), then the least important links are dropped from the
// end.
func Topic(in chat.Incident) string {
	m := chat.Clean(chat.Message{Subject: in.Summary, Severity: in.Severity, Links: in.Links})
	esc := slackutilsx.EscapeMessage
	head := ""
	if m.Severity != "" {
		head = esc(strings.ToUpper(m.Severity)) + " · "
	}
	summary := esc(m.Subject)
	links := make([]string, len(m.Links))
	for i, l := range m.Links {
		links[i] = esc(l.Name) + ": " + esc(l.URL)
	}
	for {
		tail := ""
		if len(links) > 0 {
			tail = " | " + strings.Join(links, " | ")
		}
		room := MaxTopicLength - len(head) - len(tail)
		if len(summary) <= room || room >= 40 || len(links) == 0 {
			return chat.Truncate(head+chat.Truncate(summary, max(room, 0))+tail, MaxTopicLength)
		}
		links = links[:len(links)-1]
	}
}

// ChannelName makes a channel name from a pattern, an incident key and a service, as Slack
// accepts it: lowercase letters, digits, "-" and "_", at most MaxNameLength characters less
// room for a numbered suffix. Any other character becomes "-", runs of "-" become one, and the
// name never starts or ends with one.
func ChannelName(pattern, key, service string) string {
	raw := strings.NewReplacer("{incident}", key, "{service}", service).Replace(pattern)
	var b strings.Builder
	for _, r := range strings.ToLower(raw) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '_':
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if limit := MaxNameLength - len("-99"); len(name) > limit {
		name = strings.TrimRight(name[:limit], "-")
	}
	if name == "" {
		name = "incident"
	}
	return name
}

// withSuffix returns the base name for n = 1 and base-n otherwise.
func withSuffix(base string, n int) string {
	if n == 1 {
		return base
	}
	return fmt.Sprintf("%s-%d", base, n)
}

// validUsers returns the IDs that look like Slack user IDs (U… or W…, letters and digits),
// without repeats; others are left out rather than failing the whole invitation.
func validUsers(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if config.ValidSlackID(id) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
