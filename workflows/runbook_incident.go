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
	count   int
	runs    []*RunbookRunRef
	facts   string
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
		return nil
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
	childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        id,
		TaskQueue:         TaskQueue,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:     fmt.Sprintf("runbook %s, run %d of incident %s", f.Runbook.Name, n, r.state.Key),
	})
	facts := r.runbookFacts()
	child := workflow.ExecuteChildWorkflow(childCtx, RunbookWorkflowName, RunbookInput{
		Runbook: f.Runbook, Params: f.Params, Incident: r.runbookIncident(), Facts: facts, Run: n, Requester: by,
	})
	ref.child = child
	if !slices.ContainsFunc(r.runbooks.runs[:len(r.runbooks.runs)-1], func(ref *RunbookRunRef) bool { return ref.State == RunRunning }) {
		r.runbooks.facts = factsKey(facts)
	}
	r.record(ctx, "runbook", by, fmt.Sprintf("runbook %s run %d started (%s, workflow %s)", f.Runbook.Name, n, f.Runbook.Hash, id))
	r.inFlight++
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
		if ref.State == RunRunning && ref.child != nil {
			ref.child.SignalChildWorkflow(ctx, SignalRunbookFacts, facts)
		}
	}
}

// factsKey identifies facts, to tell when they change.
func factsKey(f RunbookFacts) string {
	return fmt.Sprint(f.Severity, f.Roles, f.AlertsResolved)
}
