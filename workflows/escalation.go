package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// changeEscalation is the change ID of escalation policies and notification rules: a level that
// resolves to nobody is skipped or held, a handoff while the incident is triggered pages the
// incoming person, each contact method waits for its delay until an acknowledgement stops it,
// and an acknowledged incident left unresolved pages its acknowledger again. Incidents that
// started before it (version 0) page every method at once and know none of the new deadlines.
const changeEscalation = "escalation-policies"

// escalationEnabled reports whether this run pages the way escalation policies do. The SDK
// keeps the version of a change once decided, so every call in a run agrees.
func escalationEnabled(ctx workflow.Context) bool {
	return changed(ctx, changeEscalation)
}

// resolveOnCall finds who is on call behind targets at the workflow's time (a local activity),
// recording the targets that reach nobody. It reports false when the lookup itself failed.
func (r *incidentRun) resolveOnCall(ctx workflow.Context, targets []incident.Target) (activities.OnCall, bool) {
	var a *activities.Activities
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.String()
	}
	var onCall activities.OnCall
	err := workflow.ExecuteLocalActivity(decisionCtx(ctx, "who is on call: "+strings.Join(names, ", ")), a.ResolveOnCall,
		activities.OnCallRequest{Targets: targets, At: workflow.Now(ctx).UTC()}).Get(ctx, &onCall)
	if err != nil {
		r.record(ctx, "page", "", fmt.Sprintf("could not find who is on call for %s: %v", strings.Join(names, ", "), err))
		return activities.OnCall{}, false
	}
	return onCall, true
}

// pageEscalationLevel pages a level the way escalation policies do: who is on call is resolved
// now, with why; a level that resolves to nobody is skipped or held as the plan says; the end of
// the earliest on-call shift behind the level becomes the handoff deadline.
func (r *incidentRun) pageEscalationLevel(ctx workflow.Context, level int, reason, label string) {
	s := &r.state
	onCall, ok := r.resolveOnCall(ctx, s.Plan.TargetsAt(level))
	if !ok {
		return
	}
	people := make([]string, len(onCall.Contacts))
	for i, c := range onCall.Contacts {
		people[i] = c.Person
	}
	s.LevelResolved(people, onCall.Until)
	if len(onCall.Contacts) > 0 {
		for _, u := range onCall.Unreachable {
			r.record(ctx, "page", "", "could not page: "+u)
		}
		r.notify(ctx, s.Step(level), onCall.Contacts, level, reason, label)
		return
	}
	why := strings.Join(onCall.Unreachable, "; ")
	if why == "" {
		why = "the level names no one"
	}
	skip, text := s.EmptyLevel(why)
	r.record(ctx, "escalate", "", text)
	if !skip {
		return
	}
	move := s.SkipLevel()
	if move.Exhausted {
		r.endLadder(ctx, text+"; the escalation ladder is exhausted")
		return
	}
	r.pageLevel(ctx, move.Level, text)
}

// notify pages each contact by their notification rules: the methods with no delay at once,
// the others when their delay passes unless an acknowledgement stops them first. Why each
// person is on call goes on the timeline.
func (r *incidentRun) notify(ctx workflow.Context, step string, contacts []activities.Contact, level int, reason, label string) {
	s := &r.state
	now := workflow.Now(ctx)
	for _, c := range contacts {
		var now1, later []string
		for _, rule := range contactRules(c) {
			if rule.After <= 0 || !s.Delay(incident.DelayedPage{
				Due: now.Add(rule.After), Step: step, Person: c.Person, Team: c.Team, Method: rule.Method,
				Level: level, After: rule.After, Reason: reason, Label: label,
			}) {
				now1 = append(now1, rule.Method)
				continue
			}
			later = append(later, fmt.Sprintf("%s after %s", rule.Method, rule.After))
		}
		text := fmt.Sprintf("paging %s (%s): %s", c.Person, label, orWhy(c.Why))
		if len(later) > 0 {
			text += fmt.Sprintf("; now via %s, then %s unless acknowledged", orNone(now1), strings.Join(later, ", "))
		}
		r.record(ctx, "page", "", text)
		for _, method := range now1 {
			r.startPage(ctx, step, c.Person, c.Team, method, level, reason, label)
		}
	}
}

// contactRules returns a contact's notification rules, or each of its methods at once.
func contactRules(c activities.Contact) []activities.NotificationRule {
	if len(c.Rules) > 0 {
		return c.Rules
	}
	rules := make([]activities.NotificationRule, len(c.Methods))
	for i, m := range c.Methods {
		rules[i] = activities.NotificationRule{Method: m}
	}
	return rules
}

// startPage starts one page to one person by one contact method and records its outcome when
// it finishes, without blocking the caller.
func (r *incidentRun) startPage(ctx workflow.Context, step, person, team, method string, level int, reason, label string) {
	var a *activities.Activities
	s := &r.state
	window := minPageRetryWindow
	if s.AckDeadline != nil {
		window = max(s.AckDeadline.Sub(workflow.Now(ctx)), window)
	}
	pageCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    pageAttemptTimeout,
		ScheduleToCloseTimeout: window,
		Summary:                fmt.Sprintf("page %s via %s (%s)", person, method, label),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrBadInput, activities.ErrUndeliverable},
		},
	})
	delivery := workflow.ExecuteActivity(pageCtx, a.PageContact, activities.ContactRequest{
		WorkflowID: s.WorkflowID, Step: step, Person: person, Method: method,
		Severity: s.Severity, Subject: fmt.Sprintf("[%s] %s (%s)", s.Severity, s.Title, label), Reason: reason,
	})
	c := activities.Contact{Person: person, Team: team}
	r.await(ctx, delivery, func(err error) { r.paged(ctx, c, method, level, reason, err) })
}

// syncEscalation brings the escalation in line with the incident's status before the next
// deadline is armed: an acknowledgement or resolution stops the contact methods still waiting
// and the handoff, and an acknowledgement starts the acknowledgement timeout.
func (r *incidentRun) syncEscalation(ctx workflow.Context) {
	if !escalationEnabled(ctx) {
		return
	}
	s := &r.state
	if stopped := s.SyncEscalation(workflow.Now(ctx)); stopped > 0 {
		r.record(ctx, "page", "", fmt.Sprintf("%s: %d contact methods still waiting for their delay are not tried", s.Status, stopped))
	}
}

// onEscalationDeadline acts on a deadline that escalation policies added.
func (r *incidentRun) onEscalationDeadline(ctx workflow.Context, what incident.Deadline) {
	s := &r.state
	now := workflow.Now(ctx)
	switch what {
	case incident.DeadlineNotify:
		for _, p := range s.DuePages(now) {
			r.startPage(ctx, p.Step, p.Person, p.Team, p.Method, p.Level, p.Reason, p.Label)
		}
	case incident.DeadlineHandoff:
		r.handoff(ctx)
	case incident.DeadlineAckReminder:
		person, step := s.Remind(now)
		reason := fmt.Sprintf("still unresolved %s after %s acknowledged", s.Plan.AckReminder, person)
		r.record(ctx, "escalate", "", reason+": paging "+person+" again")
		onCall, ok := r.resolveOnCall(ctx, []incident.Target{{Person: person}})
		if !ok {
			return
		}
		for _, u := range onCall.Unreachable {
			r.record(ctx, "page", "", "could not page: "+u)
		}
		for _, c := range onCall.Contacts {
			for _, rule := range contactRules(c) {
				r.startPage(ctx, step, c.Person, c.Team, rule.Method, s.Level, reason, "acknowledgement timeout")
			}
		}
	}
}

// handoff acts on the end of the current level's on-call shift while nobody has acknowledged:
// who is on call is resolved again, the incoming people are paged, and the next shift end
// becomes the handoff deadline.
func (r *incidentRun) handoff(ctx workflow.Context) {
	s := &r.state
	level := s.Level
	label := fmt.Sprintf("level %d of %d", level, s.Plan.Levels())
	onCall, ok := r.resolveOnCall(ctx, s.Plan.TargetsAt(level))
	if !ok {
		return
	}
	people := make([]string, len(onCall.Contacts))
	for i, c := range onCall.Contacts {
		people[i] = c.Person
	}
	incoming := s.LevelResolved(people, onCall.Until)
	if len(incoming) == 0 {
		return
	}
	var contacts []activities.Contact
	for _, c := range onCall.Contacts {
		for _, p := range incoming {
			if c.Person == p {
				contacts = append(contacts, c)
			}
		}
	}
	reason := fmt.Sprintf("on call since a handoff at %s while nobody has acknowledged", label)
	r.record(ctx, "escalate", "", fmt.Sprintf("handoff at %s: %s came on call", label, strings.Join(incoming, ", ")))
	step := fmt.Sprintf("%s/handoff-%d", s.Step(level), workflow.Now(ctx).Unix())
	r.notify(ctx, step, contacts, level, reason, label)
}

// escalationDeadlineSummary names the deadlines escalation policies added, for the timer's
// summary.
func (r *incidentRun) escalationDeadlineSummary(what incident.Deadline) string {
	s := &r.state
	switch what {
	case incident.DeadlineNotify:
		if len(s.Escalation.Pending) > 0 {
			p := s.Escalation.Pending[0]
			return fmt.Sprintf("page %s via %s %s after the page, unless acknowledged", p.Person, p.Method, p.After)
		}
		return "next contact method, unless acknowledged"
	case incident.DeadlineHandoff:
		return fmt.Sprintf("on-call handoff at level %d: page whoever comes on call", s.Level)
	default:
		return fmt.Sprintf("acknowledgement timeout: page %s again unless resolved", s.Escalation.ReminderFor)
	}
}

func orWhy(why string) string {
	if why == "" {
		return "engaged by the plan"
	}
	return why
}

func orNone(methods []string) string {
	if len(methods) == 0 {
		return "no method"
	}
	return strings.Join(methods, ", ")
}
