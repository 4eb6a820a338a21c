package workflows

import (
	"errors"
	"fmt"
	"strings"

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
	if !r.keyEvents || !s.Channels.InChat {
		return
	}
	r.inviteLateResponders(ctx)
	if r.channel.busy {
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

// inviteLateResponders invites the people paged since the channel opened, beside the paging
// path; each is invited once, and what the chat refuses is recorded.
func (r *incidentRun) inviteLateResponders(ctx workflow.Context) {
	var a *activities.Activities
	s := &r.state
	people := s.Uninvited()
	if len(people) == 0 {
		return
	}
	s.MarkInvited(people)
	req := activities.InviteRequest{WorkflowID: s.WorkflowID, Channels: s.Channels, People: people}
	r.beside(ctx, "inviting "+strings.Join(people, ", ")+" to the channel", func(ctx workflow.Context) error {
		var problems []string
		summary := fmt.Sprintf("invite %s to %s", strings.Join(people, ", "), s.Channels.Channel)
		if err := workflow.ExecuteActivity(besideCtx(ctx, summary), a.InviteToChannel, req).Get(ctx, &problems); err != nil {
			return err
		}
		for _, p := range problems {
			r.record(ctx, "failed", "", "an invitation to the channel was refused (best effort, paging goes on): "+p)
		}
		return nil
	})
}
