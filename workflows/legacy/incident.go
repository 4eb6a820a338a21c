package legacy

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// What a deadline is for.
const (
	deadlineAck          = "ack"
	deadlineCommander    = "commander"
	deadlineWorkingHours = "working-hours"
	deadlineFalseAlarm   = "false-alarm"
)

// stepCommander is the paging step of the missed commander deadline.
const stepCommander = "commander"

// command is one responder action, applied by the main loop so that state has a single writer.
type command struct {
	apply   func(ctx workflow.Context) (string, error)
	done    bool
	outcome string
	err     error
}

// deadline is the one armed timer: the earliest of the incident's pending deadlines.
type deadline struct {
	at     time.Time
	what   string
	timer  workflow.Future
	cancel workflow.CancelFunc
}

// incidentRun is one run of the incident workflow: its state and the machinery around it.
type incidentRun struct {
	state    State
	commands workflow.Channel
	alerts   workflow.ReceiveChannel
	armed    *deadline
}

// Incident carries one incident through the seven response phases: detect, open channels,
// assess, communicate, escalate, delegate and resolve. Responders act on it through updates;
// every escalation deadline is a durable timer.
func Incident(ctx workflow.Context, in IncidentInput) (Summary, error) {
	r := &incidentRun{commands: workflow.NewChannel(ctx), alerts: workflow.GetSignalChannel(ctx, SignalAlerts)}
	if in.Carried != nil {
		r.state = *in.Carried
	} else {
		if err := in.Validate(); err != nil {
			return Summary{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadInput", nil)
		}
		r.state = newState(ctx, in)
	}
	if err := r.registerHandlers(ctx); err != nil {
		return Summary{}, err
	}
	if in.Carried == nil {
		if in.Reopens != "" {
			r.state.Reopens = in.Reopens
			r.record(ctx, "detect", "", "follows the resolved incident "+in.Reopens)
		}
		for _, b := range in.Pending {
			r.receiveAlerts(ctx, b)
		}
		if err := r.open(ctx); err != nil {
			return Summary{}, err
		}
	}
	summary, err := r.loop(ctx)
	if err != nil {
		return summary, err
	}
	if next := r.awaitReopen(ctx, r.alerts); next != nil {
		return Summary{}, workflow.NewContinueAsNewError(ctx, IncidentWorkflowName, *next)
	}
	return summary, nil
}

func newState(ctx workflow.Context, in IncidentInput) State {
	info := workflow.GetInfo(ctx)
	return State{
		Key:        in.Key,
		WorkflowID: info.WorkflowExecution.ID,
		Source:     in.Source,
		Service:    in.Service,
		Type:       in.Type,
		Title:      in.Title,
		Labels:     in.Labels,
		StartedAt:  workflow.Now(ctx).UTC(),
		Phase:      incident.PhaseDetect,
		Status:     incident.StatusTriggered,
		Impact:     in.Impact,
		Override:   in.Override,
		Roles:      map[incident.Role]string{},
	}
}

// open runs the first five phases in order.
func (r *incidentRun) open(ctx workflow.Context) error {
	var a *activities.Activities
	s := &r.state

	r.enterPhase(ctx, incident.PhaseDetect)
	err := workflow.ExecuteActivity(activityCtx(ctx, "log incident in the tracking tool"), a.RecordIncident,
		activities.RecordRequest{
			WorkflowID: s.WorkflowID, Key: s.Key, Source: s.Source, Service: s.Service,
			Type: s.Type, Title: s.Title, Labels: s.Labels, StartedAt: s.StartedAt,
		}).Get(ctx, &s.Tracking)
	if err != nil {
		return fmt.Errorf("record incident: %w", err)
	}
	r.record(ctx, "detect", "", fmt.Sprintf("incident logged (%s %s) from %s", s.Tracking.System, s.Tracking.Ref, s.Source))

	r.enterPhase(ctx, incident.PhaseChannels)
	err = workflow.ExecuteActivity(activityCtx(ctx, "open channel and bridge"), a.OpenChannels,
		activities.ChannelsRequest{
			WorkflowID: s.WorkflowID, Key: s.Key, Service: s.Service, Title: s.Title, Tracking: s.Tracking,
		}).Get(ctx, &s.Channels)
	if err != nil {
		return fmt.Errorf("open channels: %w", err)
	}
	r.record(ctx, "channels", "", fmt.Sprintf("channel %s and bridge %s opened", s.Channels.Channel, s.Channels.BridgeURL))

	r.enterPhase(ctx, incident.PhaseAssess)
	if err := r.assess(ctx, ""); err != nil {
		return err
	}

	r.enterPhase(ctx, incident.PhaseCommunicate)
	r.communicate(ctx, activities.StageInvestigating)

	r.enterPhase(ctx, incident.PhaseEscalate)
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"severity": string(s.Severity)}).
		Counter("firebreak_incidents_opened").Inc(1)
	return r.engage(ctx, "incident opened", true)
}

// loop applies responder commands and fires deadlines until the incident is resolved.
func (r *incidentRun) loop(ctx workflow.Context) (Summary, error) {
	for r.state.Status != incident.StatusResolved {
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() && workflow.AllHandlersFinished(ctx) {
			r.drainAlerts(ctx)
			r.disarm()
			return Summary{}, workflow.NewContinueAsNewError(ctx, IncidentWorkflowName, IncidentInput{
				Key: r.state.Key, Service: r.state.Service, Title: r.state.Title, Carried: &r.state,
			})
		}
		r.arm(ctx)
		selector := workflow.NewSelector(ctx)
		var cmd *command
		selector.AddReceive(r.commands, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &cmd) })
		var batch *AlertBatch
		selector.AddReceive(r.alerts, func(c workflow.ReceiveChannel, _ bool) {
			var b AlertBatch
			c.Receive(ctx, &b)
			batch = &b
		})
		fired := ""
		if r.armed != nil {
			selector.AddFuture(r.armed.timer, func(workflow.Future) { fired = r.armed.what })
		}
		selector.Select(ctx)
		if fired != "" {
			r.armed = nil
			if err := r.onDeadline(ctx, fired); err != nil {
				return Summary{}, err
			}
			continue
		}
		if batch != nil {
			r.receiveAlerts(ctx, *batch)
			continue
		}
		cmd.outcome, cmd.err = cmd.apply(ctx)
		cmd.done = true
	}
	r.disarm()
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Summary{}, err
	}
	s := r.state
	return Summary{
		Key: s.Key, Severity: s.Severity, StartedAt: s.StartedAt, ResolvedAt: *s.ResolvedAt,
		Resolution: s.Resolution, Metrics: s.Metrics, Roles: s.Roles,
	}, nil
}

// arm keeps one timer running for the earliest pending deadline, replacing it when that changes.
func (r *incidentRun) arm(ctx workflow.Context) {
	at, what, ok := r.state.NextDeadline()
	if r.armed != nil && ok && r.armed.at.Equal(at) && r.armed.what == what {
		return
	}
	r.disarm()
	if !ok {
		return
	}
	timerCtx, cancel := workflow.WithCancel(ctx)
	wait := max(at.Sub(workflow.Now(ctx)), time.Millisecond)
	timer := workflow.NewTimerWithOptions(timerCtx, wait, workflow.TimerOptions{Summary: r.deadlineSummary(what)})
	r.armed = &deadline{at: at, what: what, timer: timer, cancel: cancel}
}

// drainAlerts records every alerts signal already delivered, so continue-as-new loses none.
func (r *incidentRun) drainAlerts(ctx workflow.Context) {
	for {
		var b AlertBatch
		if !r.alerts.ReceiveAsync(&b) {
			return
		}
		r.receiveAlerts(ctx, b)
	}
}

func (r *incidentRun) disarm() {
	if r.armed != nil {
		r.armed.cancel()
		r.armed = nil
	}
}

func (r *incidentRun) deadlineSummary(what string) string {
	s := &r.state
	switch what {
	case deadlineAck:
		return fmt.Sprintf("ack deadline, level %d of %d", s.Level, s.Plan.Levels())
	case deadlineCommander:
		return "deadline for naming an incident commander"
	case deadlineFalseAlarm:
		return "false-alarm grace period"
	default:
		return "wait for working hours"
	}
}

// onDeadline acts on a deadline that passed.
func (r *incidentRun) onDeadline(ctx workflow.Context, what string) error {
	s := &r.state
	switch what {
	case deadlineWorkingHours:
		s.DeferredUntil = nil
		r.record(ctx, "escalate", "", "working hours began")
		return r.pageLevel(ctx, 1, "working hours began")
	case deadlineAck:
		s.AckDeadline = nil
		s.Metrics.EscalationsByDeadline++
		timeout := s.Plan.AckTimeouts[s.Level-1]
		return r.advance(ctx, fmt.Sprintf("nobody acknowledged level %d within %s", s.Level, timeout))
	case deadlineFalseAlarm:
		return r.closeFalseAlarm(ctx)
	case deadlineCommander:
		s.CommanderDue = nil
		if s.Roles[incident.RoleCommander] != "" {
			return nil
		}
		reason := fmt.Sprintf("no incident commander named within %s", s.Plan.CommanderDeadline)
		r.record(ctx, "escalate", "", reason)
		_, err := r.page(ctx, stepCommander, []incident.Target{{Team: s.Plan.CommanderTeam}}, reason)
		return err
	}
	return fmt.Errorf("unknown deadline %q", what)
}

// engage asks the policies who to engage and by when, and pages the first level unless told
// not to or the policy defers paging to working hours.
func (r *incidentRun) engage(ctx workflow.Context, reason string, page bool) error {
	var a *activities.Activities
	s := &r.state
	var plan incident.EngagementPlan
	err := workflow.ExecuteActivity(activityCtx(ctx, "decide engagement for "+string(s.Severity)), a.DecideEngagement,
		activities.EngagementRequest{Service: s.Service, Type: s.Type, Severity: s.Severity}).Get(ctx, &plan)
	if err != nil {
		return fmt.Errorf("decide engagement: %w", err)
	}
	s.Plan = plan
	s.Engagement++
	s.Level, s.Round, s.LadderExhausted = 0, 0, false
	s.AckDeadline, s.DeferredUntil = nil, nil
	if plan.CommanderTeam != "" && plan.CommanderDeadline > 0 && s.Roles[incident.RoleCommander] == "" && s.CommanderDue == nil {
		due := workflow.Now(ctx).Add(plan.CommanderDeadline).UTC()
		s.CommanderDue = &due
	}
	r.record(ctx, "engage", "", fmt.Sprintf("engagement plan %d: %d levels, repeats %d (%s)",
		s.Engagement, plan.Levels(), plan.Repeats, strings.Join(plan.Reasons, "; ")))
	if !page {
		return nil
	}
	if plan.DeferUntil != nil && plan.DeferUntil.After(workflow.Now(ctx)) {
		until := plan.DeferUntil.UTC()
		s.DeferredUntil = &until
		r.record(ctx, "escalate", "", "outside working hours: paging waits until "+until.Format(time.RFC3339))
		r.publish(ctx)
		return nil
	}
	return r.pageLevel(ctx, 1, reason)
}

// advance pages the next level after a missed deadline, repeating the ladder as the policy says.
func (r *incidentRun) advance(ctx workflow.Context, reason string) error {
	s := &r.state
	next := s.Level + 1
	if next > s.Plan.Levels() {
		if s.Round >= s.Plan.Repeats {
			s.LadderExhausted = true
			r.record(ctx, "escalate", "", reason+"; the escalation ladder is exhausted")
			r.publish(ctx)
			return nil
		}
		s.Round++
		next = 1
	}
	return r.pageLevel(ctx, next, reason)
}

// pageLevel pages one escalation level and arms its acknowledgement deadline.
func (r *incidentRun) pageLevel(ctx workflow.Context, level int, reason string) error {
	s := &r.state
	s.Level = level
	step := fmt.Sprintf("engagement-%d/round-%d/level-%d", s.Engagement, s.Round, level)
	if _, err := r.page(ctx, step, s.Plan.TargetsAt(level), reason); err != nil {
		return err
	}
	if s.Status == incident.StatusTriggered {
		due := workflow.Now(ctx).Add(s.Plan.AckTimeouts[level-1]).UTC()
		s.AckDeadline = &due
	}
	r.publish(ctx)
	return nil
}

// page runs PageResponders and records who was paged.
func (r *incidentRun) page(ctx workflow.Context, step string, targets []incident.Target, reason string) (activities.PageResult, error) {
	var a *activities.Activities
	s := &r.state
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.String()
	}
	summary := fmt.Sprintf("page %s (level %d of %d)", strings.Join(names, ", "), s.Level, s.Plan.Levels())
	subject := fmt.Sprintf("[%s] %s (level %d of %d)", s.Severity, s.Title, s.Level, s.Plan.Levels())
	if step == stepCommander {
		summary = "page " + strings.Join(names, ", ") + " for an incident commander"
		subject = fmt.Sprintf("[%s] %s: incident commander needed", s.Severity, s.Title)
	}
	var result activities.PageResult
	err := workflow.ExecuteActivity(activityCtx(ctx, summary), a.PageResponders, activities.PageRequest{
		WorkflowID: s.WorkflowID, Step: step, Severity: s.Severity, Subject: subject, Targets: targets, Reason: reason,
		Links: map[string]string{"history": s.Channels.UIURL, "bridge": s.Channels.BridgeURL, "channel": s.Channels.Channel},
	}).Get(ctx, &result)
	if err != nil {
		return result, fmt.Errorf("page responders: %w", err)
	}
	now := workflow.Now(ctx).UTC()
	for _, p := range result.Paged {
		s.Responders = append(s.Responders, incident.Responder{Person: p.Person, Team: p.Team, Level: s.Level, PagedAt: now})
		r.record(ctx, "page", "", fmt.Sprintf("paged %s (%s): %s", p.Person, p.Team, reason))
	}
	for _, u := range result.Unreachable {
		r.record(ctx, "page", "", "could not page: "+u)
	}
	s.Metrics.PagesSent += len(result.Paged)
	return result, nil
}

// assess runs the severity policy; when the severity changes after the first assessment, the
// engagement is decided again.
func (r *incidentRun) assess(ctx workflow.Context, by string) error {
	var a *activities.Activities
	s := &r.state
	var decision activities.SeverityDecision
	err := workflow.ExecuteActivity(activityCtx(ctx, "assess severity"), a.AssessSeverity,
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
	r.publish(ctx)
	if previous == "" {
		return nil
	}
	raised := decision.Severity.MoreSevereThan(previous)
	if raised && s.Status == incident.StatusAcknowledged {
		s.Status = incident.StatusTriggered
	}
	return r.engage(ctx, fmt.Sprintf("severity changed from %s to %s", previous, s.Severity), s.Status == incident.StatusTriggered)
}

// communicate sends a stage's messages; a failure is recorded, not fatal.
func (r *incidentRun) communicate(ctx workflow.Context, stage string) {
	var a *activities.Activities
	s := &r.state
	var messages []incident.Message
	err := workflow.ExecuteActivity(activityCtx(ctx, stage+" messages"), a.Communicate, activities.CommunicateRequest{
		WorkflowID: s.WorkflowID, Stage: stage, Service: s.Service, Title: s.Title, Severity: s.Severity,
		Impact: s.Impact, StartedAt: s.StartedAt, ResolvedAt: s.ResolvedAt, Resolution: s.Resolution,
	}).Get(ctx, &messages)
	if err != nil {
		r.record(ctx, "update", "", "communication failed: "+err.Error())
		return
	}
	s.Messages = append(s.Messages, messages...)
	for _, m := range messages {
		r.record(ctx, "update", "", m.Audience+": "+m.Text)
	}
}

func (r *incidentRun) enterPhase(ctx workflow.Context, p incident.Phase) {
	r.state.Phase = p
	r.record(ctx, "phase", "", "phase "+string(p))
	r.publish(ctx)
}

// record appends a timeline entry.
func (r *incidentRun) record(ctx workflow.Context, kind, by, text string) {
	r.state.Timeline = append(r.state.Timeline, incident.Entry{At: workflow.Now(ctx).UTC(), Kind: kind, By: by, Text: text})
}

// publish keeps search attributes, memo and the Web UI's current details in step with the state.
func (r *incidentRun) publish(ctx workflow.Context) {
	s := &r.state
	logger := workflow.GetLogger(ctx)
	updates := []temporal.SearchAttributeUpdate{
		AttrService.ValueSet(s.Service),
		AttrType.ValueSet(s.Type),
		AttrPhase.ValueSet(string(s.Phase)),
		AttrStatus.ValueSet(string(s.Status)),
		AttrEscalationLevel.ValueSet(int64(s.Level)),
	}
	if s.Severity != "" {
		updates = append(updates, AttrSeverity.ValueSet(string(s.Severity)))
	}
	if c := s.Roles[incident.RoleCommander]; c != "" {
		updates = append(updates, AttrCommander.ValueSet(c))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		logger.Error("upsert search attributes", "error", err)
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{"title": s.Title, "summary": r.summaryLine()}); err != nil {
		logger.Error("upsert memo", "error", err)
	}
	workflow.SetCurrentDetails(ctx, r.details())
}

func (r *incidentRun) summaryLine() string {
	s := &r.state
	line := fmt.Sprintf("%s %s, phase %s", orUnknown(string(s.Severity)), s.Status, s.Phase)
	if s.Level > 0 {
		line += fmt.Sprintf(", level %d of %d", s.Level, s.Plan.Levels())
	}
	if c := s.Roles[incident.RoleCommander]; c != "" {
		line += ", commander " + c
	}
	return line
}

func (r *incidentRun) details() string {
	s := &r.state
	var b strings.Builder
	b.WriteString(fmt.Sprintf("## %s\n\n", s.Title))
	b.WriteString(fmt.Sprintf("- **Severity:** %s (%s)\n", orUnknown(string(s.Severity)), strings.Join(s.SeverityReasons, "; ")))
	b.WriteString(fmt.Sprintf("- **Status:** %s, phase %s\n", s.Status, s.Phase))
	b.WriteString(fmt.Sprintf("- **Service:** %s; channel %s; bridge %s\n", s.Service, s.Channels.Channel, s.Channels.BridgeURL))
	if s.Level > 0 {
		b.WriteString(fmt.Sprintf("- **Escalation:** level %d of %d\n", s.Level, s.Plan.Levels()))
	}
	for _, role := range incident.Roles() {
		b.WriteString(fmt.Sprintf("- **%s:** %s\n", role, orUnknown(s.Roles[role])))
	}
	return b.String()
}

func orUnknown(v string) string {
	if v == "" {
		return "—"
	}
	return v
}

// activityCtx gives an activity explicit timeouts, unlimited retries with backoff for transient
// failures, and a summary a reviewer reads in the Web UI.
func activityCtx(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}
