package workflows

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/runbook"
)

// changeRunbooks is the change ID of runbook runs in the incident workflow: matching runbooks
// start after assessment, responders start runs, and runs hear of the incident's facts.
const changeRunbooks = "runbooks"

// changeRunbookCarry is the change ID of runs that outlive the incident's run: a run in flight
// no longer holds back a continue-as-new or the close. Its reference is carried into the new
// run, it reports its end by signal (SignalRunbookEnded), and when the incident closes it is
// told so and stops before its next step.
const changeRunbookCarry = "runbook-runs-carried"

// changeRunbookQueue is the change ID of runs started on RunbookTaskQueue; earlier runs ran on
// TaskQueue, beside the incidents.
const changeRunbookQueue = "runbook-task-queue"

// maxCarriedRuns bounds the finished runs whose references a continue-as-new carries, beside
// every run still in flight.
const maxCarriedRuns = 20

// maxRunbookArgs bounds the params a responder gives a run.
const maxRunbookArgs = runbook.MaxParams

// RunbookRunRequest starts a run of a runbook in an incident.
type RunbookRunRequest struct {
	By     string            `json:"by"`
	Name   string            `json:"name"`
	Params map[string]string `json:"params,omitempty"`
	Expiry
}

// RunbookRunRef is one run of a runbook in an incident, as the runbook-runs query lists it.
type RunbookRunRef struct {
	Run        int    `json:"run"`
	Runbook    string `json:"runbook"`
	WorkflowID string `json:"workflow_id"`
	Requester  string `json:"requester"`
	// State is running until the run ends, then its outcome.
	State string `json:"state"`
	child workflow.ChildWorkflowFuture
}

// runbookRuns is the incident's side of its runbook runs.
type runbookRuns struct {
	enabled bool
	// carry is set from changeRunbookCarry: runs do not hold the incident's run open.
	carry bool
	count int
	runs  []*RunbookRunRef
	facts string
	// catalog is the worker's runbooks, which the run update's validator checks requests
	// against; nil when the worker registered the incident without them (IncidentWithRunbooks).
	catalog activities.RunbookSource
}

// runbookCatalogKey is the workflow context key of the worker's runbooks.
type runbookCatalogKey struct{}

// IncidentWithRunbooks returns the incident workflow with the worker's runbooks at hand, so
// that the runbook-run update's validator rejects an unknown runbook or params that do not fit
// it before anything is recorded. Validators do not run on replay, so what they read need not
// be deterministic; nothing else reads the runbooks.
func IncidentWithRunbooks(catalog activities.RunbookSource) func(workflow.Context, IncidentInput) (Summary, error) {
	return func(ctx workflow.Context, in IncidentInput) (Summary, error) {
		return Incident(workflow.WithValue(ctx, runbookCatalogKey{}, catalog), in)
	}
}

// registerRunbookHandlers sets the runbook-runs query, the runbook-run update and the
// escalation signal runs send when an approval times out.
func (r *incidentRun) registerRunbookHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryRunbookRuns, func() ([]*RunbookRunRef, error) { return r.runbooks.runs, nil }); err != nil {
		return fmt.Errorf("set query handler: %w", err)
	}
	check := func(q RunbookRunRequest) error {
		if !r.runbooks.enabled {
			return errors.New("this incident started before runbook runs existed: open a new incident to run runbooks")
		}
		if err := r.state.CheckOpen(q.By); err != nil {
			return err
		}
		if strings.TrimSpace(q.Name) == "" || len(q.Name) > runbook.MaxNameLen {
			return errors.New("name the runbook to run")
		}
		if len(q.Params) > maxRunbookArgs {
			return fmt.Errorf("%d params given; a runbook takes at most %d", len(q.Params), maxRunbookArgs)
		}
		return r.checkRunbookRequest(q)
	}
	r.runbooks.catalog, _ = ctx.Value(runbookCatalogKey{}).(activities.RunbookSource)
	if r.runbooks.carry {
		ended := workflow.GetSignalChannel(ctx, SignalRunbookEnded)
		workflow.Go(ctx, func(ctx workflow.Context) {
			for {
				var e RunbookEnded
				ended.Receive(ctx, &e)
				r.runEnded(ctx, e)
			}
		})
	}
	escalations := workflow.GetSignalChannel(ctx, SignalRunbookEscalate)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var e RunbookEscalation
			escalations.Receive(ctx, &e)
			r.commands.Send(ctx, &command{apply: func(ctx workflow.Context) (string, error) {
				if r.state.ResolvedAt != nil {
					return "", nil
				}
				level, _ := r.state.Escalate(workflow.Now(ctx), automaticRequester, e.Reason)
				r.pageLevel(ctx, level, e.Reason)
				return "", nil
			}})
		}
	})
	return setUpdate(ctx, r, UpdateRunbookRun, check, func(ctx workflow.Context, q RunbookRunRequest) (string, error) {
		return r.runRunbooks(ctx, q.By, q.Name, q.Params)
	})
}

// checkRunbookRequest rejects a run of a runbook the worker does not have, or with params that
// do not fit it (unknown, missing, or not of the param's type), naming each problem. Without
// the worker's runbooks at hand it accepts, and the run's start reports the problem instead.
func (r *incidentRun) checkRunbookRequest(q RunbookRunRequest) error {
	if r.runbooks.catalog == nil {
		return nil
	}
	c, ok := r.runbooks.catalog.Runbook(q.Name)
	if !ok {
		var names []string
		for _, c := range r.runbooks.catalog.All() {
			names = append(names, c.Runbook().Name)
		}
		known := "; this worker has no runbooks"
		if len(names) > 0 {
			known = "; runbooks: " + strings.Join(names, ", ")
		}
		return fmt.Errorf("unknown runbook %q%s", incident.Truncate(q.Name, runbook.MaxNameLen), known)
	}
	_, err := c.BindParams(q.Params, r.runbookIncident()) //workflowcheck:ignore
	if err != nil {
		return fmt.Errorf("runbook %s: %s", q.Name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

// runbookIncident is what runbooks see of the incident.
func (r *incidentRun) runbookIncident() runbook.Incident {
	s := &r.state
	return runbook.Incident{Key: s.Key, Service: s.Service, Type: s.Type, Severity: s.Severity, Title: s.Title, Labels: s.Labels}
}

func (r *incidentRun) runbookFacts() RunbookFacts {
	s := &r.state
	return RunbookFacts{Severity: s.Severity, Roles: maps.Clone(s.Roles), AlertsResolved: s.AlertBook.AllResolved()}
}

// startMatchingRunbooks starts every runbook that matches the assessed incident.
func (r *incidentRun) startMatchingRunbooks(ctx workflow.Context) {
	if _, err := r.runRunbooks(ctx, automaticRequester, "", nil); err != nil {
		r.record(ctx, "runbook", "", "could not find the runbooks matching this incident: "+failure(err))
	}
}

// runRunbooks finds the runbook called name (or, without a name, every matching one) through
// a local activity and starts a run of each as a child workflow.
func (r *incidentRun) runRunbooks(ctx workflow.Context, by, name string, args map[string]string) (string, error) {
	var ra *activities.RunbookActivities
	var found activities.FoundRunbooks
	summary := "find the runbooks matching the incident"
	if name != "" {
		summary = "find runbook " + name
	}
	err := workflow.ExecuteLocalActivity(decisionCtx(ctx, summary), ra.FindRunbooks,
		activities.FindRunbooksRequest{Incident: r.runbookIncident(), Name: name, Args: args}).Get(ctx, &found)
	if err != nil {
		return "", errors.New(failure(err))
	}
	for _, skipped := range found.Skipped {
		r.record(ctx, "runbook", "", "runbook not started: "+skipped)
	}
	var started []string
	for _, f := range found.Runs {
		started = append(started, r.startRunbook(ctx, by, f))
	}
	if len(started) == 0 {
		return "no runbook matches this incident", nil
	}
	return "started " + strings.Join(started, ", "), nil
}

// startRunbook starts one run as a child workflow and records its outcome when it ends; a run
// whose undo failed pages the commander.
func (r *incidentRun) startRunbook(ctx workflow.Context, by string, f activities.FoundRunbook) string {
	r.runbooks.count++
	n := r.runbooks.count
	id := RunbookWorkflowID(r.state.Key, f.Runbook.Name, n)
	ref := &RunbookRunRef{Run: n, Runbook: f.Runbook.Name, WorkflowID: id, Requester: by, State: RunRunning}
	r.runbooks.runs = append(r.runbooks.runs, ref)
	queue := TaskQueue
	if changed(ctx, changeRunbookQueue) {
		queue = RunbookTaskQueue
	}
	childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        id,
		TaskQueue:         queue,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:     fmt.Sprintf("runbook %s, run %d of incident %s", f.Runbook.Name, n, r.state.Key),
	})
	facts := r.runbookFacts()
	in := RunbookInput{Runbook: f.Runbook, Params: f.Params, Incident: r.runbookIncident(), Facts: facts, Run: n, Requester: by}
	if r.runbooks.carry {
		in.ReportTo = WorkflowID(r.state.Key)
	}
	child := workflow.ExecuteChildWorkflow(childCtx, RunbookWorkflowName, in)
	ref.child = child
	if !slices.ContainsFunc(r.runbooks.runs[:len(r.runbooks.runs)-1], func(ref *RunbookRunRef) bool { return ref.State == RunRunning }) {
		r.runbooks.facts = factsKey(facts)
	}
	r.record(ctx, "runbook", by, fmt.Sprintf("runbook %s run %d started (%s, workflow %s)", f.Runbook.Name, n, f.Runbook.Hash, id))
	r.inFlight++
	if r.runbooks.carry {
		// The run holds the incident's run open only until it has started; from then on it
		// reports its end by signal, to whichever run of the incident is current.
		workflow.Go(ctx, func(ctx workflow.Context) {
			err := child.GetChildWorkflowExecution().Get(ctx, nil)
			r.inFlight--
			r.settle()
			if err != nil {
				r.runEnded(ctx, RunbookEnded{Run: n, Runbook: f.Runbook.Name, WorkflowID: id, State: RunFailed, Error: "could not start: " + failure(err)})
				return
			}
			var status RunbookStatus
			if err := child.Get(ctx, &status); err != nil {
				r.runEnded(ctx, RunbookEnded{Run: n, Runbook: f.Runbook.Name, WorkflowID: id, State: RunFailed, Error: failure(err)})
				return
			}
			r.runEnded(ctx, endedFrom(id, status))
		})
		return fmt.Sprintf("%s as run %d", f.Runbook.Name, n)
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer r.settle()
		defer func() { r.inFlight-- }()
		var status RunbookStatus
		err := child.Get(ctx, &status)
		if err != nil {
			ref.State = RunFailed
			r.record(ctx, "runbook", "", fmt.Sprintf("runbook %s run %d failed: %s", f.Runbook.Name, n, failure(err)))
			return
		}
		ref.State = status.State
		text := fmt.Sprintf("runbook %s run %d %s", f.Runbook.Name, n, status.State)
		if status.Error != "" {
			text += ": " + status.Error
		}
		r.record(ctx, "runbook", "", text)
		if len(status.UndoFailed) > 0 {
			reason := fmt.Sprintf("runbook %s run %d could not undo: %s", f.Runbook.Name, n, strings.Join(status.UndoFailed, "; "))
			r.record(ctx, "runbook", "", reason)
			r.pageCommander(ctx, fmt.Sprintf("runbook-%d/undo-failed", n), reason)
		}
	})
	return fmt.Sprintf("%s as run %d", f.Runbook.Name, n)
}

// runEnded records how a run ended, once: the run's own signal and, in the incident run that
// started it, the child's completion both report it. An end of a run this incident does not
// know (one of an earlier incident under the same key) is ignored.
func (r *incidentRun) runEnded(ctx workflow.Context, e RunbookEnded) {
	i := slices.IndexFunc(r.runbooks.runs, func(ref *RunbookRunRef) bool { return ref.Run == e.Run && ref.WorkflowID == e.WorkflowID })
	if i < 0 || r.runbooks.runs[i].State != RunRunning {
		return
	}
	ref := r.runbooks.runs[i]
	ref.State = e.State
	text := fmt.Sprintf("runbook %s run %d %s", ref.Runbook, ref.Run, e.State)
	if e.Error != "" {
		text += ": " + e.Error
	}
	if len(e.DryRun) > 0 {
		text += fmt.Sprintf(" (dry run: the approval policy only plans in this environment; %s shown, not run)", strings.Join(e.DryRun, ", "))
	}
	r.record(ctx, "runbook", "", incident.Truncate(text, incident.MaxTextLen))
	if len(e.UndoFailed) > 0 {
		reason := fmt.Sprintf("runbook %s run %d could not undo: %s", ref.Runbook, ref.Run, strings.Join(e.UndoFailed, "; "))
		r.record(ctx, "runbook", "", incident.Truncate(reason, incident.MaxTextLen))
		r.pageCommander(ctx, fmt.Sprintf("runbook-%d/undo-failed", ref.Run), incident.Truncate(reason, incident.MaxTextLen))
	}
	r.settle()
}

// adoptRuns decides from changeRunbookCarry whether runs outlive the incident's run, and takes
// on the runs an earlier run of the incident carried.
func (r *incidentRun) adoptRuns(ctx workflow.Context, carried []RunbookRunRef) {
	if !r.runbooks.enabled {
		return
	}
	r.runbooks.carry = changed(ctx, changeRunbookCarry)
	for _, ref := range carried {
		r.runbooks.runs = append(r.runbooks.runs, &ref)
	}
}

// nextIncident returns the input of the incident that follows this resolved one under the same
// key: its runs are told the incident closed, and run numbers go on from this incident's, so
// that no run's workflow ID repeats.
func (r *incidentRun) nextIncident(ctx workflow.Context) IncidentInput {
	next := *r.next
	if r.runbooks.carry {
		r.closeRuns(ctx)
		next.RunbookRuns = r.runbooks.count
	}
	return next
}

// carriedRuns returns the references a continue-as-new carries: every run in flight and the
// latest finished ones; none before changeRunbookCarry, when runs held the run open.
func (r *incidentRun) carriedRuns() []RunbookRunRef {
	if !r.runbooks.carry {
		return nil
	}
	var out []RunbookRunRef
	finished := 0
	for _, ref := range slices.Backward(r.runbooks.runs) {
		if ref.State != RunRunning {
			if finished == maxCarriedRuns {
				continue
			}
			finished++
		}
		out = append(out, *ref)
	}
	slices.Reverse(out)
	return out
}

// closeRuns tells every run still in flight that the incident has closed, so that it stops
// before its next step instead of waiting for approvals nobody will give, and waits until each
// has been told (a run that ended meanwhile is not there to tell).
func (r *incidentRun) closeRuns(ctx workflow.Context) {
	if !r.runbooks.carry {
		return
	}
	facts := r.runbookFacts()
	facts.Closed = true
	var sent []workflow.Future
	for _, ref := range r.runbooks.runs {
		if ref.State != RunRunning {
			continue
		}
		r.record(ctx, "runbook", "", fmt.Sprintf("runbook %s run %d was still running when the incident closed: it starts no further step", ref.Runbook, ref.Run))
		sent = append(sent, r.signalRun(ctx, ref, facts))
	}
	for _, f := range sent {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("could not tell a runbook run the incident closed", "error", err)
		}
	}
}

// signalRun sends a run the incident's facts: as its parent, or, for a run carried from an
// earlier run of the incident, by its workflow ID.
func (r *incidentRun) signalRun(ctx workflow.Context, ref *RunbookRunRef, facts RunbookFacts) workflow.Future {
	if ref.child != nil {
		return ref.child.SignalChildWorkflow(ctx, SignalRunbookFacts, facts)
	}
	return workflow.SignalExternalWorkflow(ctx, ref.WorkflowID, "", SignalRunbookFacts, facts)
}

// pageCommander pages the incident's commander, or the team that provides one.
func (r *incidentRun) pageCommander(ctx workflow.Context, step, reason string) {
	s := &r.state
	var target incident.Target
	switch {
	case s.Roles[incident.RoleCommander] != "":
		target.Person = s.Roles[incident.RoleCommander]
	case s.Plan.CommanderTeam != "":
		target.Team = s.Plan.CommanderTeam
	default:
		r.record(ctx, "runbook", "", "no commander to page: "+reason)
		return
	}
	r.page(ctx, step, []incident.Target{target}, reason, "runbook undo failed")
}

// syncRunbooks tells the running runs when the incident's severity, roles or alerts changed.
func (r *incidentRun) syncRunbooks(ctx workflow.Context) {
	if !r.runbooks.enabled || !slices.ContainsFunc(r.runbooks.runs, func(ref *RunbookRunRef) bool { return ref.State == RunRunning }) {
		return
	}
	facts := r.runbookFacts()
	key := factsKey(facts)
	if key == r.runbooks.facts {
		return
	}
	r.runbooks.facts = key
	for _, ref := range r.runbooks.runs {
		if ref.State == RunRunning && (ref.child != nil || r.runbooks.carry) {
			r.signalRun(ctx, ref, facts)
		}
	}
}

// factsKey identifies facts, to tell when they change.
func factsKey(f RunbookFacts) string {
	return fmt.Sprint(f.Severity, f.Roles, f.AlertsResolved)
}
