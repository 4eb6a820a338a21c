package workflows

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/aws"
	"github.com/firebreak-dev/firebreak/activities/github"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/runbook"
)

// RunbookWorkflowName is the registered name of the runbook run workflow.
const RunbookWorkflowName = "Runbook"

// Names of a runbook run's handlers, and of the incident's handlers for runs.
const (
	// QueryRunbookStatus returns a run's RunbookStatus.
	QueryRunbookStatus = "runbook-status"
	// UpdateApproveStep approves a step that awaits approval (StepVote).
	UpdateApproveStep = "approve-step"
	// UpdateRejectStep rejects a step that awaits approval (StepVote).
	UpdateRejectStep = "reject-step"
	// SignalRunbookFacts tells a run that the incident's facts changed (RunbookFacts).
	SignalRunbookFacts = "runbook-facts"
	// UpdateRunbookRun starts a run of a runbook in an incident (RunbookRunRequest).
	UpdateRunbookRun = "runbook-run"
	// QueryRunbookRuns returns an incident's runs ([]RunbookRunRef).
	QueryRunbookRuns = "runbook-runs"
	// SignalRunbookEscalate asks the incident to escalate for an approval nobody gave in time
	// (RunbookEscalation).
	SignalRunbookEscalate = "runbook-escalate"
	// SignalRunbookEnded tells the incident that one of its runs ended (RunbookEnded), so that an
	// incident that continued as new while the run was in flight still learns its outcome.
	SignalRunbookEnded = "runbook-ended"
)

// automaticRequester is who asks for a run that started because its runbook matched.
const automaticRequester = "firebreak"

// RunbookWorkflowID returns the workflow ID of run n of a runbook in an incident.
func RunbookWorkflowID(key, name string, n int) string {
	return fmt.Sprintf("%s/runbook/%s/%d", WorkflowID(key), name, n)
}

// RunbookFacts are the incident's facts a run depends on: its severity (for approvals), its
// roles (who may approve) and whether every alert has resolved (wait_alerts_resolved).
type RunbookFacts struct {
	Severity       incident.Severity        `json:"severity"`
	Roles          map[incident.Role]string `json:"roles,omitempty"`
	AlertsResolved bool                     `json:"alerts_resolved"`
	// Closed says the incident has closed: the run starts no further step, a step awaiting
	// approval is cancelled, and the completed steps are kept (not undone).
	Closed bool `json:"closed,omitempty"`
}

// RunbookInput starts a runbook run: the definition as it was when the run started (with its
// content hash), the params, the incident and the run's number in the incident.
type RunbookInput struct {
	Runbook   runbook.Runbook  `json:"runbook"`
	Params    map[string]any   `json:"params"`
	Incident  runbook.Incident `json:"incident"`
	Facts     RunbookFacts     `json:"facts"`
	Run       int              `json:"run"`
	Requester string           `json:"requester"`
	// ReportTo is the incident's workflow ID, which the run signals (SignalRunbookEnded) when it
	// ends; empty for runs started before incidents carried runs across continue-as-new.
	ReportTo string `json:"report_to,omitempty"`
}

// RunbookEnded is how a run ended, as it tells its incident.
type RunbookEnded struct {
	Run        int      `json:"run"`
	Runbook    string   `json:"runbook"`
	WorkflowID string   `json:"workflow_id"`
	State      string   `json:"state"`
	Error      string   `json:"error,omitempty"`
	UndoFailed []string `json:"undo_failed,omitempty"`
	// DryRun lists the steps the approval policy made dry runs: shown, not run.
	DryRun []string `json:"dry_run,omitempty"`
}

// Step states.
const (
	StepPending          = "pending"
	StepSkipped          = "skipped"
	StepAwaitingApproval = "awaiting_approval"
	StepRunning          = "running"
	StepSucceeded        = "succeeded"
	StepFailed           = "failed"
	StepRejected         = "rejected"
	StepDryRun           = "dry_run"
	StepUndone           = "undone"
	StepUndoFailed       = "undo_failed"
	// StepCancelled is a step that never ran because the incident closed first.
	StepCancelled = "cancelled"
)

// Run outcomes.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
	RunRejected  = "rejected"
	// RunCancelled is a run the incident's close stopped: no further step started and the
	// completed ones were kept.
	RunCancelled = "cancelled"
)

// ApprovalState is where a step's approval stands.
type ApprovalState struct {
	Decision   policies.ApprovalDecision `json:"decision"`
	Eligible   []string                  `json:"eligible"`
	ApprovedBy []string                  `json:"approved_by,omitempty"`
	RejectedBy string                    `json:"rejected_by,omitempty"`
	Reason     string                    `json:"reason,omitempty"`
	Deadline   time.Time                 `json:"deadline,omitzero"`
	Escalated  bool                      `json:"escalated,omitempty"`
	// Facts are the severity and environment the decision was made for; a change re-requests it.
	Severity    incident.Severity `json:"severity"`
	Environment string            `json:"environment"`
	Requests    int               `json:"requests"`
}

// StepStatus is one step's state in a run.
type StepStatus struct {
	ID       string         `json:"id"`
	Action   string         `json:"action"`
	State    string         `json:"state"`
	Summary  string         `json:"summary,omitempty"`
	With     map[string]any `json:"with,omitempty"`
	Outputs  map[string]any `json:"outputs,omitempty"`
	Error    string         `json:"error,omitempty"`
	Approval *ApprovalState `json:"approval,omitempty"`
	Undo     string         `json:"undo,omitempty"`
	// wake is signalled when a vote arrives or the facts change.
	wake workflow.Channel
}

// RunbookStatus is a run's state: the runbook and its hash, each step's state in order, the
// outcome and the undo steps that failed.
type RunbookStatus struct {
	Runbook    string        `json:"runbook"`
	Hash       string        `json:"hash"`
	Run        int           `json:"run"`
	Requester  string        `json:"requester"`
	State      string        `json:"state"`
	Error      string        `json:"error,omitempty"`
	Steps      []*StepStatus `json:"steps"`
	UndoFailed []string      `json:"undo_failed,omitempty"`
}

// StepVote approves or rejects a step.
type StepVote struct {
	Step   string `json:"step"`
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
	Expiry
}

// RunbookEscalation asks the incident to escalate because an approval timed out.
type RunbookEscalation struct {
	Run    int    `json:"run"`
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// runbookRun is one run of the runbook workflow.
type runbookRun struct {
	in       RunbookInput
	compiled *runbook.Compiled
	scope    runbook.Scope
	status   RunbookStatus
	steps    map[string]*StepStatus
	done     []*runbook.CompiledStep
	parentID string
	// factWaiters wake the steps that wait on the incident's facts.
	factWaiters []workflow.Channel
}

// Runbook runs one runbook in an incident, as a child of the incident's workflow: each step an
// activity (or a durable timer or wait) named for what it does, approvals as the approval
// policy decides, parallel blocks together, and the completed steps' undo steps in reverse order
// when a step fails. Its definition is its input, so editing the file never changes it.
func Runbook(ctx workflow.Context, in RunbookInput) (RunbookStatus, error) {
	compiled, err := compileRunbook(&in.Runbook) //workflowcheck:ignore
	if err != nil {
		msg := "compile runbook: " + err.Error()
		reportEnded(ctx, in, RunbookStatus{Runbook: in.Runbook.Name, Run: in.Run, State: RunFailed, Error: msg})
		return RunbookStatus{}, temporal.NewNonRetryableApplicationError(msg, "BadInput", nil)
	}
	r := &runbookRun{
		in: in, compiled: compiled,
		scope:  runbook.Scope{Params: in.Params, Incident: in.Incident, Outputs: map[string]map[string]any{}},
		status: RunbookStatus{Runbook: in.Runbook.Name, Hash: in.Runbook.Hash, Run: in.Run, Requester: in.Requester, State: RunRunning},
		steps:  map[string]*StepStatus{},
	}
	if info := workflow.GetInfo(ctx); info.ParentWorkflowExecution != nil {
		r.parentID = info.ParentWorkflowExecution.ID
	}
	for _, entry := range in.Runbook.Steps {
		group := []runbook.Step{entry}
		if entry.IsParallel() {
			group = entry.Parallel
		}
		for _, s := range group {
			st := &StepStatus{ID: s.ID, Action: s.Action, State: StepPending, wake: workflow.NewBufferedChannel(ctx, 1)}
			r.steps[s.ID] = st
			r.status.Steps = append(r.status.Steps, st)
		}
	}
	if err := r.registerHandlers(ctx); err != nil {
		return RunbookStatus{}, err
	}
	var failure error
	for _, entry := range in.Runbook.Steps {
		if entry.IsParallel() {
			failure = r.runParallel(ctx, entry.Parallel)
		} else {
			failure = r.runStep(ctx, entry.ID)
		}
		if failure != nil {
			break
		}
	}
	switch {
	case errors.Is(failure, errIncidentClosed):
		// The incident is over: what ran stays, nothing more starts, and nothing is undone.
		r.status.Error = failure.Error()
		r.status.State = RunCancelled
	case failure != nil:
		r.status.Error = failure.Error()
		r.status.State = RunFailed
		if errors.Is(failure, errRejected) {
			r.status.State = RunRejected
		}
		r.undo(ctx)
	default:
		r.status.State = RunSucceeded
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return r.status, err
	}
	reportEnded(ctx, in, r.status)
	return r.status, nil
}

var (
	errRejected       = errors.New("rejected")
	errIncidentClosed = errors.New("the incident closed before the run finished")
)

// reportEnded tells the incident how the run ended, when it asked to be told. The incident may
// have closed since; that is logged, not an error.
func reportEnded(ctx workflow.Context, in RunbookInput, status RunbookStatus) {
	if in.ReportTo == "" {
		return
	}
	ended := endedFrom(workflow.GetInfo(ctx).WorkflowExecution.ID, status)
	err := workflow.SignalExternalWorkflow(ctx, in.ReportTo, "", SignalRunbookEnded, ended).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the incident the run ended", "incident", in.ReportTo, "error", err)
	}
}

// endedFrom summarises a run's final status as its incident is told it.
func endedFrom(workflowID string, s RunbookStatus) RunbookEnded {
	e := RunbookEnded{Run: s.Run, Runbook: s.Runbook, WorkflowID: workflowID, State: s.State, Error: s.Error, UndoFailed: s.UndoFailed}
	for _, st := range s.Steps {
		if st.State == StepDryRun {
			e.DryRun = append(e.DryRun, st.ID)
		}
	}
	return e
}

func (r *runbookRun) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryRunbookStatus, func() (RunbookStatus, error) { return r.status, nil }); err != nil {
		return fmt.Errorf("set query handler: %w", err)
	}
	facts := workflow.GetSignalChannel(ctx, SignalRunbookFacts)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var f RunbookFacts
			facts.Receive(ctx, &f)
			r.in.Facts = f
			r.scope.Incident.Severity = f.Severity
			for _, st := range r.status.Steps {
				st.wake.SendAsync(struct{}{})
			}
			for _, w := range r.factWaiters {
				w.SendAsync(struct{}{})
			}
		}
	})
	for _, name := range []string{UpdateApproveStep, UpdateRejectStep} {
		approve := name == UpdateApproveStep
		err := workflow.SetUpdateHandlerWithOptions(ctx, name,
			func(ctx workflow.Context, v StepVote) (string, error) { return r.vote(v, approve), nil },
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v StepVote) error {
				if e := v.Expires; !e.IsZero() && workflow.Now(ctx).After(e) {
					return ErrExpired
				}
				return r.checkVote(v)
			}})
		if err != nil {
			return fmt.Errorf("set update handler %s: %w", name, err)
		}
	}
	return nil
}

// checkVote rejects a vote on a step that does not await approval, by someone who may not
// approve it, by the requester or by someone who already approved.
func (r *runbookRun) checkVote(v StepVote) error {
	st, ok := r.steps[v.Step]
	if !ok {
		return fmt.Errorf("runbook %s has no step %q", r.in.Runbook.Name, v.Step)
	}
	if st.State != StepAwaitingApproval || st.Approval == nil {
		return fmt.Errorf("step %s is %s, not awaiting approval", st.ID, st.State)
	}
	if strings.TrimSpace(v.By) == "" {
		return errors.New("say who you are with --as")
	}
	if v.By == r.in.Requester {
		return fmt.Errorf("%s asked for this run and cannot approve or reject its steps", v.By)
	}
	if !slices.Contains(st.Approval.Eligible, v.By) {
		if len(st.Approval.Eligible) == 0 {
			return fmt.Errorf("%s may not decide step %s: nobody holds the approver roles (%s) yet", v.By, st.ID, strings.Join(st.Approval.Decision.Approvers, ", "))
		}
		return fmt.Errorf("%s may not decide step %s: the approvers are %s", v.By, st.ID, strings.Join(st.Approval.Eligible, ", "))
	}
	if slices.Contains(st.Approval.ApprovedBy, v.By) {
		return fmt.Errorf("%s already approved step %s", v.By, st.ID)
	}
	return nil
}

// vote records an approval or a rejection and wakes the step.
func (r *runbookRun) vote(v StepVote, approve bool) string {
	st := r.steps[v.Step]
	a := st.Approval
	if approve {
		a.ApprovedBy = append(a.ApprovedBy, v.By)
	} else {
		a.RejectedBy, a.Reason = v.By, v.Reason
	}
	st.wake.SendAsync(struct{}{})
	if !approve {
		return fmt.Sprintf("step %s rejected by %s", st.ID, v.By)
	}
	return fmt.Sprintf("step %s approved by %s (%d of %d)", st.ID, v.By, min(len(a.ApprovedBy), a.Decision.Count), a.Decision.Count)
}

// runParallel runs a parallel block's steps together and returns the first failure.
func (r *runbookRun) runParallel(ctx workflow.Context, steps []runbook.Step) error {
	errs := make([]error, len(steps))
	pending := len(steps)
	for i, s := range steps {
		workflow.Go(ctx, func(ctx workflow.Context) {
			errs[i] = r.runStep(ctx, s.ID)
			pending--
		})
	}
	if err := workflow.Await(ctx, func() bool { return pending == 0 }); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// runStep runs one action step: its condition, its parameters, its approval, then the action.
func (r *runbookRun) runStep(ctx workflow.Context, id string) error {
	st := r.steps[id]
	s, _ := r.compiled.Step(id)
	if r.in.Facts.Closed {
		st.State = StepCancelled
		return errIncidentClosed
	}
	ok, err := s.When(r.scope) //workflowcheck:ignore
	if err != nil {
		return r.fail(st, err)
	}
	if !ok {
		st.State = StepSkipped
		return nil
	}
	with, err := s.With(r.scope) //workflowcheck:ignore
	if err != nil {
		return r.fail(st, err)
	}
	st.With = with
	st.Summary = stepSummary(s.Action.Name, with)
	dryRun := false
	if needsApprovalDecision(s) {
		approved, dry, err := r.approve(ctx, st, s)
		if errors.Is(err, errIncidentClosed) {
			st.State = StepCancelled
			return err
		}
		if err != nil {
			return r.fail(st, err)
		}
		if !approved {
			st.State = StepRejected
			return fmt.Errorf("step %s %w: %s", id, errRejected, st.Approval.Reason)
		}
		dryRun = dry
	}
	if dryRun {
		st.State = StepDryRun
		outputs, err := s.Outputs(r.scope, nil) //workflowcheck:ignore
		if err != nil {
			return r.fail(st, err)
		}
		r.scope.Outputs[id] = outputs
		return nil
	}
	st.State = StepRunning
	result, err := r.execute(ctx, s, with, st.Summary, r.idempotencyKey(id))
	if err != nil {
		return r.fail(st, err)
	}
	if s.Action.Name == "approval" {
		result = map[string]any{"approved_by": approvedBy(st)}
	}
	outputs, err := s.Outputs(r.scope, result) //workflowcheck:ignore
	if err != nil {
		return r.fail(st, err)
	}
	st.Outputs = outputs
	r.scope.Outputs[id] = outputs
	st.State = StepSucceeded
	r.done = append(r.done, s)
	return nil
}

func approvedBy(st *StepStatus) []any {
	out := []any{}
	if st.Approval != nil {
		for _, p := range st.Approval.ApprovedBy {
			out = append(out, p)
		}
	}
	return out
}

func (r *runbookRun) fail(st *StepStatus, err error) error {
	st.State = StepFailed
	st.Error = failure(err)
	return fmt.Errorf("step %s: %s", st.ID, st.Error)
}

func (r *runbookRun) idempotencyKey(stepID string) string { return stepKey(r.in, stepID) }

// stepKey is the idempotency key of a step of a run: the incident, the run and the step.
func stepKey(in RunbookInput, stepID string) string {
	return fmt.Sprintf("%s/run-%d/%s", in.Incident.Key, in.Run, stepID)
}

// needsApprovalDecision reports whether the approval policy is asked about a step: every step
// that changes something, asks for an approval or is an approval.
func needsApprovalDecision(s *runbook.CompiledStep) bool {
	return s.Action.Mutating || s.Action.Name == "approval" || (s.Step.Approval != nil && s.Step.Approval.Required)
}

// environment returns the run's target environment (runEnvironment).
func (r *runbookRun) environment() string { return runEnvironment(r.in) }

// runEnvironment returns a run's target environment: the environment param, else the
// incident's environment label.
func runEnvironment(in RunbookInput) string {
	if env, ok := in.Params["environment"].(string); ok && env != "" {
		return env
	}
	return in.Incident.Labels["environment"]
}

// approvalRequest gives the approval policy the facts of a step of a run.
func approvalRequest(in RunbookInput, s *runbook.CompiledStep) activities.ApprovalRequest {
	return activities.ApprovalRequest{
		Action: s.Action.Name, Mutating: s.Action.Mutating, Requested: s.Step.Approval != nil && s.Step.Approval.Required,
		Environment: runEnvironment(in), Severity: in.Facts.Severity, Requester: in.Requester, Roles: in.Facts.Roles,
	}
}

// approve asks the approval policy about a step and, when it needs approval, waits for it on a
// durable timer. The request is made again when the severity or the environment it was
// decided for changes before the step runs. It returns whether the step may run and whether
// the policy makes it a dry run.
func (r *runbookRun) approve(ctx workflow.Context, st *StepStatus, s *runbook.CompiledStep) (approved, dryRun bool, err error) {
	for {
		outcome, err := r.decideApproval(ctx, s)
		if err != nil {
			return false, false, err
		}
		d := outcome.Decision
		requests := 0
		if st.Approval != nil {
			requests = st.Approval.Requests
		}
		st.Approval = &ApprovalState{Decision: d, Eligible: outcome.Eligible, Severity: r.in.Facts.Severity,
			Environment: r.environment(), Requests: requests + 1}
		if !d.Needed {
			return true, d.DryRun, nil
		}
		result, err := r.awaitVotes(ctx, st, time.Duration(d.WaitSeconds)*time.Second, d.OnTimeout)
		if err == nil && result == voteClosed {
			err = errIncidentClosed
		}
		if err != nil || result != voteRerequest {
			return result == voteApproved, d.DryRun, err
		}
	}
}

type voteResult int

const (
	voteApproved voteResult = iota
	voteRejected
	voteRerequest
	voteClosed
)

// awaitVotes waits for enough approvals, a rejection, changed facts or the deadline.
func (r *runbookRun) awaitVotes(ctx workflow.Context, st *StepStatus, wait time.Duration, onTimeout string) (voteResult, error) {
	a := st.Approval
	st.State = StepAwaitingApproval
	defer func() {
		if st.State == StepAwaitingApproval {
			st.State = StepPending
		}
	}()
	for round := 0; ; round++ {
		timerCtx, cancel := workflow.WithCancel(ctx)
		a.Deadline = workflow.Now(ctx).Add(wait)
		timer := workflow.NewTimerWithOptions(timerCtx, wait, workflow.TimerOptions{
			Summary: fmt.Sprintf("approval deadline for step %s (%d of %d approvers)", st.ID, a.Decision.Count, len(a.Decision.Approvers)),
		})
		timedOut := false
		for !timedOut {
			sel := workflow.NewSelector(ctx)
			sel.AddFuture(timer, func(workflow.Future) { timedOut = true })
			sel.AddReceive(st.wake, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
			sel.Select(ctx)
			switch {
			case timedOut:
			case r.in.Facts.Closed:
				cancel()
				return voteClosed, nil
			case a.RejectedBy != "":
				cancel()
				return voteRejected, nil
			case len(a.ApprovedBy) >= a.Decision.Count:
				cancel()
				return voteApproved, nil
			case r.in.Facts.Severity != a.Severity || r.environment() != a.Environment:
				cancel()
				return voteRerequest, nil
			case !slices.Equal(r.eligibleNow(a), a.Eligible):
				cancel()
				return voteRerequest, nil
			}
		}
		switch {
		case onTimeout == policies.OnTimeoutApprove:
			a.Reason = fmt.Sprintf("approved by policy: nobody objected within %s", wait)
			return voteApproved, nil
		case onTimeout == policies.OnTimeoutEscalate && round == 0:
			a.Escalated = true
			reason := fmt.Sprintf("runbook %s run %d: step %s awaits approval by %s; nobody approved within %s",
				r.in.Runbook.Name, r.in.Run, st.ID, strings.Join(a.Decision.Approvers, " or "), wait)
			if r.parentID != "" {
				err := workflow.SignalExternalWorkflow(ctx, r.parentID, "", SignalRunbookEscalate,
					RunbookEscalation{Run: r.in.Run, Step: st.ID, Reason: reason}).Get(ctx, nil)
				if err != nil {
					workflow.GetLogger(ctx).Warn("could not ask the incident to escalate", "error", err)
				}
			}
			continue
		default:
			a.Reason = fmt.Sprintf("nobody approved within %s", wait)
			if a.Escalated {
				a.Reason += " after escalating"
			}
			return voteRejected, nil
		}
	}
}

// eligibleNow returns who may approve given the roles now, for the approvers that are roles;
// people named directly stay as they were.
func (r *runbookRun) eligibleNow(a *ApprovalState) []string {
	var out []string
	for _, who := range a.Decision.Approvers {
		person := who
		if role := incident.Role(who); role.Valid() {
			person = r.in.Facts.Roles[role]
		} else if !slices.Contains(a.Eligible, who) {
			continue
		}
		if person != "" && person != r.in.Requester && !slices.Contains(out, person) {
			out = append(out, person)
		}
	}
	return out
}

func (r *runbookRun) decideApproval(ctx workflow.Context, s *runbook.CompiledStep) (activities.ApprovalOutcome, error) {
	var ra *activities.RunbookActivities
	var out activities.ApprovalOutcome
	err := workflow.ExecuteLocalActivity(decisionCtx(ctx, "decide approval of step "+s.ID), ra.DecideApproval,
		approvalRequest(r.in, s)).Get(ctx, &out)
	if err != nil {
		return activities.ApprovalOutcome{}, fmt.Errorf("decide approval: %w", err)
	}
	return out, nil
}

// execute runs a step's action: a timer, a wait on the incident's facts, or an activity named
// by the action.
func (r *runbookRun) execute(ctx workflow.Context, s *runbook.CompiledStep, with map[string]any, summary, key string) (map[string]any, error) {
	var ra *activities.RunbookActivities
	retry := s.Step.EffectiveRetry()
	opts := workflow.ActivityOptions{
		StartToCloseTimeout: s.Step.EffectiveTimeout(),
		HeartbeatTimeout:    heartbeatTimeout(s.Action.Name),
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Duration(retry.Backoff), BackoffCoefficient: 2,
			MaximumInterval: time.Duration(retry.MaxBackoff), MaximumAttempts: int32(retry.MaxAttempts),
			NonRetryableErrorTypes: []string{activities.ErrBadInput, activities.ErrNotConfigured, activities.ErrUnhealthy, activities.ErrUndeliverable},
		},
	}
	actx := workflow.WithActivityOptions(ctx, opts)
	switch s.Action.Name {
	case "approval":
		return nil, nil
	case "wait":
		d, _ := time.ParseDuration(fmt.Sprint(with["duration"]))
		return nil, workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: summary}).Get(ctx, nil)
	case "wait_alerts_resolved":
		d, _ := time.ParseDuration(fmt.Sprint(with["timeout"]))
		return map[string]any{"resolved": r.awaitAlertsResolved(ctx, d, summary)}, nil
	case "notify":
		err := workflow.ExecuteActivity(actx, ra.RunbookNotify, activities.RunbookNotifyRequest{
			WorkflowID: WorkflowID(r.in.Incident.Key), IdempotencyKey: key, Severity: r.in.Facts.Severity,
			Runbook: r.in.Runbook.Name, Message: fmt.Sprint(with["message"]), Audience: fmt.Sprint(with["audience"]),
		}).Get(ctx, nil)
		return nil, err
	case "http_check":
		var res activities.HTTPCheckResult
		input := withKey(with, key)
		err := workflow.ExecuteActivity(actx, ra.CheckHTTP, input).Get(ctx, &res)
		return map[string]any{"status": res.Status, "attempts": res.Attempts}, err
	}
	var result map[string]any
	err := workflow.ExecuteActivity(actx, s.Action.Name, withKey(with, key)).Get(ctx, &result)
	return result, err
}

// heartbeatTimeout is how soon a dead worker's long-polling action is noticed.
func heartbeatTimeout(action string) time.Duration {
	if action == "http_check" {
		return 2 * time.Minute
	}
	return 0
}

// withKey returns an action's input: its parameters and the idempotency key.
func withKey(with map[string]any, key string) map[string]any {
	out := maps.Clone(with)
	if out == nil {
		out = map[string]any{}
	}
	out["idempotency_key"] = key
	return out
}

// undo runs the undo steps of the completed steps in reverse order. A failing undo is recorded
// and the others still run.
func (r *runbookRun) undo(ctx workflow.Context) {
	for _, s := range slices.Backward(r.done) {
		u := s.Undo()
		st := r.steps[s.ID]
		if u == nil {
			continue
		}
		with, err := u.With(r.scope) //workflowcheck:ignore
		if err == nil {
			summary := "undo " + s.ID + ": " + stepSummary(u.Action.Name, with)
			_, err = r.execute(ctx, u, with, summary, r.idempotencyKey(u.ID))
		}
		if err != nil {
			st.State, st.Undo = StepUndoFailed, failure(err)
			r.status.UndoFailed = append(r.status.UndoFailed, fmt.Sprintf("%s: %s", s.ID, failure(err)))
			continue
		}
		st.State = StepUndone
	}
}

// awaitAlertsResolved waits until the incident says every alert has resolved, or d passes, on
// a timer it cancels when the alerts resolve first.
func (r *runbookRun) awaitAlertsResolved(ctx workflow.Context, d time.Duration, summary string) bool {
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimerWithOptions(timerCtx, d, workflow.TimerOptions{Summary: summary})
	wake := workflow.NewBufferedChannel(ctx, 1)
	r.factWaiters = append(r.factWaiters, wake)
	for !r.in.Facts.AlertsResolved && !r.in.Facts.Closed {
		timedOut := false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { timedOut = true })
		sel.AddReceive(wake, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
		sel.Select(ctx)
		if timedOut {
			return r.in.Facts.AlertsResolved
		}
	}
	return true
}

// stepSummary says what a step does, for a reviewer of the Web UI: the action's own summary
// when it has one, else the action and its parameters.
func stepSummary(action string, with map[string]any) string {
	var in interface{ Summary() string }
	switch action {
	case "aws.ecs_rollback":
		in = &aws.ECSRollbackInput{}
	case "aws.lambda_rollback":
		in = &aws.LambdaRollbackInput{}
	case "aws.codedeploy_stop":
		in = &aws.CodeDeployStopInput{}
	case "aws.appconfig_flag":
		in = &aws.AppConfigFlagInput{}
	case "aws.ssm_automation":
		in = &aws.SSMAutomationInput{}
	case "github.dispatch_workflow":
		in = &github.DispatchWorkflowInput{}
	case "github.create_deployment":
		in = &github.CreateDeploymentInput{}
	case "github.revert_pull_request":
		in = &github.RevertPullRequestInput{}
	case "github.comment_issue":
		in = &github.CommentIssueInput{}
	}
	if in != nil && convert(with, in) == nil {
		return in.Summary()
	}
	switch action {
	case "notify":
		return fmt.Sprintf("notify (%s): %s", with["audience"], incident.Truncate(fmt.Sprint(with["message"]), 120))
	case "wait":
		return fmt.Sprintf("wait %s", with["duration"])
	case "wait_alerts_resolved":
		return fmt.Sprintf("wait up to %s for every alert to resolve", with["timeout"])
	case "http_check":
		return fmt.Sprintf("poll %s until it answers %v (up to %s)", with["url"], with["expect_status"], with["timeout"])
	case "approval":
		return "approval"
	}
	return action
}
