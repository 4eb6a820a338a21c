package activities

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Composed is a stage's messages and the notifiers each is to be delivered through, one
// delivery (DeliverMessage) per message and notifier.
type Composed struct {
	Messages  []incident.Message `json:"messages"`
	Notifiers []string           `json:"notifiers"`
}

// ComposeMessages writes a stage's internal and external messages from the domain's templates (or
// a status update's texts) and names the notifiers that deliver updates, sorted. Each delivery
// is then an activity of its own, so a notifier that fails or rate limits is retried alone and
// never makes the others send their messages twice.
func (a *Activities) ComposeMessages(_ context.Context, req CommunicateRequest) (Composed, error) {
	internal, external, err := a.compose(req)
	if err != nil {
		return Composed{}, err
	}
	at := a.now().UTC()
	var out Composed
	if req.Audience != incident.AudienceExternal && internal != "" {
		out.Messages = append(out.Messages, incident.Message{Audience: incident.AudienceInternal, At: at, Text: internal})
	}
	if req.Audience != incident.AudienceInternal && external != "" {
		out.Messages = append(out.Messages, incident.Message{Audience: incident.AudienceExternal, At: at, Text: external})
	}
	for id := range a.Notifiers {
		out.Notifiers = append(out.Notifiers, id)
	}
	sort.Strings(out.Notifiers)
	return out, nil
}

// DeliverRequest is one composed message for one notifier.
type DeliverRequest struct {
	// Request is what the message was composed from: the incident, the stage and the step.
	Request  CommunicateRequest `json:"request"`
	Message  incident.Message   `json:"message"`
	Notifier string             `json:"notifier"`
}

// DeliverKey is the idempotency key of one message through one notifier: the stage's key, the
// audience and the notifier.
func DeliverKey(req CommunicateRequest, audience, notifier string) string {
	return CommunicateKey(req) + "/" + audience + "/" + notifier
}

// DeliverMessage delivers one composed message through one notifier (phase 4, communicate),
// with an idempotency key from the incident, the stage, the audience and the notifier. A
// failure worth retrying fails the activity so Temporal retries this delivery alone; a notifier
// that refuses for good, or is not configured, fails it without retrying.
func (a *Activities) DeliverMessage(ctx context.Context, req DeliverRequest) error {
	n, ok := a.Notifiers[req.Notifier]
	if !ok {
		return undeliverable("notifier %q is not configured", safetext.Line(req.Notifier))
	}
	if !slices.Contains([]string{incident.AudienceInternal, incident.AudienceExternal}, req.Message.Audience) {
		return badInput("deliver: unknown audience %q", safetext.Line(req.Message.Audience))
	}
	retry, err := n.Notify(ctx, updateMessage(req.Request, req.Message, DeliverKey(req.Request, req.Message.Audience, req.Notifier)))
	switch {
	case err == nil:
		return nil
	case retry:
		return fmt.Errorf("deliver via %s: %w", req.Notifier, err)
	default:
		return undeliverable("deliver via %s: %v", req.Notifier, err)
	}
}
