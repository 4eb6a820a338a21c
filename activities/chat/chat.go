// Package chat opens incidents' channels in a chat system and posts their events there.
//
// A Chat is one chat system. Slack (chat/slack) creates a channel per incident, sets its topic
// and invites the responders; the webhook-only systems (chat/teams, chat/mattermost,
// chat/discord) cannot create channels, so they "open" an incident by announcing it in the
// channel their webhook posts to and return that channel. Every implementation neutralises the
// text it is given (internal/safetext), bounds it with a visible marker, never names its token
// or webhook URL in an error, and says through *Error whether a failure is worth retrying and how
// long the system asked to wait. chat/chattest is the conformance suite they all pass.
package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Chat is a chat system incidents talk in.
type Chat interface {
	// Open opens the incident's channel, or finds the one an earlier attempt opened, and
	// returns it.
	Open(ctx context.Context, in Incident) (Channel, error)
	// Post posts one message to a channel Open returned.
	Post(ctx context.Context, ch Channel, m Message) error
	// Invite invites people, by chat user ID, to a channel Open returned; what the chat refuses
	// for good comes back as problems, a failure worth retrying as the error. A channel without
	// members (a webhook's) invites nobody.
	Invite(ctx context.Context, ch Channel, userIDs []string) (problems []string, err error)
}

// Incident is what opening an incident's channel needs to know.
type Incident struct {
	// Key is the incident key, such as "checkout-x7k2mp"; channel names are made from it.
	Key string
	// IdempotencyKey identifies the opening; the same key means the same channel.
	IdempotencyKey string
	// Summary is the incident's one-line summary, usually its title.
	Summary  string
	Service  string
	Severity string
	// Links are the Web UI, status page, bridge and tracking issue, in that order of
	// importance; empty URLs are left out.
	Links []Link
	// Invite are the chat user IDs (Slack member IDs) of the responders engaged so far.
	Invite []string
	// Repeat says an earlier attempt may have opened the channel already.
	Repeat bool
}

// Channel is an incident's channel.
type Channel struct {
	// ID is the system's ID of the channel, such as Slack's "C0123"; "" for a webhook.
	ID string `json:"id,omitempty"`
	// Name is what people call the channel, such as "#inc-checkout-x7k2mp".
	Name string `json:"name"`
	// Problems are what went wrong for good after the channel opened, such as a responder who
	// could not be invited; the channel is usable all the same.
	Problems []string `json:"problems,omitempty"`
}

// Message is one event posted to an incident's channel.
type Message struct {
	// IdempotencyKey is derived from the workflow ID and the step; the same key means the same
	// message.
	IdempotencyKey string
	// Kind is what happened: KindPhase, KindPage, KindRole, KindNote or KindChannel.
	Kind string
	// Subject is a one-line summary, shown first.
	Subject string
	// Text is the body; it may span lines.
	Text     string
	Severity string
	Links    []Link
	// Repeat says an earlier attempt may have posted the message already; a system that can
	// look (Slack) does not post it twice.
	Repeat bool
}

// Link is a named URL, such as the bridge.
type Link struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Error is a failed call to a chat system. Its message names the problem; it never names a token
// or a webhook URL's secret parts.
type Error struct {
	// Retry says the call may succeed if repeated: a network failure, a timeout, a 5xx or a
	// rate limit.
	Retry bool
	// RetryAfter is how long the system asked to wait before the next call (a 429's
	// Retry-After), or zero.
	RetryAfter time.Duration
	// Problem says what failed, without secrets.
	Problem string
}

func (e *Error) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s (retry after %s)", e.Problem, e.RetryAfter)
	}
	return e.Problem
}

// Retryable reports whether a failed call may succeed if repeated, and how long to wait first: a
// *Error says so itself, and a call cut off by its context's deadline may succeed with more time.
// Any other error, and a cancelled context, is final.
func Retryable(err error) (retry bool, after time.Duration) {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Retry, e.RetryAfter
	}
	return errors.Is(err, context.DeadlineExceeded), 0
}

// Errorf returns a *Error with a formatted problem.
func Errorf(retry bool, format string, args ...any) *Error {
	return &Error{Retry: retry, Problem: fmt.Sprintf(format, args...)}
}

// Limits of what an implementation waits for before it reports a rate limit.
const (
	// DefaultMaxWait is how long a call waits for a rate limit to pass when its options do not
	// say; a longer Retry-After is returned to the caller as a retryable *Error.
	DefaultMaxWait = 10 * time.Second
	// rateLimitAttempts is how many times a call is made while it is rate limited.
	rateLimitAttempts = 3
)

// Patiently makes call and, while it fails with a retryable *Error whose RetryAfter is positive,
// at most maxWait and ends before ctx's deadline, waits that long and makes it again, at most
// three times in all. Any other outcome, the last rate limit among them, is returned as it is.
func Patiently(ctx context.Context, maxWait time.Duration, call func() error) error {
	for attempt := 1; ; attempt++ {
		err := call()
		e, ok := errors.AsType[*Error](err)
		if !ok || !e.Retry || e.RetryAfter <= 0 || e.RetryAfter > maxWait || attempt == rateLimitAttempts {
			return err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < e.RetryAfter {
			return err
		}
		t := time.NewTimer(e.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Truncate returns s cut to at most n bytes on a rune boundary, ending in a visible marker
// ("…[truncated]") when it was cut.
func Truncate(s string, n int) string {
	return incident.Truncate(s, n)
}

// Announcement returns the message that announces an incident where a channel cannot be created:
// its summary, severity, service and links.
func (in Incident) Announcement() Message {
	subject := "Incident " + in.Key + " opened: " + in.Summary
	if in.Severity != "" {
		subject = "[" + strings.ToUpper(in.Severity) + "] " + subject
	}
	text := ""
	if in.Service != "" {
		text = "Service: " + in.Service
	}
	return Message{
		IdempotencyKey: in.IdempotencyKey, Kind: KindChannel, Subject: subject, Text: text,
		Severity: in.Severity, Links: in.Links, Repeat: in.Repeat,
	}
}

// The kinds of message.
const (
	KindChannel = "channel"
	KindPhase   = "phase"
	KindPage    = "page"
	KindRole    = "role"
	KindNote    = "note"
)

// Clean returns m with every text neutralised for a chat (internal/safetext): the body keeps its
// lines, every other field is one line. Links without a URL are left out.
func Clean(m Message) Message {
	m.Kind = safetext.Line(m.Kind)
	m.Subject = safetext.Line(m.Subject)
	m.Text = safetext.Text(m.Text)
	m.Severity = safetext.Line(m.Severity)
	links := make([]Link, 0, len(m.Links))
	for _, l := range m.Links {
		if l.URL != "" {
			links = append(links, Link{Name: safetext.Line(l.Name), URL: safetext.Line(l.URL)})
		}
	}
	m.Links = links
	return m
}
