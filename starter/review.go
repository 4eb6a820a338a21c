package starter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/converter"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/review"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Bounds on what a review reads, so that one incident cannot make it read without end.
const (
	// MaxReviewRuns is how many runs of one incident a review reads, newest first; an
	// incident's runs continue as new every 1,000 timeline entries, so this covers 50,000.
	MaxReviewRuns = 50
	// MaxReviewRunbooks is how many runbook runs' histories a review reads for their approval
	// decisions.
	MaxReviewRunbooks = 20
	// MaxReviewEvents bounds the events read across every run of one incident.
	MaxReviewEvents = 200_000
)

// ReviewRun is one run of an incident's workflow and its history events.
type ReviewRun struct {
	RunID  string
	Events []*historypb.HistoryEvent
}

// ReviewHistory is what Temporal recorded of one incident: the runs of its workflow, oldest
// first, from the run that opened it (a run that continued as new carrying the state belongs to
// the incident it carries), and the histories of its runbook runs.
type ReviewHistory struct {
	WorkflowID string
	Runs       []ReviewRun
	// Runbooks are the runbook runs' workflow IDs and histories, for their approval decisions.
	Runbooks map[string][]*historypb.HistoryEvent
}

// ReviewHistory reads the history of the incident key: every run of its workflow back to the
// run that opened the incident (at most MaxReviewRuns), and the histories of the runbook runs it
// started (at most MaxReviewRunbooks).
func (c *Client) ReviewHistory(ctx context.Context, key string) (ReviewHistory, error) {
	id := workflows.WorkflowID(key)
	desc, err := c.Temporal.DescribeWorkflowExecution(ctx, id, "")
	if errors.As(err, new(*serviceerror.NotFound)) {
		return ReviewHistory{}, fmt.Errorf("review: no incident %q", key)
	}
	if err != nil {
		return ReviewHistory{}, describe(key, "review", err)
	}
	h := ReviewHistory{WorkflowID: id, Runbooks: map[string][]*historypb.HistoryEvent{}}
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	budget := MaxReviewEvents
	for runID != "" {
		if len(h.Runs) == MaxReviewRuns {
			return ReviewHistory{}, fmt.Errorf("review incident %s: more than %d runs; open its history in the Web UI", key, MaxReviewRuns)
		}
		events, err := c.history(ctx, id, runID, &budget)
		if err != nil {
			return ReviewHistory{}, fmt.Errorf("review incident %s: %w", key, err)
		}
		h.Runs = append([]ReviewRun{{RunID: runID, Events: events}}, h.Runs...)
		runID = previousRun(events)
	}
	for _, run := range h.Runs {
		for _, e := range run.Events {
			child := e.GetChildWorkflowExecutionStartedEventAttributes().GetWorkflowExecution()
			if child == nil || len(h.Runbooks) == MaxReviewRunbooks {
				continue
			}
			events, err := c.history(ctx, child.GetWorkflowId(), child.GetRunId(), &budget)
			if err != nil {
				return ReviewHistory{}, fmt.Errorf("review incident %s: runbook run %s: %w", key, child.GetWorkflowId(), err)
			}
			h.Runbooks[child.GetWorkflowId()] = events
		}
	}
	return h, nil
}

// history reads the events of one run, spending budget.
func (c *Client) history(ctx context.Context, id, runID string, budget *int) ([]*historypb.HistoryEvent, error) {
	it := c.Temporal.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("read history of run %s: %w", runID, err)
		}
		if *budget--; *budget < 0 {
			return nil, fmt.Errorf("read history of run %s: more than %d events in all", runID, MaxReviewEvents)
		}
		events = append(events, e)
	}
	return events, nil
}

// previousRun returns the run that the run of events continued from, when it carries an
// incident's state; "" when the run opened its incident.
func previousRun(events []*historypb.HistoryEvent) string {
	if len(events) == 0 {
		return ""
	}
	started := events[0].GetWorkflowExecutionStartedEventAttributes()
	var in workflows.IncidentInput
	if err := decodeFirst(started.GetInput(), &in); err != nil || in.Carried == nil {
		return ""
	}
	return started.GetContinuedExecutionRunId()
}

// Review reads what the review of incident key is built from: its history, and its state when
// a worker answers the state query within wait. now is when the review is made. When no worker
// answers, the review is built from the history alone and the error wraps ErrNoWorker beside a
// complete input.
func (c *Client) Review(ctx context.Context, key string, wait time.Duration, now time.Time) (review.Input, error) {
	h, err := c.ReviewHistory(ctx, key)
	if err != nil {
		return review.Input{}, err
	}
	in, err := ReviewInput(h, nil, now)
	if err != nil {
		return review.Input{}, err
	}
	s, stateErr := c.State(ctx, key, wait)
	switch {
	case stateErr == nil:
		in.Status = status(s)
	case !errors.Is(stateErr, ErrNoWorker):
		return review.Input{}, stateErr
	}
	in.URL = c.WorkflowURL(h.WorkflowID)
	return in, stateErr
}

// ReviewInput turns an incident's history, and its state when known, into the input of its
// review. The timeline is the history itself, event by event, with only bookkeeping left out;
// every other fact is read from the events (the state adds only where the incident stands now).
func ReviewInput(h ReviewHistory, state *incident.State, now time.Time) (review.Input, error) {
	if len(h.Runs) == 0 || len(h.Runs[0].Events) == 0 {
		return review.Input{}, errors.New("review: the incident has no history")
	}
	r := &reader{
		in:        review.Input{WorkflowID: h.WorkflowID, GeneratedAt: now.UTC(), Decisions: []review.Decision{}, Pages: []review.Page{}, Acks: []review.Ack{}, Roles: []review.RoleChange{}, Actions: []review.Action{}, Timeline: []review.Entry{}},
		scheduled: map[int64]scheduledActivity{},
		timers:    map[string]string{},
		updates:   map[string]updateRequest{},
		teams:     map[string]string{},
	}
	for i, run := range h.Runs {
		r.in.Runs = append(r.in.Runs, run.RunID)
		r.run = i
		for _, e := range run.Events {
			if err := r.event(e); err != nil {
				return review.Input{}, fmt.Errorf("review: run %s, event %d: %w", run.RunID, e.GetEventId(), err)
			}
		}
	}
	for id, events := range h.Runbooks {
		for _, e := range events {
			r.runbookEvent(id, e)
		}
	}
	if r.in.Resolved != nil && r.in.Resolved.Summary == "" {
		r.in.Resolved.Summary = r.resolution
	}
	if state != nil {
		r.in.Status = status(*state)
	}
	return r.in, nil
}

// status says where an incident stands, from its state.
func status(s incident.State) string {
	text := fmt.Sprintf("%s, phase %s", s.Status, s.Phase)
	switch {
	case s.ReviewClosedAt != nil:
		text += ", review closed " + s.ReviewClosedAt.UTC().Format(time.RFC3339)
	case s.Status == incident.StatusResolved && s.CloseAt != nil:
		if s.ReviewDue != nil {
			text += ", review meeting due " + s.ReviewDue.UTC().Format(time.RFC3339)
		}
		text += ", notes and follow-up actions taken until " + s.CloseAt.UTC().Format(time.RFC3339)
	}
	return text
}

// scheduledActivity is an activity as it was scheduled: its type, summary and input.
type scheduledActivity struct {
	name    string
	summary string
	input   *commonpb.Payloads
}

// updateRequest is an accepted update: its name and argument.
type updateRequest struct {
	name string
	arg  *commonpb.Payloads
	by   string
}

// reader walks an incident's history events in order, collecting the review's facts.
type reader struct {
	in        review.Input
	run       int
	scheduled map[int64]scheduledActivity
	timers    map[string]string
	updates   map[string]updateRequest
	// applying is the update whose command the workflow is applying, if any: the decisions it
	// leads to are its sender's.
	applying *updateRequest
	// status is the last IncidentStatus search attribute the workflow set.
	status string
	// teams maps each person last found on call to their team.
	teams      map[string]string
	resolution string
	// delivered holds the messages already read from a delivery through one notifier, by their
	// idempotency key without the notifier.
	delivered map[string]bool
}

// entry adds e to the timeline.
func (r *reader) entry(e *historypb.HistoryEvent, text string) {
	r.in.Timeline = append(r.in.Timeline, review.Entry{
		Run: r.run, EventID: e.GetEventId(), At: e.GetEventTime().AsTime().UTC(), Event: eventName(e.GetEventType()), Text: text,
	})
}

// eventName is an event type as the Web UI names it: "WorkflowExecutionUpdateAccepted".
func eventName(t enumspb.EventType) string {
	return t.String()
}

// event reads one history event.
func (r *reader) event(e *historypb.HistoryEvent) error {
	at := e.GetEventTime().AsTime().UTC()
	switch e.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
		enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
		r.in.Omitted++
	case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
		r.in.Omitted++
		r.searchAttributes(e, at)
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
		return r.started(e, at)
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
		return r.signaled(e, at)
	case enumspb.EVENT_TYPE_MARKER_RECORDED:
		return r.marker(e, at)
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		a := e.GetActivityTaskScheduledEventAttributes()
		act := scheduledActivity{name: a.GetActivityType().GetName(), summary: summaryOf(e), input: a.GetInput()}
		r.scheduled[e.GetEventId()] = act
		r.entry(e, strings.TrimSuffix(act.name+": "+act.summary, ": "))
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
		a := e.GetActivityTaskCompletedEventAttributes()
		return r.activityDone(e, at, r.scheduled[a.GetScheduledEventId()], a.GetResult())
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
		a := e.GetActivityTaskFailedEventAttributes()
		r.entry(e, fmt.Sprintf("%s failed: %s", r.scheduled[a.GetScheduledEventId()].name, a.GetFailure().GetMessage()))
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
		a := e.GetActivityTaskTimedOutEventAttributes()
		r.entry(e, fmt.Sprintf("%s timed out: %s", r.scheduled[a.GetScheduledEventId()].name, a.GetFailure().GetMessage()))
	case enumspb.EVENT_TYPE_TIMER_STARTED:
		a := e.GetTimerStartedEventAttributes()
		r.timers[a.GetTimerId()] = summaryOf(e)
		r.entry(e, fmt.Sprintf("%s, fires in %s", orWords(summaryOf(e), "timer"), a.GetStartToFireTimeout().AsDuration().Round(time.Second)))
	case enumspb.EVENT_TYPE_TIMER_FIRED:
		r.entry(e, orWords(r.timers[e.GetTimerFiredEventAttributes().GetTimerId()], "timer")+" passed")
	case enumspb.EVENT_TYPE_TIMER_CANCELED:
		r.entry(e, orWords(r.timers[e.GetTimerCanceledEventAttributes().GetTimerId()], "timer")+" cancelled")
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
		return r.updateAccepted(e)
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
		return r.updateCompleted(e, at)
	case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
		r.entry(e, "start runbook run "+e.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowId())
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
		r.entry(e, "runbook run "+e.GetChildWorkflowExecutionStartedEventAttributes().GetWorkflowExecution().GetWorkflowId()+" started")
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
		r.entry(e, "runbook run "+e.GetChildWorkflowExecutionCompletedEventAttributes().GetWorkflowExecution().GetWorkflowId()+" finished")
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
		a := e.GetChildWorkflowExecutionFailedEventAttributes()
		r.entry(e, fmt.Sprintf("runbook run %s failed: %s", a.GetWorkflowExecution().GetWorkflowId(), a.GetFailure().GetMessage()))
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		r.entry(e, "continued as new: run "+e.GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		r.entry(e, "the workflow completed: the incident is closed")
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		r.entry(e, "the workflow failed: "+e.GetWorkflowExecutionFailedEventAttributes().GetFailure().GetMessage())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		a := e.GetWorkflowExecutionTerminatedEventAttributes()
		r.entry(e, fmt.Sprintf("the workflow was terminated by %s: %s", orWords(a.GetIdentity(), "someone"), a.GetReason()))
	default:
		r.entry(e, "")
	}
	return nil
}

// started reads the start of a run: the incident's opening, or a run carrying its state.
func (r *reader) started(e *historypb.HistoryEvent, at time.Time) error {
	a := e.GetWorkflowExecutionStartedEventAttributes()
	if name := a.GetWorkflowType().GetName(); name != workflows.IncidentWorkflowName {
		return fmt.Errorf("the workflow is a %q workflow, not an incident", name)
	}
	var in workflows.IncidentInput
	if err := decodeFirst(a.GetInput(), &in); err != nil {
		return fmt.Errorf("decode the incident's input: %w", err)
	}
	if in.Carried != nil {
		if r.in.Key == "" { // the history read starts in the middle of the incident
			s := in.Carried
			r.in.Key, r.in.Title, r.in.Service, r.in.Type, r.in.Source = s.Key, s.Title, s.Service, s.Type, s.Source
			r.in.StartedAt, r.in.Impact, r.in.Reopens = s.StartedAt, s.Impact, s.Reopens
		}
		r.entry(e, "a new run carries the incident's state on from run "+a.GetContinuedExecutionRunId())
		return nil
	}
	r.in.Key, r.in.Title, r.in.Service, r.in.Type, r.in.Source = in.Key, in.Title, in.Service, in.Type, in.Source
	r.in.StartedAt, r.in.Impact, r.in.Reopens = at, in.Impact, in.Reopens
	text := fmt.Sprintf("incident opened: %q, service %s, type %s, from %s, impact: %s", in.Title, in.Service, in.Type, in.Source, in.Impact)
	if in.Override != nil {
		text += fmt.Sprintf("; severity %s set by %s: %s", in.Override.Severity, in.Override.By, in.Override.Reason)
	}
	r.entry(e, text)
	for _, b := range in.Pending {
		r.alerts(e, at, b)
	}
	return nil
}

// signaled reads a signal: a batch of alerts and the routing decision that grouped them.
func (r *reader) signaled(e *historypb.HistoryEvent, at time.Time) error {
	a := e.GetWorkflowExecutionSignaledEventAttributes()
	if a.GetSignalName() != workflows.SignalAlerts {
		r.entry(e, "signal "+a.GetSignalName())
		return nil
	}
	var b incident.AlertBatch
	if err := decodeFirst(a.GetInput(), &b); err != nil {
		return fmt.Errorf("decode alerts: %w", err)
	}
	var parts []string
	for _, al := range b.Alerts {
		parts = append(parts, fmt.Sprintf("%s %q (%s)", al.Status, al.Title, al.Source))
	}
	r.entry(e, fmt.Sprintf("%d alerts: %s", len(b.Alerts), strings.Join(parts, ", ")))
	r.alerts(e, at, b)
	return nil
}

// alerts records a batch of alerts and its routing decision.
func (r *reader) alerts(e *historypb.HistoryEvent, at time.Time, b incident.AlertBatch) {
	for _, al := range b.Alerts {
		r.in.Alerts = append(r.in.Alerts, review.Alert{At: at, Source: al.Source, Status: al.Status, Title: al.Title, Fingerprint: al.Fingerprint})
	}
	rt := b.Routing
	r.decide(e, at, review.Decision{
		Policy:   review.PolicyRouting,
		Outcome:  fmt.Sprintf("group %s to service %s (%s)", rt.Group, rt.Service, rt.Type),
		Reasons:  rt.Reasons,
		Revision: rt.PolicyRevision,
	})
}

// localActivity is the part of a local activity's marker that names it.
type localActivity struct {
	ActivityType string
}

// marker reads a marker: a local activity (a decision, or who is on call) or a version marker.
func (r *reader) marker(e *historypb.HistoryEvent, at time.Time) error {
	a := e.GetMarkerRecordedEventAttributes()
	if a.GetMarkerName() != "LocalActivity" {
		r.in.Omitted++
		return nil
	}
	var la localActivity
	if err := decodeFirst(a.GetDetails()["data"], &la); err != nil {
		return fmt.Errorf("decode local activity marker: %w", err)
	}
	if f := a.GetFailure(); f != nil {
		r.entry(e, fmt.Sprintf("%s failed: %s", la.ActivityType, f.GetMessage()))
		return nil
	}
	return r.result(e, at, la.ActivityType, a.GetDetails()["result"])
}

// result reads the result of an activity, local or not, that decides or finds something: a
// policy decision or who is on call. Incidents that started before the hardened paging core run
// the decisions as ordinary activities.
func (r *reader) result(e *historypb.HistoryEvent, at time.Time, activity string, result *commonpb.Payloads) error {
	switch activity {
	case "AssessSeverity":
		var d activities.SeverityDecision
		if err := decodeFirst(result, &d); err != nil {
			return fmt.Errorf("decode severity decision: %w", err)
		}
		outcome := string(d.Severity)
		if d.Overridden {
			outcome += " (override)"
		}
		r.decide(e, at, review.Decision{Policy: review.PolicySeverity, Outcome: outcome, Reasons: d.Reasons, Revision: d.PolicyRevision, Severity: d.Severity})
		r.entry(e, fmt.Sprintf("severity policy: %s (%s)", outcome, strings.Join(d.Reasons, "; ")))
	case "DecideEngagement":
		var p incident.EngagementPlan
		if err := decodeFirst(result, &p); err != nil {
			return fmt.Errorf("decode engagement plan: %w", err)
		}
		outcome := engagementOutcome(p)
		r.decide(e, at, review.Decision{
			Policy: review.PolicyEngagement, Outcome: outcome, Reasons: p.Reasons, Revision: p.PolicyRevision,
			ResponseTarget: p.ResponseTarget, ResolutionTarget: p.ResolutionTarget,
		})
		r.entry(e, "engagement policies: "+outcome)
	case "ResolveOnCall":
		var oc activities.OnCall
		if err := decodeFirst(result, &oc); err != nil {
			return fmt.Errorf("decode who is on call: %w", err)
		}
		var people []string
		for _, c := range oc.Contacts {
			r.teams[c.Person] = c.Team
			people = append(people, fmt.Sprintf("%s (%s)", c.Person, c.Team))
		}
		people = append(people, oc.Unreachable...)
		r.entry(e, "on call: "+orWords(strings.Join(people, ", "), "nobody"))
	default:
		r.entry(e, orWords(activity, "activity")+" completed")
	}
	return nil
}

// engagementOutcome describes an engagement plan in a few words.
func engagementOutcome(p incident.EngagementPlan) string {
	timeouts := make([]string, len(p.AckTimeouts))
	for i, t := range p.AckTimeouts {
		timeouts[i] = t.String()
	}
	text := fmt.Sprintf("%d levels (ack within %s), %d repeats, respond within %s, resolve within %s",
		p.Levels(), strings.Join(timeouts, ", "), p.Repeats, p.ResponseTarget, p.ResolutionTarget)
	if p.CommanderTeam != "" {
		text += fmt.Sprintf(", commander from %s within %s", p.CommanderTeam, p.CommanderDeadline)
	}
	if p.DeferUntil != nil {
		text += ", paging deferred to " + p.DeferUntil.UTC().Format(time.RFC3339)
	}
	return text
}

// decide records a decision made at event e, by the sender of the update being applied.
func (r *reader) decide(e *historypb.HistoryEvent, at time.Time, d review.Decision) {
	d.At, d.Run, d.EventID = at, r.run, e.GetEventId()
	if r.applying != nil {
		d.By = r.applying.by
	}
	r.in.Decisions = append(r.in.Decisions, d)
}

var levelPattern = regexp.MustCompile(`level-(\d+)$`)

// activityDone reads a completed activity: a page delivered, messages sent, the incident logged.
func (r *reader) activityDone(e *historypb.HistoryEvent, at time.Time, act scheduledActivity, result *commonpb.Payloads) error {
	switch act.name {
	case "PageContact":
		var req activities.ContactRequest
		if err := decodeFirst(act.input, &req); err != nil {
			return fmt.Errorf("decode page: %w", err)
		}
		level := 0
		if m := levelPattern.FindStringSubmatch(req.Step); m != nil {
			level, _ = strconv.Atoi(m[1])
		}
		r.in.Pages = append(r.in.Pages, review.Page{At: at, Person: req.Person, Team: r.teams[req.Person], Method: req.Method, Level: level, Reason: req.Reason})
		r.entry(e, fmt.Sprintf("paged %s via %s", req.Person, req.Method))
	case "PageResponders":
		var req activities.PageRequest
		var res activities.PageResult
		if err := errors.Join(decodeFirst(act.input, &req), decodeFirst(result, &res)); err != nil {
			return fmt.Errorf("decode page: %w", err)
		}
		level := 0
		if m := levelPattern.FindStringSubmatch(req.Step); m != nil {
			level, _ = strconv.Atoi(m[1])
		}
		var people []string
		for _, p := range res.Paged {
			r.in.Pages = append(r.in.Pages, review.Page{At: at, Person: p.Person, Team: p.Team, Method: "all", Level: level, Reason: req.Reason})
			people = append(people, p.Person)
		}
		r.entry(e, "paged "+orWords(strings.Join(people, ", "), "nobody"))
	case "Communicate":
		var req activities.CommunicateRequest
		var sent []incident.Message
		if err := errors.Join(decodeFirst(act.input, &req), decodeFirst(result, &sent)); err != nil {
			return fmt.Errorf("decode messages: %w", err)
		}
		if req.Resolution != "" {
			r.resolution = req.Resolution
		}
		r.in.Messages = append(r.in.Messages, sent...)
		var audiences []string
		for _, m := range sent {
			audiences = append(audiences, m.Audience)
		}
		r.entry(e, fmt.Sprintf("%s messages sent: %s", req.Stage, orWords(strings.Join(audiences, ", "), "none")))
	case "DeliverMessage":
		var req activities.DeliverRequest
		if err := decodeFirst(act.input, &req); err != nil {
			return fmt.Errorf("decode delivery: %w", err)
		}
		if req.Request.Resolution != "" {
			r.resolution = req.Request.Resolution
		}
		key := activities.CommunicateKey(req.Request) + "/" + req.Message.Audience
		if !r.delivered[key] {
			if r.delivered == nil {
				r.delivered = map[string]bool{}
			}
			r.delivered[key] = true
			r.in.Messages = append(r.in.Messages, req.Message)
		}
		r.entry(e, fmt.Sprintf("%s %s message sent via %s", req.Request.Stage, req.Message.Audience, req.Notifier))
	case "RecordIncident":
		var rec incident.TrackingRecord
		if err := decodeFirst(result, &rec); err != nil {
			return fmt.Errorf("decode tracking record: %w", err)
		}
		r.entry(e, fmt.Sprintf("logged in %s as %s", rec.System, rec.Ref))
	default:
		return r.result(e, at, act.name, result)
	}
	return nil
}

// updateAccepted reads a responder's update as a worker accepted it.
func (r *reader) updateAccepted(e *historypb.HistoryEvent) error {
	a := e.GetWorkflowExecutionUpdateAcceptedEventAttributes()
	input := a.GetAcceptedRequest().GetInput()
	req := updateRequest{name: input.GetName(), arg: input.GetArgs()}
	var fields map[string]any
	if err := decodeFirst(req.arg, &fields); err != nil {
		return fmt.Errorf("decode update %s: %w", req.name, err)
	}
	req.by, _ = fields["by"].(string)
	r.updates[a.GetProtocolInstanceId()] = req
	r.applying = &req
	var details []string
	for _, k := range []string{"role", "person", "owner", "severity", "kind", "reason", "text", "summary", "public", "internal"} {
		if v, ok := fields[k].(string); ok && v != "" {
			details = append(details, fmt.Sprintf("%s %q", k, v))
		}
	}
	if impact, ok := fields["impact"]; ok {
		encoded, _ := json.Marshal(impact) // decoded from JSON, so it encodes
		details = append(details, "impact "+string(encoded))
	}
	r.entry(e, strings.TrimSuffix(fmt.Sprintf("%s by %s: %s", req.name, req.by, strings.Join(details, ", ")), ": "))
	return nil
}

// updateCompleted reads an update's outcome and, when it succeeded, what it changed.
func (r *reader) updateCompleted(e *historypb.HistoryEvent, at time.Time) error {
	a := e.GetWorkflowExecutionUpdateCompletedEventAttributes()
	req := r.updates[a.GetMeta().GetUpdateId()]
	r.applying = nil
	if f := a.GetOutcome().GetFailure(); f != nil {
		r.entry(e, fmt.Sprintf("%s refused: %s", req.name, f.GetMessage()))
		return nil
	}
	var out workflows.Outcome
	if err := decodeFirst(a.GetOutcome().GetSuccess(), &out); err != nil {
		return fmt.Errorf("decode outcome of %s: %w", req.name, err)
	}
	r.entry(e, out.Text)
	switch req.name {
	case workflows.UpdateAcknowledge:
		r.in.Acks = append(r.in.Acks, review.Ack{At: at, By: req.by})
	case workflows.UpdateAssign:
		var q workflows.AssignRequest
		if err := decodeFirst(req.arg, &q); err != nil {
			return fmt.Errorf("decode assign: %w", err)
		}
		r.in.Roles = append(r.in.Roles, review.RoleChange{At: at, Role: q.Role, Person: q.Person, By: q.By})
	case workflows.UpdateImpact:
		var q workflows.ImpactRequest
		if err := decodeFirst(req.arg, &q); err != nil {
			return fmt.Errorf("decode impact: %w", err)
		}
		r.in.Impact = r.in.Impact.Merge(q.Impact)
	case workflows.UpdateFollowUp:
		var q workflows.FollowUpRequest
		if err := decodeFirst(req.arg, &q); err != nil {
			return fmt.Errorf("decode follow-up: %w", err)
		}
		r.in.Actions = append(r.in.Actions, review.Action{ID: len(r.in.Actions) + 1, At: at, By: q.By, Owner: q.Owner, Text: q.Text})
	case workflows.UpdateCloseReview:
		var q workflows.CloseReviewRequest
		if err := decodeFirst(req.arg, &q); err != nil {
			return fmt.Errorf("decode close-review: %w", err)
		}
		r.in.ReviewClosed = &review.Resolution{At: at, By: q.By, Summary: q.Summary}
	case workflows.UpdateResolve:
		var q workflows.ResolveRequest
		if err := decodeFirst(req.arg, &q); err != nil {
			return fmt.Errorf("decode resolve: %w", err)
		}
		if r.in.Resolved == nil {
			r.in.Resolved = &review.Resolution{At: at, By: q.By, Summary: q.Summary}
		}
	}
	return nil
}

// searchAttributes reads the status the workflow published: an acknowledgement or a
// resolution that came from the incident's alerts rather than from a responder's update.
func (r *reader) searchAttributes(e *historypb.HistoryEvent, at time.Time) {
	p := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()[workflows.AttrStatus.GetName()]
	if p == nil {
		return
	}
	next := decodeString(p)
	if next == r.status {
		return
	}
	r.status = next
	byUpdate := r.applying != nil
	switch incident.Status(next) {
	case incident.StatusAcknowledged:
		if !byUpdate || r.applying.name != workflows.UpdateAcknowledge {
			r.in.Acks = append(r.in.Acks, review.Ack{At: at})
		}
	case incident.StatusResolved:
		if r.in.Resolved == nil && (!byUpdate || r.applying.name != workflows.UpdateResolve) {
			r.in.Resolved = &review.Resolution{At: at}
		}
	}
}

// runbookEvent reads one event of a runbook run: its approval decisions.
func (r *reader) runbookEvent(workflowID string, e *historypb.HistoryEvent) {
	a := e.GetMarkerRecordedEventAttributes()
	if a == nil || a.GetMarkerName() != "LocalActivity" || a.GetFailure() != nil {
		return
	}
	var la localActivity
	if decodeFirst(a.GetDetails()["data"], &la) != nil || la.ActivityType != "DecideApproval" {
		return
	}
	var out activities.ApprovalOutcome
	if decodeFirst(a.GetDetails()["result"], &out) != nil {
		return
	}
	outcome := "no approval needed"
	if out.Decision.Needed {
		outcome = fmt.Sprintf("%d approval(s) from %s within %ds, then %s", out.Decision.Count,
			strings.Join(out.Eligible, ", "), out.Decision.WaitSeconds, out.Decision.OnTimeout)
	}
	action, _ := out.Input["action"].(string)
	r.in.Decisions = append(r.in.Decisions, review.Decision{
		At: e.GetEventTime().AsTime().UTC(), Run: -1, EventID: e.GetEventId(), Workflow: workflowID, Policy: review.PolicyApproval,
		Outcome: fmt.Sprintf("%s: %s", action, outcome), Reasons: out.Decision.Reasons, Revision: out.PolicyRevision,
	})
}

// summaryOf returns the summary Firebreak gave an activity or timer, as the Web UI shows it.
func summaryOf(e *historypb.HistoryEvent) string {
	return decodeString(e.GetUserMetadata().GetSummary())
}

// decodeFirst decodes the first payload of ps into v.
func decodeFirst(ps *commonpb.Payloads, v any) error {
	if len(ps.GetPayloads()) == 0 {
		return errors.New("no payload")
	}
	return converter.GetDefaultDataConverter().FromPayload(ps.GetPayloads()[0], v)
}

func orWords(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
