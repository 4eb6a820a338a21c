package workflows

import (
	"errors"
	"fmt"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/runbook"
)

// What a planned step would do.
const (
	// PlanRun means the step would run (after its approval, when it needs one).
	PlanRun = "run"
	// PlanSkip means the step's condition is false, so it would be skipped.
	PlanSkip = "skip"
	// PlanDryRun means the approval policy makes the step a dry run in this environment.
	PlanDryRun = "dry_run"
	// PlanAtRunTime means the step's condition uses outputs of earlier steps, so only the run decides.
	PlanAtRunTime = "decided_at_run_time"
	// PlanFail means the step's condition or parameters cannot be evaluated, so the run would fail there.
	PlanFail = "fail"
)

// RunbookPlan is what a run of a runbook would do in an incident as it stands, worked out without
// running anything: each step's condition, resolved parameters, approval decision and undo.
type RunbookPlan struct {
	Runbook     string            `json:"runbook"`
	Hash        string            `json:"hash"`
	Incident    string            `json:"incident"`
	Run         int               `json:"run"`
	Requester   string            `json:"requester"`
	Severity    incident.Severity `json:"severity"`
	Environment string            `json:"environment"`
	Params      map[string]any    `json:"params"`
	Steps       []PlannedStep     `json:"steps"`
	// Approvals counts the steps that would wait for an approval.
	Approvals int `json:"approvals"`
	// Calls counts the steps that would call something outside Firebreak.
	Calls int `json:"calls"`
}

// PlannedStep is one step of a plan.
type PlannedStep struct {
	ID     string `json:"id"`
	Action string `json:"action"`
	// Block numbers the parallel block the step is in, from 1; 0 when it is in none.
	Block int `json:"block,omitempty"`
	// Outcome is PlanRun, PlanSkip, PlanDryRun, PlanAtRunTime or PlanFail.
	Outcome string `json:"outcome"`
	// When is the step's condition and what it evaluated to now, or why it cannot be yet.
	When       string `json:"when,omitempty"`
	WhenResult string `json:"when_result,omitempty"`
	// Calls says whether the step calls something outside Firebreak (a provider, a notifier or
	// a URL) rather than waiting on a timer or on the incident.
	Calls   bool           `json:"calls"`
	Summary string         `json:"summary,omitempty"`
	With    map[string]any `json:"with,omitempty"`
	// Pending says why the parameters are shown as written: they use outputs of steps that have
	// not run, and are resolved when the run reaches the step.
	Pending        string           `json:"pending,omitempty"`
	Error          string           `json:"error,omitempty"`
	IdempotencyKey string           `json:"idempotency_key,omitempty"`
	Approval       *PlannedApproval `json:"approval,omitempty"`
	Undo           *PlannedUndo     `json:"undo,omitempty"`
}

// PlannedApproval is the approval policy's decision for a step, the people who could approve
// and the revision of the policy that decided.
type PlannedApproval struct {
	Decision       policies.ApprovalDecision `json:"decision"`
	Eligible       []string                  `json:"eligible"`
	PolicyRevision string                    `json:"policy_revision"`
}

// PlannedUndo is the compensating step a planned step would have.
type PlannedUndo struct {
	Action  string         `json:"action"`
	Summary string         `json:"summary,omitempty"`
	With    map[string]any `json:"with,omitempty"`
	Pending string         `json:"pending,omitempty"`
}

// ApprovalDecider decides a step's approval as the DecideApproval activity would.
type ApprovalDecider func(activities.ApprovalRequest) (activities.ApprovalOutcome, error)

// PlanRunbook works out what the run in would do, step by step, through the same condition,
// parameter, approval and idempotency-key code the Runbook workflow uses, and calls nothing
// but decide. No step runs, so a step's outputs are unknown to the steps after it: what
// depends on them is shown as written and marked as decided at run time.
func PlanRunbook(in RunbookInput, decide ApprovalDecider) (RunbookPlan, error) {
	compiled, err := runbook.Compile(&in.Runbook)
	if err != nil {
		return RunbookPlan{}, fmt.Errorf("plan runbook %s: %w", in.Runbook.Name, err)
	}
	plan := RunbookPlan{
		Runbook: in.Runbook.Name, Hash: in.Runbook.Hash, Incident: in.Incident.Key, Run: in.Run,
		Requester: in.Requester, Severity: in.Facts.Severity, Environment: runEnvironment(in), Params: in.Params,
	}
	scope := runbook.Scope{Params: in.Params, Incident: in.Incident, Outputs: map[string]map[string]any{}}
	block := 0
	for _, entry := range in.Runbook.Steps {
		group, b := []runbook.Step{entry}, 0
		if entry.IsParallel() {
			block++
			group, b = entry.Parallel, block
		}
		for _, step := range group {
			s, _ := compiled.Step(step.ID)
			ps, err := planStep(in, scope, s, decide)
			if err != nil {
				return RunbookPlan{}, err
			}
			ps.Block = b
			if ps.Approval != nil && ps.Approval.Decision.Needed && ps.Outcome != PlanSkip && ps.Outcome != PlanFail {
				plan.Approvals++
			}
			if ps.Calls && (ps.Outcome == PlanRun || ps.Outcome == PlanAtRunTime) {
				plan.Calls++
			}
			plan.Steps = append(plan.Steps, ps)
		}
	}
	return plan, nil
}

// planStep works out one step.
func planStep(in RunbookInput, scope runbook.Scope, s *runbook.CompiledStep, decide ApprovalDecider) (PlannedStep, error) {
	ps := PlannedStep{ID: s.ID, Action: s.Action.Name, Outcome: PlanRun, When: s.Step.When, Calls: callsOut(s.Action.Name)}
	if s.Step.When != "" {
		ok, err := s.When(scope)
		switch {
		case errors.Is(err, runbook.ErrStepNotRun):
			ps.Outcome, ps.WhenResult = PlanAtRunTime, "decided when the run reaches the step: "+err.Error()
		case err != nil:
			ps.Outcome, ps.Error = PlanFail, err.Error()
			return ps, nil
		case !ok:
			ps.Outcome, ps.WhenResult = PlanSkip, "false"
			return ps, nil
		default:
			ps.WhenResult = "true"
		}
	}
	with, err := s.With(scope)
	switch {
	case errors.Is(err, runbook.ErrStepNotRun):
		ps.With, ps.Pending = s.Step.With, "resolved when the run reaches the step: "+err.Error()
	case err != nil:
		ps.Outcome, ps.Error = PlanFail, err.Error()
		return ps, nil
	default:
		ps.With, ps.Summary = with, stepSummary(s.Action.Name, with)
	}
	if ps.Calls {
		ps.IdempotencyKey = stepKey(in, s.ID)
	}
	if needsApprovalDecision(s) {
		out, err := decide(approvalRequest(in, s))
		if err != nil {
			return PlannedStep{}, fmt.Errorf("decide approval of step %s: %w", s.ID, err)
		}
		ps.Approval = &PlannedApproval{Decision: out.Decision, Eligible: out.Eligible, PolicyRevision: out.PolicyRevision}
		if out.Decision.DryRun {
			ps.Outcome = PlanDryRun
		}
	}
	if u := s.Undo(); u != nil {
		pu := &PlannedUndo{Action: u.Action.Name}
		uwith, err := u.With(scope)
		switch {
		case err == nil:
			pu.With, pu.Summary = uwith, "undo "+s.ID+": "+stepSummary(u.Action.Name, uwith)
		case errors.Is(err, runbook.ErrStepNotRun):
			pu.With, pu.Pending = u.Step.With, "resolved if the undo runs: "+err.Error()
		default:
			pu.With, pu.Pending = u.Step.With, "cannot be resolved: "+err.Error()
		}
		ps.Undo = pu
	}
	return ps, nil
}

// callsOut reports whether an action calls something outside Firebreak; approval, wait and
// wait_alerts_resolved only wait.
func callsOut(action string) bool {
	switch action {
	case "approval", "wait", "wait_alerts_resolved":
		return false
	}
	return true
}
