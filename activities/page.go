package activities

import (
	"context"
	"errors"
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
	// Rules are the person's contact methods with their delays after the page, in the order
	// the configuration lists them.
	Rules []NotificationRule `json:"rules,omitempty"`
	// Why says why the person is on call: the target, and for a schedule the layer or override
	// and until when.
	Why string `json:"why,omitempty"`
}

// NotificationRule is one contact method of a person and how long after a page it is tried.
type NotificationRule struct {
	Method string        `json:"method"`
	After  time.Duration `json:"after,omitempty"`
}

// OnCallReason is who a team's or a schedule's target has on call at an instant, from which
// schedule, why (the layer or override) and until when (zero when that never changes).
type OnCallReason struct {
	Person   string    `json:"person"`
	Schedule string    `json:"schedule"`
	Why      string    `json:"why"`
	Until    time.Time `json:"until,omitzero"`
}

// OnCall is who the targets resolved to, and which targets reached nobody, with why. Until is
// when the earliest on-call shift behind the targets ends, zero when none does.
type OnCall struct {
	Contacts    []Contact `json:"contacts"`
	Unreachable []string  `json:"unreachable,omitempty"`
	Until       time.Time `json:"until,omitzero"`
}

// ResolveOnCall resolves targets to people through the on-call schedules at req.At, with each
// person's own contact methods and notification rules, why each is on call, and when the
// earliest shift ends. It touches nothing outside the worker, so the workflow runs it as a
// local activity on the paging path.
func (a *Activities) ResolveOnCall(_ context.Context, req OnCallRequest) (OnCall, error) {
	var out OnCall
	seen := map[string]bool{}
	for _, t := range req.Targets {
		c, until, err := a.resolveContact(t, req.At)
		if !until.IsZero() && (out.Until.IsZero() || until.Before(out.Until)) {
			out.Until = until
		}
		if err != nil {
			out.Unreachable = append(out.Unreachable, err.Error())
			continue
		}
		if seen[c.Person] {
			continue
		}
		seen[c.Person] = true
		out.Contacts = append(out.Contacts, c)
	}
	return out, nil
}

// resolveContact resolves one target to the person it pages, with their contact methods, and
// when the shift that puts them on call ends; when nobody is on call, the error says so and the
// time is when that changes (zero if never).
func (a *Activities) resolveContact(t incident.Target, at time.Time) (Contact, time.Time, error) {
	var c Contact
	var until time.Time
	if t.Person != "" {
		if _, ok := a.Directory.ContactMethods(t.Person); !ok {
			return Contact{}, time.Time{}, fmt.Errorf("person %q is not in the configuration", t.Person)
		}
		c = Contact{Person: t.Person, Why: "named by the escalation policy"}
	} else {
		r, err := a.Directory.Explain(t, at)
		switch {
		case errors.Is(err, ErrUnknownTeam):
			return Contact{}, time.Time{}, fmt.Errorf("%s is not in the configuration", t)
		case err != nil:
			return Contact{}, time.Time{}, fmt.Errorf("%s: %w", t, err)
		}
		if r.Person == "" {
			// Nobody is on call until r.Until: the caller may wait for then.
			return Contact{}, r.Until, fmt.Errorf("%s: %s", t, r.Why)
		}
		c = Contact{Person: r.Person, Team: t.Team, Why: r.Why}
		until = r.Until
	}
	methods, _ := a.Directory.ContactMethods(c.Person)
	c.Methods = notifierIDs(methods)
	rules, _ := a.Directory.NotificationRules(c.Person)
	if len(rules) == 0 {
		for _, m := range c.Methods {
			rules = append(rules, NotificationRule{Method: m})
		}
	}
	c.Rules = rules
	return c, until, nil
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
