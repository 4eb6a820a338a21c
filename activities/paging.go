package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
)

// PageRequest asks for the people behind some targets to be paged.
type PageRequest struct {
	WorkflowID string `json:"workflow_id"`
	// Step identifies this page within the incident (engagement, round and level); with the
	// workflow ID and the person it makes each page's idempotency key.
	Step     string            `json:"step"`
	Severity incident.Severity `json:"severity"`
	Subject  string            `json:"subject"`
	Targets  []incident.Target `json:"targets"`
	Reason   string            `json:"reason"`
	Links    map[string]string `json:"links,omitempty"`
}

// Paged is one person paged, and the team whose rotation put them on call.
type Paged struct {
	Person string `json:"person"`
	Team   string `json:"team,omitempty"`
}

// PageResult says who was paged and which targets reached nobody, with why.
type PageResult struct {
	Paged       []Paged  `json:"paged"`
	Unreachable []string `json:"unreachable,omitempty"`
}

// PageResponders resolves targets to people through the on-call rotations and pages each of them
// on every notifier they use (phase 5, escalate). Only incidents started before the hardened
// paging core (workflows/legacy) call it; newer ones use ResolveOnCall and PageContact. Each page carries an idempotency key derived
// from the workflow ID, the step and the person, so a retry never pages twice at a receiver that
// honours it.
func (a *Activities) PageResponders(ctx context.Context, req PageRequest) (PageResult, error) {
	if req.WorkflowID == "" || req.Step == "" {
		return PageResult{}, badInput("page responders: workflow ID and step are required")
	}
	now := a.now()
	var result PageResult
	seen := map[string]bool{}
	for _, t := range req.Targets {
		p, err := a.resolveTarget(t, now)
		if err != nil {
			result.Unreachable = append(result.Unreachable, err.Error())
			continue
		}
		if !seen[p.Person] {
			seen[p.Person] = true
			result.Paged = append(result.Paged, p)
		}
	}

	var retryable []error
	for _, p := range result.Paged {
		methods, _ := a.Directory.ContactMethods(p.Person)
		msg := notify.Message{
			Kind:       "page",
			IncidentID: req.WorkflowID,
			Recipient:  p.Person,
			Severity:   string(req.Severity),
			Subject:    req.Subject,
			Text:       req.Reason,
			Links:      req.Links,
		}
		for _, id := range notifierIDs(methods) {
			n, ok := a.Notifiers[id]
			if !ok {
				result.Unreachable = append(result.Unreachable, fmt.Sprintf("%s: notifier %q is not configured", p.Person, id))
				continue
			}
			msg.IdempotencyKey = req.WorkflowID + "/" + req.Step + "/" + p.Person + "/" + id
			retry, err := n.Notify(ctx, msg)
			switch {
			case err == nil:
				a.Metrics.pageSent(string(req.Severity), id)
			case retry:
				retryable = append(retryable, fmt.Errorf("page %s via %s: %w", p.Person, id, err))
			default:
				result.Unreachable = append(result.Unreachable, fmt.Sprintf("%s via %s: %v", p.Person, id, err))
			}
		}
	}
	if len(retryable) > 0 {
		return PageResult{}, errors.Join(retryable...)
	}
	a.logger().Info("paged responders", "incident", req.WorkflowID, "step", req.Step, "paged", result.Paged)
	return result, nil
}

func (a *Activities) resolveTarget(t incident.Target, now time.Time) (Paged, error) {
	if t.Person != "" {
		if _, ok := a.Directory.ContactMethods(t.Person); !ok {
			return Paged{}, fmt.Errorf("person %q is not in the configuration", t.Person)
		}
		return Paged{Person: t.Person}, nil
	}
	person, err := a.Directory.OnCall(t.Team, now)
	switch {
	case errors.Is(err, ErrUnknownTeam):
		return Paged{}, fmt.Errorf("team %q is not in the configuration", t.Team)
	case err != nil:
		return Paged{}, fmt.Errorf("team %s: %w", t.Team, err)
	}
	return Paged{Person: person, Team: t.Team}, nil
}

func notifierIDs(ids []string) []string {
	if len(ids) == 0 {
		return []string{"console"}
	}
	return ids
}

// broadcast sends a message to every notifier, for announcements rather than pages.
func (a *Activities) broadcast(ctx context.Context, m notify.Message) error {
	var retryable []error
	key := m.IdempotencyKey
	for id, n := range a.Notifiers {
		m.IdempotencyKey = key + "/" + id
		retry, err := n.Notify(ctx, m)
		switch {
		case err == nil:
		case retry:
			retryable = append(retryable, fmt.Errorf("notify via %s: %w", id, err))
		default:
			a.logger().Warn("notifier rejected message", "notifier", id, "incident", m.IncidentID, "err", err)
		}
	}
	return errors.Join(retryable...)
}
