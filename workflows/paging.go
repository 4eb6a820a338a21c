package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// Timeouts of the paging path.
const (
	// pageAttemptTimeout bounds one delivery attempt, so that a page whose worker died is tried
	// again within seconds of a worker polling.
	pageAttemptTimeout = 4 * time.Second
	// minPageRetryWindow is the least time a page keeps being retried.
	minPageRetryWindow = time.Minute
)

// assess runs the severity policy; when the severity changes after the first assessment, the
// engagement is decided again.
func (r *incidentRun) assess(ctx workflow.Context, by string) error {
	var a *activities.Activities
	s := &r.state
	var decision activities.SeverityDecision
	err := workflow.ExecuteLocalActivity(decisionCtx(ctx, "assess severity"), a.AssessSeverity,
		activities.SeverityRequest{Service: s.Service, Impact: s.Impact, Override: s.Override}).Get(ctx, &decision)
	if err != nil {
		return fmt.Errorf("assess severity: %w", err)
	}
	previous := s.Severity
	s.Severity, s.SeverityReasons, s.PolicyRevision = decision.Severity, decision.Reasons, decision.PolicyRevision
	if previous == decision.Severity {
		r.record(ctx, "severity", by, fmt.Sprintf("severity stays %s (%s)", s.Severity, strings.Join(s.SeverityReasons, "; ")))
		return nil
	}
	r.record(ctx, "severity", by, fmt.Sprintf("severity %s (%s)", s.Severity, strings.Join(s.SeverityReasons, "; ")))
	if previous == "" {
		return nil
	}
	if decision.Severity.MoreSevereThan(previous) && s.Status == incident.StatusAcknowledged {
		s.Status = incident.StatusTriggered
	}
	return r.engage(ctx, fmt.Sprintf("severity changed from %s to %s", previous, s.Severity), s.Status == incident.StatusTriggered)
}

// engage asks the policies who to engage, by when, and when the incident counts as confirmed,
// then pages the first level unless told not to or the policy defers paging to working hours.
func (r *incidentRun) engage(ctx workflow.Context, reason string, page bool) error {
	var a *activities.Activities
	s := &r.state
	var plan incident.EngagementPlan
	err := workflow.ExecuteLocalActivity(decisionCtx(ctx, "decide engagement for "+string(s.Severity)), a.DecideEngagement,
		activities.EngagementRequest{Service: s.Service, Type: s.Type, Severity: s.Severity, Source: s.Source}).Get(ctx, &plan)
	if err != nil {
		return fmt.Errorf("decide engagement: %w", err)
	}
	now := workflow.Now(ctx)
	deferred := s.Engage(now, plan)
	s.CadenceChanged(now)
	if s.AwaitConfirmation(now) {
		r.communicate(ctx, activities.StageInvestigating, incident.AudienceExternal)
	}
	if page && !deferred {
		r.pageLevel(ctx, 1, reason)
	}
	return nil
}

// pageLevel pages one escalation level. Its acknowledgement deadline is armed now, before any
// page is delivered. Since escalation policies (escalation.go), a level that resolves to nobody
// is skipped or held as the plan says, and the end of its on-call shift is a handoff deadline.
func (r *incidentRun) pageLevel(ctx workflow.Context, level int, reason string) {
	s := &r.state
	s.PageLevel(workflow.Now(ctx), level)
	label := fmt.Sprintf("level %d of %d", level, s.Plan.Levels())
	if escalationEnabled(ctx) {
		r.pageEscalationLevel(ctx, level, reason, label)
		return
	}
	r.page(ctx, s.Step(level), s.Plan.TargetsAt(level), reason, label)
}

// endLadder pages the end of an exhausted ladder, as the escalation policy decided.
func (r *incidentRun) endLadder(ctx workflow.Context, reason string) {
	s := &r.state
	step := s.EndLadder(workflow.Now(ctx))
	if len(s.Plan.LadderEnd.Targets) == 0 {
		r.record(ctx, "escalate", "", reason+"; the policy pages nobody more")
		return
	}
	r.record(ctx, "escalate", "", reason)
	r.page(ctx, step, s.Plan.LadderEnd.Targets, reason, fmt.Sprintf("ladder exhausted, page %d", s.LadderEndPages))
}

// page finds who is on call behind targets (a local activity given the workflow's time) and
// starts one page per person and contact method. It does not wait for delivery: each page
// records its own outcome, a method that fails does not hold back the others, and a page that
// cannot be delivered is recorded as such while the ladder moves on.
func (r *incidentRun) page(ctx workflow.Context, step string, targets []incident.Target, reason, label string) {
	s := &r.state
	onCall, ok := r.resolveOnCall(ctx, targets)
	if !ok {
		return
	}
	for _, u := range onCall.Unreachable {
		r.record(ctx, "page", "", "could not page: "+u)
	}
	if len(onCall.Contacts) == 0 {
		r.record(ctx, "page", "", fmt.Sprintf("nobody to page (%s): %s", label, reason))
		return
	}
	if escalationEnabled(ctx) {
		r.notify(ctx, step, onCall.Contacts, s.Level, reason, label)
		return
	}
	for _, c := range onCall.Contacts {
		for _, method := range c.Methods {
			r.startPage(ctx, step, c.Person, c.Team, method, s.Level, reason, label)
		}
	}
}

// paged records how one page went.
func (r *incidentRun) paged(ctx workflow.Context, c activities.Contact, method string, level int, reason string, err error) {
	s := &r.state
	who := c.Person
	if c.Team != "" {
		who += " (" + c.Team + ")"
	}
	if err != nil {
		r.record(ctx, "page", "", fmt.Sprintf("could not page %s via %s: %s", who, method, failure(err)))
		return
	}
	s.Paged(workflow.Now(ctx), c.Person, c.Team, level)
	s.Metrics.PagesSent++
	r.record(ctx, "page", "", fmt.Sprintf("paged %s via %s: %s", who, method, reason))
}

// await runs done with the outcome of an activity once it finishes, without blocking the
// caller; the run counts it as in flight until then.
func (r *incidentRun) await(ctx workflow.Context, f workflow.Future, done func(error)) {
	r.inFlight++
	workflow.Go(ctx, func(ctx workflow.Context) {
		err := f.Get(ctx, nil)
		r.inFlight--
		done(err)
		r.settle()
	})
}

// failure says why an activity failed in words, without the SDK's wrapping.
func failure(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return "gave up after retrying: " + timeout.Error()
	}
	return err.Error()
}

// decisionCtx runs a decision (a policy, who is on call) as a local activity: it touches nothing
// outside the worker, so it needs no workflow task of its own. Its input and answer are in the
// history as a marker.
func decisionCtx(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 5 * time.Minute,
		StartToCloseTimeout:    10 * time.Second,
		Summary:                summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrBadInput, activities.ErrPolicy},
		},
	})
}
