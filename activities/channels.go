package activities

import (
	"context"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Chat is the chat system incident channels open in, with what the activities need around it.
type Chat struct {
	// System opens channels and posts to them. Required.
	System chat.Chat
	// UserID returns a person's chat user ID (a Slack member ID), and whether they have one;
	// nil invites nobody.
	UserID func(person string) (string, bool)
	// StatusPageURL is the status page the channel topic links to; "" leaves it out.
	StatusPageURL string
}

// Bounds of what a channel's opening keeps for the incident's state.
const (
	maxChannelProblems = 5
	maxProblemLen      = 200
)

// ChannelsRequest asks for the incident's chat channel and video bridge.
type ChannelsRequest struct {
	WorkflowID string                  `json:"workflow_id"`
	Key        string                  `json:"key"`
	Service    string                  `json:"service"`
	Title      string                  `json:"title"`
	Tracking   incident.TrackingRecord `json:"tracking"`
	// Severity is the incident's severity when known; the channel topic shows it.
	Severity incident.Severity `json:"severity,omitempty"`
	// Responders are the IDs of the people engaged so far, whom the channel invites.
	Responders []string `json:"responders,omitempty"`
}

// OpenChannels opens the incident's channel and names its bridge (phase 2, set up
// communication). With a chat system (a.Chat) the channel opens there: Slack creates it, sets
// its topic (summary, severity, and links to the Web UI, status page, bridge and tracking issue)
// and invites the responders engaged so far; a webhook-only system announces the incident in
// its channel. A retried opening finds the channel the earlier attempt opened. Without one the
// channel is only named "#inc-<key>". Either way the channel, bridge and topic (summary and
// links, neutralised with safetext.Line) are then announced through the notifiers.
//
// A chat failure worth retrying fails the activity with ErrChatUnavailable, carrying the wait a
// rate limit asked for; a refusal fails it for good with ErrUndeliverable. What the chat refused
// once the channel was open (an invitation) is in the result's Problems.
func (a *Activities) OpenChannels(ctx context.Context, req ChannelsRequest) (incident.Channels, error) {
	if req.Key == "" {
		return incident.Channels{}, badInput("open channels: key is required")
	}
	ch := incident.Channels{
		Channel:   "#inc-" + req.Key,
		BridgeURL: a.bridge(req.Key),
		UIURL:     a.workflowURL(req.WorkflowID),
	}
	tracking := req.Tracking.URL
	if tracking == "" {
		tracking = req.Tracking.Ref
	}
	// The title, service and tracking reference come from outside: neutralise them for the chat.
	ch.Topic = safetext.Line(fmt.Sprintf("%s | service %s | bridge %s | tracking %s | history %s",
		req.Title, req.Service, ch.BridgeURL, tracking, ch.UIURL))
	if a.Chat != nil {
		opened, err := a.Chat.System.Open(ctx, chat.Incident{
			Key:            req.Key,
			IdempotencyKey: req.WorkflowID + "/channels",
			Summary:        req.Title,
			Service:        req.Service,
			Severity:       string(req.Severity),
			Links: []chat.Link{
				{Name: "ui", URL: ch.UIURL}, {Name: "status", URL: a.Chat.StatusPageURL},
				{Name: "bridge", URL: ch.BridgeURL}, {Name: "issue", URL: req.Tracking.URL},
			},
			Invite: a.chatUsers(req.Responders),
			Repeat: repeated(ctx),
		})
		if err != nil {
			return incident.Channels{}, chatFailure("open channel", err)
		}
		ch.Channel, ch.ChannelID, ch.InChat = safetext.Line(opened.Name), opened.ID, true
		for _, p := range opened.Problems {
			a.logger().Warn("chat channel opened with a problem", "incident", req.WorkflowID, "channel", ch.Channel, "problem", p)
			if len(ch.Problems) < maxChannelProblems {
				ch.Problems = append(ch.Problems, chat.Truncate(safetext.Line(p), maxProblemLen))
			}
		}
	}
	err := a.broadcast(ctx, notify.Message{
		Kind:           "channel",
		IdempotencyKey: req.WorkflowID + "/channels",
		IncidentID:     req.WorkflowID,
		Subject:        safetext.Line("channel " + ch.Channel + " opened"),
		Text:           ch.Topic,
		Links:          map[string]string{"bridge": ch.BridgeURL, "history": ch.UIURL},
	})
	return ch, err
}

// chatUsers returns the chat user IDs of the people who have one, each once.
func (a *Activities) chatUsers(people []string) []string {
	if a.Chat == nil || a.Chat.UserID == nil {
		return nil
	}
	var ids []string
	seen := map[string]bool{}
	for _, p := range people {
		if id, ok := a.Chat.UserID(p); ok && id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// repeated reports whether an earlier attempt of the running activity may already have done its
// work.
func repeated(ctx context.Context) bool {
	return activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt > 1
}

// chatFailure turns a chat system's error into the activity's: retryable (ErrChatUnavailable,
// after the wait a rate limit asked for) or not (ErrUndeliverable). The chat's errors name no
// secret; the message is one safe line and wraps nothing, as the history records every cause.
func chatFailure(what string, err error) error {
	retry, after := chat.Retryable(err)
	msg := safetext.Line(what + ": " + strings.TrimSpace(err.Error()))
	if !retry {
		return undeliverable("%s", msg)
	}
	return retryableAfter(msg, ErrChatUnavailable, after)
}
