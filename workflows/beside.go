package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// Work beside the paging path (tracking, channels, messages) is best effort: it never delays a
// page or an acknowledgement, it is retried a bounded number of times, and its failure is
// recorded on the timeline.
const besideAttempts = 5

// firstResponderWait is how long the channel waits for the first page to be delivered, so that
// it can invite the first responders.
const firstResponderWait = 10 * time.Second

// besideCtx gives best-effort work its timeouts, bounded retries and a summary for the Web UI.
func besideCtx(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
			MaximumAttempts:        besideAttempts,
			NonRetryableErrorTypes: []string{activities.ErrBadInput},
		},
	})
}

// beside runs work in its own coroutine, counted in flight until it ends; a failure is recorded.
func (r *incidentRun) beside(ctx workflow.Context, what string, work func(ctx workflow.Context) error) {
	r.inFlight++
	workflow.Go(ctx, func(ctx workflow.Context) {
		err := work(ctx)
		r.inFlight--
		if err != nil {
			r.record(ctx, "failed", "", fmt.Sprintf("%s failed (best effort, paging goes on): %s", what, failure(err)))
		}
		r.settle()
	})
}

// logAndOpenChannels logs the incident in the tracking tool (phase 1) and then opens its channel
// and bridge (phase 2), whose topic links the tracking record; the channel opens even when the
// tracking tool failed. Each failure is recorded on its own.
func (r *incidentRun) logAndOpenChannels(ctx workflow.Context) {
	var a *activities.Activities
	s := &r.state
	r.beside(ctx, "opening its channel", func(ctx workflow.Context) error {
		var tracking incident.TrackingRecord
		err := workflow.ExecuteActivity(besideCtx(ctx, "log incident in the tracking tool"), a.RecordIncident,
			activities.RecordRequest{
				WorkflowID: s.WorkflowID, Key: s.Key, Source: s.Source, Service: s.Service,
				Type: s.Type, Title: s.Title, Labels: s.Labels, StartedAt: s.StartedAt,
			}).Get(ctx, &tracking)
		if err != nil {
			r.record(ctx, "failed", "", "logging the incident in the tracking tool failed (best effort, paging goes on): "+failure(err))
		} else {
			s.Tracking = tracking
			r.record(ctx, "detect", "", fmt.Sprintf("incident logged (%s %s) from %s", tracking.System, tracking.Ref, s.Source))
		}
		if r.keyEvents {
			// The channel invites the first responders: wait (briefly) for the first page to land.
			if _, err := workflow.AwaitWithTimeout(ctx, firstResponderWait, func() bool {
				return len(s.Responders) > 0 || s.Status != incident.StatusTriggered
			}); err != nil {
				return err
			}
		}
		invited := s.ResponderIDs()
		var channels incident.Channels
		err = workflow.ExecuteActivity(besideCtx(ctx, "open channel and bridge"), a.OpenChannels,
			activities.ChannelsRequest{
				WorkflowID: s.WorkflowID, Key: s.Key, Service: s.Service, Title: s.Title, Tracking: s.Tracking,
				Severity: s.Severity, Responders: invited,
			}).Get(ctx, &channels)
		if err != nil {
			return err
		}
		s.Channels = channels
		if r.keyEvents {
			s.MarkInvited(invited)
		}
		r.record(ctx, "channels", "", fmt.Sprintf("channel %s and bridge %s opened", channels.Channel, channels.BridgeURL))
		for _, p := range channels.Problems {
			r.record(ctx, "failed", "", "the channel opened with a problem (best effort, paging goes on): "+p)
		}
		return nil
	})
}

// communicate sends a stage's messages to one audience beside the paging path.
func (r *incidentRun) communicate(ctx workflow.Context, stage, audience string) {
	r.send(ctx, stage, audience, activities.CommunicateRequest{})
}

// send sends a stage's messages to one audience beside the paging path; req holds what only
// some stages need (a status update's texts), and send fills in the incident's facts.
func (r *incidentRun) send(ctx workflow.Context, stage, audience string, req activities.CommunicateRequest) {
	var a *activities.Activities
	s := &r.state
	if s.Private {
		// A private incident's customers hear nothing: only the internal messages go out.
		if audience == incident.AudienceExternal {
			return
		}
		audience = incident.AudienceInternal
	}
	req.WorkflowID, req.Stage, req.Service, req.Title, req.Severity = s.WorkflowID, stage, s.Service, s.Title, s.Severity
	req.Impact, req.StartedAt, req.ResolvedAt, req.Resolution, req.Audience = s.Impact, s.StartedAt, s.ResolvedAt, s.Resolution, audience
	if r.keyEvents && changed(ctx, changeOutbox) {
		r.deliver(ctx, stage, audience, req)
		return
	}
	if r.keyEvents {
		// The outbox record: what is about to go out and the key that makes a retry the same post.
		r.record(ctx, "outbox", "", fmt.Sprintf("sending the %s %s messages (idempotency key %s)",
			audiences(audience), stage, activities.CommunicateKey(req)))
	}
	r.beside(ctx, fmt.Sprintf("sending the %s %s messages", audiences(audience), stage), func(ctx workflow.Context) error {
		var messages []incident.Message
		err := workflow.ExecuteActivity(besideCtx(ctx, fmt.Sprintf("%s messages (%s)", stage, audiences(audience))), a.Communicate, req).
			Get(ctx, &messages)
		if err != nil {
			return err
		}
		s.AddMessages(messages)
		for _, m := range messages {
			r.record(ctx, "update", "", m.Audience+": "+m.Text)
			if m.Audience == incident.AudienceExternal {
				r.pushStatus(ctx, stage, m.Text)
			}
		}
		return nil
	})
}

// audiences names who a message is for: one audience, or both when none is given.
func audiences(audience string) string {
	if audience == "" {
		return "internal and external"
	}
	return audience
}
