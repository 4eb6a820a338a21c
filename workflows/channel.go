package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// syncChannel posts the phase changes, pages, role changes and notes recorded since the last
// batch to the incident's channel, beside the paging path. Events wait until a chat system has
// opened the channel; without one, or when opening it failed, nothing is posted.
func (r *incidentRun) syncChannel(ctx workflow.Context) {
	var a *activities.Activities
	s := &r.state
	if !r.keyEvents || r.channel.busy || !s.Channels.InChat {
		return
	}
	events := s.UnpostedEvents()
	if len(events) == 0 {
		return
	}
	requests := make([]activities.ChannelPostRequest, len(events))
	for i, e := range events {
		requests[i] = activities.ChannelPostRequest{
			WorkflowID: s.WorkflowID, Step: fmt.Sprintf("event-%d", e.Seq), Channels: s.Channels,
			Kind: incident.ChannelKind(e.Entry), Severity: s.Severity, Subject: channelSubject(e.Entry),
		}
	}
	r.channel.busy = true
	r.beside(ctx, "posting to the channel", func(ctx workflow.Context) error {
		defer func() { r.channel.busy = false }()
		var errs []error
		for _, req := range requests {
			summary := fmt.Sprintf("post %s to %s", req.Kind, s.Channels.Channel)
			if err := workflow.ExecuteActivity(besideCtx(ctx, summary), a.PostToChannel, req).Get(ctx, nil); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", req.Kind, err))
			}
		}
		return errors.Join(errs...)
	})
}

// channelSubject is a timeline entry as one line in the channel: who, then what; a note says
// which kind it is.
func channelSubject(e incident.Entry) string {
	switch {
	case e.By == "":
		return e.Text
	case incident.ChannelKind(e) == "note":
		return fmt.Sprintf("%s (%s): %s", e.By, e.Kind, e.Text)
	default:
		return e.By + ": " + e.Text
	}
}
