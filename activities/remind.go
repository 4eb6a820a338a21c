package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// RemindRequest reminds one person of something the incident needs from them, such as an
// overdue public update.
type RemindRequest struct {
	WorkflowID string            `json:"workflow_id"`
	Step       string            `json:"step"`
	Person     string            `json:"person"`
	Severity   incident.Severity `json:"severity"`
	Subject    string            `json:"subject"`
	Text       string            `json:"text"`
}

// Remind sends a reminder to every contact method of one person. A reminder is not a page: the
// workflow sends it beside the paging path with bounded retries. Its idempotency key is the
// workflow ID, the step, the person and the method, so a retried or replayed reminder reaches
// its receiver once. It succeeds when at least one method delivered it, and fails retryably
// when a method that could still succeed failed and none delivered.
func (a *Activities) Remind(ctx context.Context, req RemindRequest) error {
	if req.WorkflowID == "" || req.Step == "" || req.Person == "" {
		return badInput("remind: workflow ID, step and person are required")
	}
	methods, ok := a.Directory.ContactMethods(req.Person)
	if !ok {
		return badInput("remind: person %q is not in the configuration", safetext.Line(req.Person))
	}
	var retryable, permanent []error
	delivered := 0
	for _, method := range methods {
		n, ok := a.Notifiers[method]
		if !ok {
			permanent = append(permanent, fmt.Errorf("notifier %q is not configured", method))
			continue
		}
		retry, err := n.Notify(ctx, notify.Message{
			Kind:           notify.KindUpdate,
			IdempotencyKey: req.WorkflowID + "/" + req.Step + "/" + req.Person + "/" + method,
			IncidentID:     req.WorkflowID,
			Recipient:      req.Person,
			Severity:       string(req.Severity),
			Subject:        safetext.Line(req.Subject),
			Text:           safetext.Line(req.Text),
			Links:          map[string]string{"history": a.workflowURL(req.WorkflowID)},
		})
		switch {
		case err == nil:
			delivered++
		case retry:
			retryable = append(retryable, fmt.Errorf("via %s: %w", method, err))
		default:
			permanent = append(permanent, fmt.Errorf("via %s: %w", method, err))
		}
	}
	switch {
	case delivered > 0 || len(methods) == 0 && len(permanent) == 0:
		return nil
	case len(retryable) > 0:
		return fmt.Errorf("remind %s: %w", req.Person, errors.Join(retryable...))
	default:
		return undeliverable("remind %s: %v", req.Person, errors.Join(permanent...))
	}
}
