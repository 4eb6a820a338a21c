package workflows

import (
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows/legacy"
)

// changeHardenedCore is the change ID of the hardened paging core: pages on their own path,
// bounded state, the ladder's end, confirmation before customers hear. Incidents that started
// before it (version 0) run the frozen code of package legacy.
const changeHardenedCore = "hardened-paging-core"

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
	what   incident.Deadline
	timer  workflow.Future
	cancel workflow.CancelFunc
}

// incidentRun is one run of the incident workflow: its state and the machinery around it.
type incidentRun struct {
	state    State
	commands workflow.Channel
	alerts   workflow.ReceiveChannel
	armed    *deadline
	// settled wakes the main loop when an update handler or the last work in flight finishes, so
	// that a continue-as-new waiting for them happens without waiting for the next event.
	settled workflow.Channel
	// inFlight counts the activities started beside the main loop (pages, tracking, channels,
	// messages) that have not finished; the run continues as new or completes only without any.
	inFlight int
	// next is the input of the incident that follows this one, set when a firing alert arrives
	// after resolution.
	next *IncidentInput
	// closing is set when a resolved incident's review window ends.
	closing bool
	// opening is set while alerts that arrived before the incident started are booked;
	// afterOpen holds what they asked of it, done once it has opened.
	opening   bool
	afterOpen incident.Booked
	// runbooks are the incident's runbook runs.
	runbooks runbookRuns
	// keyEvents is set when key events go to the tracking record and the channel; tracking
	// and channel send them.
	keyEvents bool
	tracking  eventSync
	channel   eventSync
	// statusPush sends public updates to the hosted status page.
	statusPush statusPush
	// published is what the search attributes and memo last said, so unchanged ones are not
	// written again.
	published string
}

// Incident carries one incident through the seven response phases: detect, open channels,
// assess, communicate, escalate, delegate and resolve. Paging has its own path: the decisions
// before the first page are local activities, the ladder's deadlines are armed when a page is
// scheduled, and everything that is not a page runs beside it with bounded retries. Responders
// act on it through updates; every deadline is a durable timer.
func Incident(ctx workflow.Context, in IncidentInput) (Summary, error) {
	if !changed(ctx, changeHardenedCore) {
		return runLegacy(ctx, in)
	}
	r := &incidentRun{
		commands: workflow.NewChannel(ctx),
		alerts:   workflow.GetSignalChannel(ctx, SignalAlerts),
		settled:  workflow.NewBufferedChannel(ctx, 1),
	}
	if in.Carried != nil {
		r.state = *in.Carried
		r.state.Adopt()
	} else {
		if err := in.Validate(); err != nil {
			return Summary{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadInput", nil)
		}
		r.state = incident.New(incident.Opening{
			Key: in.Key, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Source: in.Source,
			Service: in.Service, Type: in.Type, Title: in.Title, Labels: in.Labels, Impact: in.Impact, Override: in.Override,
			Private: in.Private,
		}, workflow.Now(ctx))
	}
	if err := r.registerHandlers(ctx); err != nil {
		return Summary{}, err
	}
	r.runbooks.count = in.RunbookRuns
	r.runbooks.enabled = changed(ctx, changeRunbooks)
	r.adoptRuns(ctx, in.Runbooks)
	r.keyEvents = changed(ctx, changeKeyEvents)
	if err := r.registerRunbookHandlers(ctx); err != nil {
		return Summary{}, err
	}
	if in.Carried == nil {
		if in.Reopens != "" {
			r.state.Reopens = in.Reopens
			r.record(ctx, "detect", "", "follows the resolved incident "+in.Reopens)
		}
		r.opening = true
		for _, b := range in.Pending {
			r.receiveAlerts(ctx, b)
		}
		if err := r.open(ctx); err != nil {
			return Summary{}, err
		}
		r.opening = false
		if r.runbooks.enabled {
			r.startMatchingRunbooks(ctx)
		}
		r.actOn(ctx, r.afterOpen)
	}
	r.publish(ctx)
	return r.loop(ctx)
}

// runLegacy runs an incident that started before the hardened core on the code it started
// with. The input and summary cross as JSON, which both versions share.
func runLegacy(ctx workflow.Context, in IncidentInput) (Summary, error) {
	var old legacy.IncidentInput
	if err := convert(in, &old); err != nil {
		return Summary{}, err
	}
	result, err := legacy.Incident(ctx, old)
	var summary Summary
	if convErr := convert(result, &summary); convErr != nil {
		return Summary{}, convErr
	}
	return summary, err
}

// convert copies from into to through JSON. Encoding plain structs is deterministic (map keys
// are sorted), which workflowcheck cannot see.
func convert(from, to any) error {
	data, err := json.Marshal(from) //workflowcheck:ignore
	if err != nil {
		return fmt.Errorf("convert %T: %w", from, err)
	}
	err = json.Unmarshal(data, to) //workflowcheck:ignore
	if err != nil {
		return fmt.Errorf("convert %T: %w", from, err)
	}
	return nil
}

// open runs the first five phases. Only the decisions (local activities) and the first page are
// on the paging path; tracking, channels and messages run beside it.
func (r *incidentRun) open(ctx workflow.Context) error {
	s := &r.state
	r.enterPhase(ctx, incident.PhaseDetect)
	r.logAndOpenChannels(ctx)
	r.enterPhase(ctx, incident.PhaseChannels)
	r.enterPhase(ctx, incident.PhaseAssess)
	if err := r.assess(ctx, ""); err != nil {
		return err
	}
	r.enterPhase(ctx, incident.PhaseCommunicate)
	r.communicate(ctx, activities.StageInvestigating, incident.AudienceInternal)
	r.enterPhase(ctx, incident.PhaseEscalate)
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"severity": string(s.Severity)}).
		Counter("firebreak_incidents_opened").Inc(1)
	return r.engage(ctx, "incident opened", true)
}

// loop applies responder commands, alerts and deadlines until the incident closes, continuing
// as new whenever the history or the timeline grows large. It never blocks anywhere but in its
// select, so an update that arrives at any moment is applied.
func (r *incidentRun) loop(ctx workflow.Context) (Summary, error) {
	for {
		r.syncTracking(ctx)
		r.syncChannel(ctx)
		if r.settledNow(ctx) && (r.next != nil || r.closing || r.wantsContinueAsNew(ctx)) {
			r.drainAlerts(ctx)
			if r.settledNow(ctx) { // booking the alerts may have paged
				return r.end(ctx)
			}
		}
		r.syncEscalation(ctx)
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
		selector.AddReceive(r.settled, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &struct{}{}) })
		var fired incident.Deadline
		if r.armed != nil {
			selector.AddFuture(r.armed.timer, func(workflow.Future) { fired = r.armed.what })
		}
		selector.Select(ctx)
		switch {
		case fired == incident.DeadlineClose:
			r.armed, r.state.CloseAt, r.closing = nil, nil, true
			if r.state.Phase == incident.PhaseReview {
				r.record(ctx, "review", "", fmt.Sprintf("the review stayed open for %s without being closed: the incident closes", incident.MaxReviewOpen))
			}
		case fired != "":
			r.armed = nil
			if err := r.onDeadline(ctx, fired); err != nil {
				return Summary{}, err
			}
		case batch != nil:
			r.receiveAlerts(ctx, *batch)
		case cmd != nil:
			cmd.outcome, cmd.err = cmd.apply(ctx)
			cmd.done = true
		}
		r.syncRunbooks(ctx)
		r.publish(ctx)
	}
}

// settledNow reports whether nothing holds the run open: no update handler running and nothing
// in flight beside the loop.
func (r *incidentRun) settledNow(ctx workflow.Context) bool {
	return r.inFlight == 0 && workflow.AllHandlersFinished(ctx)
}

// wantsContinueAsNew reports whether the history or the timeline has grown large enough for a
// new run.
func (r *incidentRun) wantsContinueAsNew(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() || r.state.TimelineFull()
}

// end ends a settled run: into the incident that follows, at the close of a resolved incident,
// or as a new run carrying the state.
func (r *incidentRun) end(ctx workflow.Context) (Summary, error) {
	r.disarm()
	s := r.state
	switch {
	case r.next != nil:
		return Summary{}, workflow.NewContinueAsNewError(ctx, IncidentWorkflowName, r.nextIncident(ctx))
	case r.closing:
		r.closeRuns(ctx)
		return Summary{
			Key: s.Key, Severity: s.Severity, StartedAt: s.StartedAt, ResolvedAt: *s.ResolvedAt,
			Resolution: s.Resolution, Metrics: s.Metrics, Roles: s.Roles,
		}, nil
	default:
		carried := s.Carry(workflow.GetInfo(ctx).WorkflowExecution.RunID)
		return Summary{}, workflow.NewContinueAsNewError(ctx, IncidentWorkflowName, IncidentInput{
			Key: s.Key, Service: s.Service, Title: s.Title, Carried: &carried, RunbookRuns: r.runbooks.count, Runbooks: r.carriedRuns(),
		})
	}
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

func (r *incidentRun) disarm() {
	if r.armed != nil {
		r.armed.cancel()
		r.armed = nil
	}
}

func (r *incidentRun) deadlineSummary(what incident.Deadline) string {
	s := &r.state
	switch what {
	case incident.DeadlineAck:
		return fmt.Sprintf("ack deadline, level %d of %d", s.Level, s.Plan.Levels())
	case incident.DeadlineCommander:
		return "deadline for naming an incident commander"
	case incident.DeadlineFalseAlarm:
		return "false-alarm grace period"
	case incident.DeadlineConfirm:
		return "confirmation by alerts still firing"
	case incident.DeadlineLadderEnd:
		return fmt.Sprintf("ladder exhausted: page again (%d so far)", s.LadderEndPages)
	case incident.DeadlineClose:
		return "review window: notes until the incident closes"
	case incident.DeadlineNotify, incident.DeadlineHandoff, incident.DeadlineAckReminder:
		return r.escalationDeadlineSummary(what)
	case incident.DeadlineUpdate:
		return fmt.Sprintf("public update due (reminder %d)", s.UpdateReminders+1)
	case incident.DeadlineReview:
		return "review meeting due"
	default:
		return "wait for working hours"
	}
}

// onDeadline acts on a deadline that passed.
func (r *incidentRun) onDeadline(ctx workflow.Context, what incident.Deadline) error {
	s := &r.state
	now := workflow.Now(ctx)
	switch what {
	case incident.DeadlineWorkingHours:
		s.DeferredUntil = nil
		r.record(ctx, "escalate", "", "working hours began")
		r.pageLevel(ctx, 1, "working hours began")
	case incident.DeadlineAck:
		if s.PauseLadder() {
			s.AckDeadline, s.LadderPaused = nil, true
			r.record(ctx, "escalate", "", "paging paused: every alert has resolved and the incident may close as a false alarm")
			return nil
		}
		r.missedAck(ctx)
	case incident.DeadlineLadderEnd:
		r.endLadder(ctx, "still nobody acknowledged after the whole ladder")
	case incident.DeadlineFalseAlarm:
		r.closeFalseAlarm(ctx)
	case incident.DeadlineConfirm:
		if s.ConfirmByAlerts(now) {
			r.communicate(ctx, activities.StageInvestigating, incident.AudienceExternal)
		}
	case incident.DeadlineUpdate:
		r.remindOfUpdate(ctx)
	case incident.DeadlineReview:
		r.remindOfReview(ctx)
	case incident.DeadlineNotify, incident.DeadlineHandoff, incident.DeadlineAckReminder:
		r.onEscalationDeadline(ctx, what)
	case incident.DeadlineCommander:
		s.CommanderDue = nil
		if s.Roles[incident.RoleCommander] != "" {
			return nil
		}
		reason := fmt.Sprintf("no incident commander named within %s", s.Plan.CommanderDeadline)
		r.record(ctx, "escalate", "", reason)
		r.page(ctx, fmt.Sprintf("engagement-%d/commander", s.Engagement), []incident.Target{{Team: s.Plan.CommanderTeam}}, reason,
			"incident commander needed")
	default:
		return fmt.Errorf("unknown deadline %q", what)
	}
	return nil
}

// missedAck moves the ladder on after a level's deadline passed with nobody acknowledging.
func (r *incidentRun) missedAck(ctx workflow.Context) {
	s := &r.state
	reason := fmt.Sprintf("nobody acknowledged level %d within %s", s.Level, s.Plan.AckTimeouts[s.Level-1])
	move := s.MissAck(workflow.Now(ctx))
	if move.Exhausted {
		r.endLadder(ctx, reason+"; the escalation ladder is exhausted")
		return
	}
	r.pageLevel(ctx, move.Level, reason)
}

// settle notes that something that holds back a continue-as-new finished.
func (r *incidentRun) settle() { r.settled.SendAsync(struct{}{}) }

// record appends a timeline entry at the workflow's time.
func (r *incidentRun) record(ctx workflow.Context, kind, by, text string) {
	r.state.Record(workflow.Now(ctx), kind, by, text)
}

func (r *incidentRun) enterPhase(ctx workflow.Context, p incident.Phase) {
	r.state.EnterPhase(workflow.Now(ctx), p)
}
