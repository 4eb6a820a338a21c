package activities

import (
	"context"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// ErrChatUnavailable is the error type of a chat failure worth retrying: the chat system was
// down, slow or rate limiting; a rate limit's wait is the error's next retry delay.
const ErrChatUnavailable = "ChatUnavailable"

// The kinds of event posted to an incident's channel.
const (
	ChannelEventPhase = chat.KindPhase
	ChannelEventPage  = chat.KindPage
	ChannelEventRole  = chat.KindRole
	ChannelEventNote  = chat.KindNote
)

// maxStepLen bounds a channel post's step, which its idempotency key is made of.
const maxStepLen = 200

// ChannelPostRequest asks for one event of an incident to be posted to its channel.
type ChannelPostRequest struct {
	WorkflowID string `json:"workflow_id"`
	// Step names the event uniquely within the incident, such as "phase/mitigating",
	// "page/level-1/ana", "role/commander/ana" or "note/3"; with the workflow ID it makes the
	// post's idempotency key, so a retried post is one post.
	Step string `json:"step"`
	// Channels is the incident's channel as OpenChannels returned it.
	Channels incident.Channels `json:"channels"`
	// Kind is ChannelEventPhase, ChannelEventPage, ChannelEventRole or ChannelEventNote.
	Kind     string            `json:"kind"`
	Severity incident.Severity `json:"severity,omitempty"`
	// Subject is the event in one line, such as "phase: mitigating" or "bob is now commander".
	Subject string `json:"subject"`
	// Text is the event's detail, such as a note's text; optional.
	Text string `json:"text,omitempty"`
}

// ChannelPost is what became of a post.
type ChannelPost struct {
	// Posted says the event reached the channel, now or by an earlier attempt.
	Posted bool `json:"posted"`
	// Reason says why it was not posted.
	Reason string `json:"reason,omitempty"`
}

// PostToChannel posts one event of an incident (a phase change, a page, a role change, a note)
// to its channel, with an idempotency key made of the workflow ID and the step; a retried post
// is not posted twice where the chat can tell (Slack). Without a chat system, or before the
// incident has a channel, nothing is posted and the result says why. Failures are typed as
// OpenChannels' are: ErrChatUnavailable is worth retrying, ErrUndeliverable and ErrBadInput
// are not.
func (a *Activities) PostToChannel(ctx context.Context, req ChannelPostRequest) (ChannelPost, error) {
	switch {
	case req.WorkflowID == "" || req.Step == "":
		return ChannelPost{}, badInput("post to channel: workflow_id and step are required")
	case len(req.Step) > maxStepLen || strings.ContainsFunc(req.Step, safetext.Unsafe):
		return ChannelPost{}, badInput("post to channel: step must be at most %d bytes of printable text", maxStepLen)
	case req.Subject == "":
		return ChannelPost{}, badInput("post to channel: subject is required")
	}
	switch req.Kind {
	case ChannelEventPhase, ChannelEventPage, ChannelEventRole, ChannelEventNote:
	default:
		return ChannelPost{}, badInput("post to channel: unknown kind %q: want phase, page, role or note", safetext.Line(req.Kind))
	}
	if a.Chat == nil {
		return ChannelPost{Reason: "no chat system is configured"}, nil
	}
	if req.Channels.Channel == "" {
		return ChannelPost{Reason: "the incident has no channel yet"}, nil
	}
	var links []chat.Link
	if req.Channels.UIURL != "" {
		links = append(links, chat.Link{Name: "incident", URL: req.Channels.UIURL})
	}
	err := a.Chat.System.Post(ctx, chat.Channel{ID: req.Channels.ChannelID, Name: req.Channels.Channel}, chat.Message{
		IdempotencyKey: req.WorkflowID + "/chat/" + req.Step,
		Kind:           req.Kind,
		Subject:        req.Subject,
		Text:           req.Text,
		Severity:       string(req.Severity),
		Links:          links,
		Repeat:         repeated(ctx),
	})
	if err != nil {
		return ChannelPost{}, chatFailure("post to channel "+req.Channels.Channel, err)
	}
	return ChannelPost{Posted: true}, nil
}

// retryableAfter returns a retryable application error of a type that asks to be retried no
// sooner than after (zero leaves the retry policy's interval).
func retryableAfter(msg, errType string, after time.Duration) error {
	return temporal.NewApplicationErrorWithOptions(msg, errType, temporal.ApplicationErrorOptions{NextRetryDelay: after})
}

// InviteRequest asks for people engaged after the incident's channel opened to be invited to it.
type InviteRequest struct {
	WorkflowID string            `json:"workflow_id"`
	Channels   incident.Channels `json:"channels"`
	// People are person IDs; those without a chat user ID are left out.
	People []string `json:"people"`
}

// InviteToChannel invites people to the incident's channel by their chat user IDs (Slack's
// member IDs from the directory). What the chat refuses for good comes back as problems for the
// timeline; a failure worth retrying fails the activity with ErrChatUnavailable. Without a chat
// system, or for a channel no chat system opened, nobody is invited.
func (a *Activities) InviteToChannel(ctx context.Context, req InviteRequest) ([]string, error) {
	if req.WorkflowID == "" {
		return nil, badInput("invite to channel: workflow_id is required")
	}
	ids := a.chatUsers(req.People)
	if a.Chat == nil || !req.Channels.InChat || len(ids) == 0 {
		return nil, nil
	}
	problems, err := a.Chat.System.Invite(ctx, chat.Channel{ID: req.Channels.ChannelID, Name: req.Channels.Channel}, ids)
	if err != nil {
		return nil, chatFailure("invite to channel "+req.Channels.Channel, err)
	}
	out := make([]string, 0, min(len(problems), maxChannelProblems))
	for _, p := range problems[:min(len(problems), maxChannelProblems)] {
		out = append(out, chat.Truncate(safetext.Line(p), maxProblemLen))
	}
	return out, nil
}
