package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
)

// OnCallRequest asks who is behind some targets at an instant.
type OnCallRequest struct {
	Targets []incident.Target `json:"targets"`
	// At is the workflow's time of the page, so the history shows who was on call then.
	At time.Time `json:"at"`
}

// Contact is one person to page and the contact methods (notifier IDs) that reach them.
type Contact struct {
	Person  string   `json:"person"`
	Team    string   `json:"team,omitempty"`
	Methods []string `json:"methods"`
}

// OnCall is who the targets resolved to, and which targets reached nobody, with why.
type OnCall struct {
	Contacts    []Contact `json:"contacts"`
	Unreachable []string  `json:"unreachable,omitempty"`
}

// ResolveOnCall resolves targets to people through the on-call rotations at req.At, with each
// person's own contact methods. It touches nothing outside the worker, so the workflow runs it
// as a local activity on the paging path.
func (a *Activities) ResolveOnCall(_ context.Context, req OnCallRequest) (OnCall, error) {
	var out OnCall
	seen := map[string]bool{}
	for _, t := range req.Targets {
		p, err := a.resolveTarget(t, req.At)
		if err != nil {
			out.Unreachable = append(out.Unreachable, err.Error())
			continue
		}
		if seen[p.Person] {
			continue
		}
		seen[p.Person] = true
		methods, _ := a.Directory.ContactMethods(p.Person)
		out.Contacts = append(out.Contacts, Contact{Person: p.Person, Team: p.Team, Methods: notifierIDs(methods)})
	}
	return out, nil
}

// ContactRequest is one page to one person by one contact method.
type ContactRequest struct {
	WorkflowID string            `json:"workflow_id"`
	Step       string            `json:"step"`
	Person     string            `json:"person"`
	Method     string            `json:"method"`
	Severity   incident.Severity `json:"severity"`
	Subject    string            `json:"subject"`
	Reason     string            `json:"reason"`
}

// PageContact pages one person by one contact method (phase 5, escalate). Its idempotency key is
// the workflow ID, the step, the person and the method, so a retry never pages twice at a
// receiver that honours it. A method that can never succeed fails without retrying.
func (a *Activities) PageContact(ctx context.Context, req ContactRequest) error {
	if req.WorkflowID == "" || req.Step == "" || req.Person == "" {
		return badInput("page contact: workflow ID, step and person are required")
	}
	n, ok := a.Notifiers[req.Method]
	if !ok {
		return undeliverable("notifier %q is not configured", req.Method)
	}
	retry, err := n.Notify(ctx, notify.Message{
		Kind:           notify.KindPage,
		IdempotencyKey: req.WorkflowID + "/" + req.Step + "/" + req.Person + "/" + req.Method,
		IncidentID:     req.WorkflowID,
		Recipient:      req.Person,
		Severity:       string(req.Severity),
		Subject:        req.Subject,
		Text:           req.Reason,
		Links:          map[string]string{"history": a.workflowURL(req.WorkflowID), "bridge": a.bridge(incidentKey(req.WorkflowID))},
	})
	switch {
	case err == nil:
		a.Metrics.pageSent(string(req.Severity), req.Method)
		a.logger().Info("paged", "incident", req.WorkflowID, "step", req.Step, "person", req.Person, "method", req.Method)
		return nil
	case retry:
		return fmt.Errorf("page %s via %s: %w", req.Person, req.Method, err)
	default:
		return undeliverable("page %s via %s: %v", req.Person, req.Method, err)
	}
}
