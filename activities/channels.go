package activities

import (
	"context"
	"fmt"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// ChannelsRequest asks for the incident's chat channel and video bridge.
type ChannelsRequest struct {
	WorkflowID string                  `json:"workflow_id"`
	Key        string                  `json:"key"`
	Service    string                  `json:"service"`
	Title      string                  `json:"title"`
	Tracking   incident.TrackingRecord `json:"tracking"`
}

// OpenChannels names the incident's channel and bridge, writes the channel topic (summary and
// links, the Temporal Web UI among them, neutralised with safetext.Line) and announces them
// (phase 2, set up communication).
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
