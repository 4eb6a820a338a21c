package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// changeKeyEvents is the change ID of key events on the tracking record and in the channel:
// each key timeline event becomes a comment on the record and a post in the channel, and
// resolution closes the record with the summary.
const changeKeyEvents = "key-events"

// eventSync sends timeline events to one destination, one batch at a time so that they keep
// the timeline's order.
type eventSync struct{ busy bool }

// syncTracking sends the key events recorded since the last batch to the tracking record beside
// the paging path, and closes the record once the incident is resolved. Events wait until the
// record exists; when logging the incident failed there is no record, and nothing is sent.
func (r *incidentRun) syncTracking(ctx workflow.Context) {
	var a *activities.Activities
	s := &r.state
	if !r.keyEvents || r.tracking.busy || s.Tracking.Ref == "" {
		return
	}
	events := s.UntrackedEvents()
	closing := s.Status == incident.StatusResolved && !s.TrackingClosed && len(events) < incident.MaxEventBatch
	if len(events) == 0 && !closing {
		return
	}
	s.TrackingClosed = s.TrackingClosed || closing
	requests := make([]activities.TrackingEventRequest, len(events))
	for i, e := range events {
		requests[i] = activities.TrackingEventRequest{
			WorkflowID: s.WorkflowID, Tracking: s.Tracking, Step: fmt.Sprintf("event-%d", e.Seq),
			At: e.At, Kind: e.Kind, Text: e.Text,
		}
		if e.Kind == "severity" {
			requests[i].Severity = s.Severity
		}
	}
	closeReq := activities.TrackingCloseRequest{
		WorkflowID: s.WorkflowID, Tracking: s.Tracking, Summary: resolutionSummary(s),
	}
	if s.ResolvedAt != nil {
		closeReq.ResolvedAt = *s.ResolvedAt
	}
	r.tracking.busy = true
	r.beside(ctx, "updating the tracking record", func(ctx workflow.Context) error {
		defer func() { r.tracking.busy = false }()
		var errs []error
		for _, req := range requests {
			summary := fmt.Sprintf("%s event on tracking %s %s", req.Kind, s.Tracking.System, s.Tracking.Ref)
			if err := workflow.ExecuteActivity(besideCtx(ctx, summary), a.CommentTracking, req).Get(ctx, nil); err != nil {
				errs = append(errs, fmt.Errorf("%s event: %w", req.Kind, err))
			}
		}
		if closing {
			summary := fmt.Sprintf("close tracking %s %s", s.Tracking.System, s.Tracking.Ref)
			if err := workflow.ExecuteActivity(besideCtx(ctx, summary), a.CloseTracking, closeReq).Get(ctx, nil); err != nil {
				errs = append(errs, fmt.Errorf("closing it: %w", err))
			}
		}
		return errors.Join(errs...)
	})
}

// resolutionSummary is what the tracking record is closed with: who resolved the incident, after
// how long (to the second), its severity, impact and resolution.
func resolutionSummary(s *incident.State) string {
	if s.ResolvedAt == nil {
		return ""
	}
	return fmt.Sprintf("Resolved by %s after %s (%s). Impact: %s. Resolution: %s.", s.ResolvedBy,
		s.Metrics.TimeToResolve.Round(time.Second), s.Severity, s.Impact, s.Resolution)
}
