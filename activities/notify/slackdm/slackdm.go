// Package slackdm pages people by Slack direct message, through the Web API's chat.postMessage
// with the person's Slack member ID as the channel: Slack posts the message in the person's
// direct-message conversation with the bot (the app's Messages tab), so that one call with the
// chat:write scope reaches them, with no conversations.open first.
//
// Sending is idempotent on one worker: every message carries its idempotency key in its Slack
// metadata, and the notifier remembers the keys of the messages it sent recently, so that an
// activity retried after a lost answer does not send the same page twice. Text from outside is
// neutralised (internal/safetext), escaped as Slack asks so that it can neither mention anyone
// (<!channel>, <@U…>) nor disguise a link, and bounded. Errors name Slack's problem and never
// the token.
package slackdm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// EventType is the metadata event type of every direct message Firebreak sends; its payload
// holds the message's idempotency key, kind and incident.
const EventType = "firebreak_notification"

// Bounds of one message and of the notifier's memory.
const (
	// MaxSubject bounds the subject, in bytes, before it is escaped.
	MaxSubject = 300
	// MaxText bounds the body, in bytes, before it is escaped. Escaping at most quintuples a
	// text ("&" becomes "&amp;"), so that with MaxSubject, MaxLinks and MaxURL a message stays
	// below 30,000 bytes, under Slack's limit of 40,000 characters.
	MaxText = 3000
	// MaxLinks bounds how many links one message shows.
	MaxLinks = 5
	// MaxURL bounds the length of a link's URL; a longer one is left out.
	MaxURL = 500
	// DefaultRemember is how many sent messages a notifier remembers when its Config does not
	// say.
	DefaultRemember = 4096
	// defaultTimeout bounds a call when Config.Client is nil.
	defaultTimeout = 10 * time.Second
)

// Config configures a Notifier. Every zero value but Token's and SlackID's is a safe default.
type Config struct {
	// Token is the bot token (xoxb-...) with the chat:write scope. Required; it never appears
	// in an error.
	Token string
	// APIURL is the Web API's base URL; "" means DefaultAPIURL.
	APIURL string
	// SlackID returns a person's Slack member ID and whether the person exists. Required.
	SlackID func(person string) (id string, ok bool)
	// Client sends the requests; nil means a client with a 10-second timeout. The notifier uses
	// a copy whose transport moves the token into the Authorization header.
	Client *http.Client
	// Remember is how many sent messages are remembered to suppress repeats; zero means
	// DefaultRemember.
	Remember int
}

// Notifier sends pages and updates as Slack direct messages. It is safe for concurrent use.
type Notifier struct {
	api     *slack.Client
	token   string
	slackID func(string) (string, bool)

	mu sync.Mutex
	// sent holds the recipients and idempotency keys of the latest messages sent; ring holds
	// the same in a circle, next being the oldest, so that the memory stays bounded.
	sent map[sentKey]bool
	ring []sentKey
	next int
}

// sentKey identifies a message sent to one recipient.
type sentKey struct{ recipient, key string }

// New returns a Notifier configured by cfg.
func New(cfg Config) (*Notifier, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("configure slack direct messages: empty token")
	}
	if cfg.SlackID == nil {
		return nil, errors.New("configure slack direct messages: no directory of Slack IDs")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("configure slack direct messages: API URL %s: want an absolute http or https URL", safetext.RedactURL(cfg.APIURL))
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	client := &http.Client{Timeout: defaultTimeout}
	if cfg.Client != nil {
		copied := *cfg.Client
		client = &copied
	}
	client.Transport = bearer{next: client.Transport}
	if cfg.Remember <= 0 {
		cfg.Remember = DefaultRemember
	}
	token := strings.TrimSpace(cfg.Token)
	return &Notifier{
		api:     slack.New(token, slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(client)),
		token:   token,
		slackID: cfg.SlackID,
		sent:    make(map[sentKey]bool, cfg.Remember),
		ring:    make([]sentKey, cfg.Remember),
	}, nil
}

// Slack error codes worth retrying: Slack's own trouble and its rate limit.
var retryableCodes = map[string]bool{
	"ratelimited": true, "rate_limited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true, "team_added_to_org": true,
}

// problems explains the Slack error codes a misconfiguration causes.
var problems = map[string]string{
	"invalid_auth":           "the bot token is not valid",
	"not_authed":             "no bot token was sent",
	"token_revoked":          "the bot token was revoked",
	"token_expired":          "the bot token expired",
	"account_inactive":       "the bot's account is deactivated",
	"not_allowed_token_type": "the token is not a bot token (xoxb-)",
	"missing_scope":          "the bot token lacks the chat:write scope",
	"user_not_found":         "no such member in the workspace",
	"channel_not_found":      "no such member in the workspace, or the bot cannot message them",
	"user_disabled":          "the member's account is deactivated",
	"cannot_dm_bot":          "the Slack ID is a bot's",
	"restricted_action":      "the workspace does not let the bot post",
}

// Notify sends m to its recipient's Slack member ID as a direct message: the subject in bold
// with the severity, the text and the links (Web UI, bridge, channel), with m's idempotency key
// in the message's metadata. It sends pages and updates addressed to a person; a broadcast (no
// recipient) has nobody to message and is not sent. A message this notifier sent already (the
// same recipient and idempotency key among the latest it remembers) is not sent again. A rate
// limit, a 5xx answer, a network failure and a timeout are worth retrying; a recipient without
// a Slack ID, a message without an idempotency key and Slack's refusals (a bad token, an
// unknown member) are not.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) (bool, error) {
	if m.Recipient == "" {
		return false, nil
	}
	who := safetext.Line(m.Recipient)
	if m.IdempotencyKey == "" {
		return false, fmt.Errorf("send slack direct message to %s: missing idempotency key", who)
	}
	id, ok := n.slackID(m.Recipient)
	if !ok {
		return false, fmt.Errorf("send slack direct message to %s: unknown person", who)
	}
	if id == "" {
		return false, fmt.Errorf("send slack direct message to %s: person %s has no slack_id", who, who)
	}
	sk := sentKey{m.Recipient, m.IdempotencyKey}
	if n.remembered(sk) {
		return false, nil
	}
	_, _, err := n.api.PostMessageContext(ctx, id,
		slack.MsgOptionText(Format(m), false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: EventType, EventPayload: map[string]any{
			"idempotency_key": safetext.Line(m.IdempotencyKey),
			"kind":            safetext.Line(m.Kind),
			"incident_id":     safetext.Line(m.IncidentID),
		}}))
	if err != nil {
		return n.classify(ctx, who, safetext.Line(id), err)
	}
	n.remember(sk)
	return false, nil
}

// classify turns a failed chat.postMessage into whether it is worth retrying and an error that
// names the recipient and the problem and never the token.
func (n *Notifier) classify(ctx context.Context, who, id string, err error) (bool, error) {
	prefix := fmt.Sprintf("send slack direct message to %s (%s)", who, id)
	if ctx.Err() != nil {
		// A deadline may be met by the next attempt; a cancelled activity is not retried.
		return errors.Is(ctx.Err(), context.DeadlineExceeded), fmt.Errorf("%s: %w", prefix, ctx.Err())
	}
	var (
		limited *slack.RateLimitedError
		status  slack.StatusCodeError
		refused slack.SlackErrorResponse
		uerr    *url.Error
	)
	switch {
	case errors.As(err, &limited):
		return true, fmt.Errorf("%s: rate limited, retry after %s", prefix, limited.RetryAfter)
	case errors.As(err, &status):
		retry := status.Code >= 500 || status.Code == http.StatusRequestTimeout || status.Code == http.StatusTooManyRequests
		return retry, fmt.Errorf("%s: status %d", prefix, status.Code)
	case errors.As(err, &refused):
		code := n.scrub(refused.Err)
		if why, ok := problems[refused.Err]; ok {
			return false, fmt.Errorf("%s: slack error %s: %s", prefix, code, why)
		}
		return retryableCodes[refused.Err], fmt.Errorf("%s: slack error %s", prefix, code)
	case errors.As(err, &uerr):
		err = uerr.Err // it repeats the URL
	}
	return true, fmt.Errorf("%s: %s", prefix, n.scrub(err.Error()))
}

// scrub neutralises text from Slack or the network and hides the token in it.
func (n *Notifier) scrub(s string) string {
	return safetext.Line(safetext.Scrub(s, []string{n.token}))
}

// remembered reports whether the message k was sent recently.
func (n *Notifier) remembered(k sentKey) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sent[k]
}

// remember records that the message k was sent, forgetting the oldest when the memory is full.
func (n *Notifier) remember(k sentKey) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sent[k] {
		return
	}
	delete(n.sent, n.ring[n.next])
	n.ring[n.next] = k
	n.sent[k] = true
	n.next = (n.next + 1) % len(n.ring)
}

// linkNames are the labels of the links messages carry, in the order they are shown; other
// links follow in the order of their names.
var linkNames = []struct{ key, label string }{
	{"history", "Web UI"},
	{"bridge", "Bridge"},
	{"channel", "Channel"},
}

// Format writes m in Slack's mrkdwn: the severity and the subject in bold, the text, then each
// link with an http or https URL as "Label: <url>", at most MaxLinks of them. Every text from
// outside is neutralised, cut to its bound with a visible marker and escaped as Slack asks (&,
// < and >), so it can neither mention anyone nor disguise a link.
func Format(m notify.Message) string {
	esc := slackutilsx.EscapeMessage
	subject := incident.Truncate(safetext.Line(m.Subject), MaxSubject)
	if sev := safetext.Line(m.Severity); sev != "" {
		subject = "[" + strings.ToUpper(incident.Truncate(sev, 20)) + "] " + subject
	}
	var b strings.Builder
	b.WriteString("*" + esc(subject) + "*")
	if text := strings.TrimSpace(safetext.Text(m.Text)); text != "" {
		b.WriteString("\n" + esc(incident.Truncate(text, MaxText)))
	}
	shown := 0
	for _, l := range orderedLinks(m.Links) {
		if shown == MaxLinks {
			break
		}
		u := safetext.Line(l.url)
		if !webURL(u) {
			continue
		}
		// Inside <url> a "|" or ">" would end the URL early; percent-encode them.
		target := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(u)
		b.WriteString("\n" + esc(l.label) + ": <" + esc(target) + ">")
		shown++
	}
	return b.String()
}

type namedLink struct{ label, url string }

// orderedLinks returns the links with a URL: the known ones first, labelled, then the others by
// name.
func orderedLinks(links map[string]string) []namedLink {
	var out []namedLink
	known := map[string]bool{}
	for _, k := range linkNames {
		known[k.key] = true
		if u := links[k.key]; u != "" {
			out = append(out, namedLink{k.label, u})
		}
	}
	var others []string
	for name, u := range links {
		if !known[name] && u != "" {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	for _, name := range others {
		out = append(out, namedLink{incident.Truncate(safetext.Line(name), 40), links[name]})
	}
	return out
}

// webURL reports whether s is an absolute http or https URL of at most MaxURL bytes.
func webURL(s string) bool {
	if len(s) > MaxURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// bearer moves the token of a form-encoded Web API call from the body, where slack-go v0.35.0
// puts it for chat.postMessage, into the Authorization header, as Slack recommends, so that a
// proxy or server logging request bodies never sees it.
type bearer struct{ next http.RoundTripper }

// RoundTrip sends a copy of req with its body's token field as a bearer token.
func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	next := b.next
	if next == nil {
		next = http.DefaultTransport
	}
	if req.Body == nil || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return next.RoundTrip(req)
	}
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, errors.New("parse request body: not a form")
	}
	out := req.Clone(req.Context())
	if token := form.Get("token"); token != "" {
		form.Del("token")
		out.Header.Set("Authorization", "Bearer "+token)
	}
	body := form.Encode()
	out.Body = io.NopCloser(strings.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	return next.RoundTrip(out)
}
