package legacy

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

var errResolved = errors.New("the incident is resolved")

// Outcome is what a responder's update returns: one line saying what happened, and where the
// incident now stands.
type Outcome struct {
	Text     string            `json:"text"`
	Status   incident.Status   `json:"status"`
	Phase    incident.Phase    `json:"phase"`
	Severity incident.Severity `json:"severity"`
	Level    int               `json:"level"`
}

// registerHandlers sets the state query and the responders' updates. Each update's validator
// rejects bad input before anything is recorded; accepted updates are applied by the main loop.
func (r *incidentRun) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return r.state, nil }); err != nil {
		return fmt.Errorf("set query handler: %w", err)
	}
	return errors.Join(
		setUpdate(ctx, r, UpdateAcknowledge, r.validateAck, r.acknowledge),
		setUpdate(ctx, r, UpdateEscalate, r.validateEscalate, r.escalate),
		setUpdate(ctx, r, UpdateAssign, r.validateAssign, r.assign),
		setUpdate(ctx, r, UpdateSeverity, r.validateSeverity, r.overrideSeverity),
		setUpdate(ctx, r, UpdateImpact, r.validateImpact, r.reportImpact),
		setUpdate(ctx, r, UpdateNote, r.validateNote, r.note),
		setUpdate(ctx, r, UpdateResolve, r.validateResolve, r.resolve),
	)
}

// setUpdate registers one update whose handler queues its action for the main loop and waits.
func setUpdate[Req any](ctx workflow.Context, r *incidentRun, name string,
	validate func(Req) error, apply func(workflow.Context, Req) (string, error)) error {
	handler := func(ctx workflow.Context, req Req) (Outcome, error) {
		cmd := &command{apply: func(ctx workflow.Context) (string, error) {
			// The incident may have moved on while this update waited its turn.
			if err := validate(req); err != nil {
				return "", err
			}
			return apply(ctx, req)
		}}
		r.commands.Send(ctx, cmd)
		if err := workflow.Await(ctx, func() bool { return cmd.done }); err != nil {
			return Outcome{}, err
		}
		if cmd.err != nil {
			return Outcome{}, cmd.err
		}
		s := &r.state
		return Outcome{Text: cmd.outcome, Status: s.Status, Phase: s.Phase, Severity: s.Severity, Level: s.Level}, nil
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, name, handler, workflow.UpdateHandlerOptions{Validator: validate})
	if err != nil {
		return fmt.Errorf("set update handler %s: %w", name, err)
	}
	return nil
}

// validateOpen is the check every update shares: who acts, and that the incident is still open.
func (r *incidentRun) validateOpen(by string) error {
	if strings.TrimSpace(by) == "" {
		return errors.New("say who is acting (by)")
	}
	if r.state.Status == incident.StatusResolved {
		return errResolved
	}
	return nil
}

func (r *incidentRun) validateAck(req AckRequest) error {
	if err := r.validateOpen(req.By); err != nil {
		return err
	}
	if r.state.Status == incident.StatusAcknowledged {
		return fmt.Errorf("already acknowledged by %s", r.state.AcknowledgedBy)
	}
	return nil
}

func (r *incidentRun) acknowledge(ctx workflow.Context, req AckRequest) (string, error) {
	s := &r.state
	now := workflow.Now(ctx).UTC()
	s.Status = incident.StatusAcknowledged
	s.AcknowledgedBy = req.By
	s.AckDeadline, s.DeferredUntil, s.FalseAlarmDue = nil, nil, nil
	if s.AcknowledgedAt == nil {
		s.AcknowledgedAt = &now
		s.Metrics.TimeToAcknowledge = now.Sub(s.StartedAt)
		workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"severity": string(s.Severity)}).
			Timer("firebreak_acknowledgement_latency").Record(s.Metrics.TimeToAcknowledge)
	}
	for i := range s.Responders {
		if s.Responders[i].Person == req.By && s.Responders[i].AcknowledgedAt == nil {
			s.Responders[i].AcknowledgedAt = &now
		}
	}
	if s.Phase == incident.PhaseEscalate || s.Phase == incident.PhaseCommunicate {
		s.Phase = incident.PhaseDelegate
		if s.Roles[incident.RoleCommander] != "" {
			s.Phase = incident.PhaseResolve
		}
	}
	text := fmt.Sprintf("acknowledged by %s", req.By)
	r.record(ctx, "ack", req.By, text)
	r.publish(ctx)
	return text, nil
}

func (r *incidentRun) validateEscalate(req EscalateRequest) error {
	if err := r.validateOpen(req.By); err != nil {
		return err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return errors.New("give a reason for escalating")
	}
	if levels := r.state.Plan.Levels(); levels > 0 && r.state.Level >= levels {
		return fmt.Errorf("already at the last escalation level (%d of %d)", r.state.Level, levels)
	}
	return nil
}

func (r *incidentRun) escalate(ctx workflow.Context, req EscalateRequest) (string, error) {
	s := &r.state
	s.Status = incident.StatusTriggered
	s.DeferredUntil = nil
	s.Phase = incident.PhaseEscalate
	next := s.Level + 1
	text := fmt.Sprintf("escalated to level %d by %s: %s", next, req.By, req.Reason)
	r.record(ctx, "escalate", req.By, text)
	if err := r.pageLevel(ctx, next, fmt.Sprintf("escalated by %s: %s", req.By, req.Reason)); err != nil {
		return "", err
	}
	return text, nil
}

func (r *incidentRun) validateAssign(req AssignRequest) error {
	if err := r.validateOpen(req.By); err != nil {
		return err
	}
	if !req.Role.Valid() {
		return fmt.Errorf("unknown role %q: use commander, tech_lead or communications_lead", req.Role)
	}
	if err := ValidateKey(req.Person); err != nil {
		return fmt.Errorf("invalid person %q", req.Person)
	}
	return nil
}

func (r *incidentRun) assign(ctx workflow.Context, req AssignRequest) (string, error) {
	s := &r.state
	s.Roles[req.Role] = req.Person
	if req.Role == incident.RoleCommander {
		s.CommanderDue = nil
		if s.Phase == incident.PhaseDelegate {
			s.Phase = incident.PhaseResolve
		}
	}
	text := fmt.Sprintf("%s is %s (assigned by %s)", req.Person, req.Role, req.By)
	r.record(ctx, "assign", req.By, text)
	r.publish(ctx)
	return text, nil
}

func (r *incidentRun) validateSeverity(req SeverityRequest) error {
	if err := r.validateOpen(req.By); err != nil {
		return err
	}
	if !req.Severity.Valid() {
		return fmt.Errorf("unknown severity %q: use sev1, sev2 or sev3", req.Severity)
	}
	if strings.TrimSpace(req.Reason) == "" {
		return errors.New("give a reason for the severity override")
	}
	return nil
}

func (r *incidentRun) overrideSeverity(ctx workflow.Context, req SeverityRequest) (string, error) {
	r.state.Override = &incident.SeverityOverride{Severity: req.Severity, Reason: req.Reason, By: req.By}
	if err := r.assess(ctx, req.By); err != nil {
		return "", err
	}
	return fmt.Sprintf("severity is %s (%s)", r.state.Severity, strings.Join(r.state.SeverityReasons, "; ")), nil
}

func (r *incidentRun) validateImpact(req ImpactRequest) error {
	if err := r.validateOpen(req.By); err != nil {
		return err
	}
	if req.Impact == (incident.Impact{}) {
		return errors.New("report at least one impact fact")
	}
	return req.Impact.Validate()
}

func (r *incidentRun) reportImpact(ctx workflow.Context, req ImpactRequest) (string, error) {
	r.state.Impact = r.state.Impact.Merge(req.Impact)
	r.record(ctx, "impact", req.By, "impact reported: "+req.Impact.String())
	if err := r.assess(ctx, req.By); err != nil {
		return "", err
	}
	return fmt.Sprintf("severity is %s (%s)", r.state.Severity, strings.Join(r.state.SeverityReasons, "; ")), nil
}

func (r *incidentRun) validateNote(req NoteRequest) error {
	if err := r.validateOpen(req.By); err != nil {
		return err
	}
	if !req.Kind.Valid() {
		return fmt.Errorf("unknown note kind %q: use observation, theory, experiment or result", req.Kind)
	}
	if strings.TrimSpace(req.Text) == "" {
		return errors.New("a note needs text")
	}
	return nil
}

func (r *incidentRun) note(ctx workflow.Context, req NoteRequest) (string, error) {
	r.record(ctx, string(req.Kind), req.By, req.Text)
	if r.state.Phase == incident.PhaseDelegate {
		r.state.Phase = incident.PhaseResolve
		r.publish(ctx)
	}
	return fmt.Sprintf("%s noted", req.Kind), nil
}

func (r *incidentRun) validateResolve(req ResolveRequest) error {
	if err := r.validateOpen(req.By); err != nil {
		return err
	}
	if strings.TrimSpace(req.Summary) == "" {
		return errors.New("say how the impact ended (summary)")
	}
	return nil
}

// resolve ends the impact: final messages, the summary figures, and whether targets were met.
func (r *incidentRun) resolve(ctx workflow.Context, req ResolveRequest) (string, error) {
	s := &r.state
	now := workflow.Now(ctx).UTC()
	s.ResolvedAt, s.Resolution = &now, req.Summary
	s.Status, s.Phase = incident.StatusResolved, incident.PhaseResolve
	s.AckDeadline, s.DeferredUntil, s.CommanderDue, s.FalseAlarmDue = nil, nil, nil, nil
	s.Metrics.TimeToResolve = now.Sub(s.StartedAt)
	s.Metrics.ResponseTarget, s.Metrics.ResolutionTarget = s.Plan.ResponseTarget, s.Plan.ResolutionTarget
	responseMet := s.AcknowledgedAt != nil && s.Metrics.TimeToAcknowledge <= s.Plan.ResponseTarget
	resolutionMet := s.Metrics.TimeToResolve <= s.Plan.ResolutionTarget
	s.Metrics.ResponseTargetMet, s.Metrics.ResolutionTargetMet = &responseMet, &resolutionMet
	r.record(ctx, "resolve", req.By, "resolved: "+req.Summary)
	r.enterPhase(ctx, incident.PhaseResolve)
	r.communicate(ctx, activities.StageResolved)
	text := fmt.Sprintf("resolved by %s after %s; response target %s, resolution target %s",
		req.By, s.Metrics.TimeToResolve.Round(1e9), metOrMissed(responseMet), metOrMissed(resolutionMet))
	r.record(ctx, "summary", "", text)
	r.publish(ctx)
	return text, nil
}

func metOrMissed(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}
