package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// ErrExpired rejects an update a worker first saw after its sender stopped waiting for it.
var ErrExpired = errors.New("the update expired before a worker could apply it: it was not applied")

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
// rejects bad input, unknown people and expired requests before anything is recorded; accepted
// updates are applied by the main loop, which never waits on a page or a message.
func (r *incidentRun) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return r.state, nil }); err != nil {
		return fmt.Errorf("set query handler: %w", err)
	}
	s := &r.state
	return errors.Join(
		setUpdate(ctx, r, UpdateAcknowledge, func(q AckRequest) error { return s.CheckAck(q.By) }, r.acknowledge),
		setUpdate(ctx, r, UpdateEscalate, func(q EscalateRequest) error { return s.CheckEscalate(q.By, q.Reason) }, r.escalate),
		setUpdate(ctx, r, UpdateAssign, func(q AssignRequest) error { return s.CheckAssign(q.By, q.Role, q.Person) }, r.assign),
		setUpdate(ctx, r, UpdateSeverity, r.checkSeverity, r.overrideSeverity),
		setUpdate(ctx, r, UpdateImpact, r.checkImpact, r.reportImpact),
		setUpdate(ctx, r, UpdateNote, func(q NoteRequest) error { return s.CheckNote(q.By, q.Kind, q.Text) }, r.note),
		setUpdate(ctx, r, UpdateResolve, func(q ResolveRequest) error { return s.CheckResolve(q.By, q.Summary) }, r.resolve),
		setUpdate(ctx, r, UpdatePost, func(q PostUpdateRequest) error { return s.CheckPostUpdate(q.By, q.Public, q.Internal) }, r.postUpdate),
		setUpdate(ctx, r, UpdateFollowUp, func(q FollowUpRequest) error { return s.CheckFollowUp(q.By, q.Owner, q.Text) }, r.followUp),
		setUpdate(ctx, r, UpdateCloseReview, func(q CloseReviewRequest) error { return s.CheckCloseReview(q.By, q.Summary) }, r.closeReview),
	)
}

// expiring is an update request with an expiry.
type expiring interface{ expiry() Expiry }

func (e Expiry) expiry() Expiry { return e }

// setUpdate registers one update whose handler queues its action for the main loop and waits.
func setUpdate[Req expiring](ctx workflow.Context, r *incidentRun, name string,
	check func(Req) error, apply func(workflow.Context, Req) (string, error)) error {
	validate := func(ctx workflow.Context, req Req) error {
		if e := req.expiry().Expires; !e.IsZero() && workflow.Now(ctx).After(e) {
			return ErrExpired
		}
		return check(req)
	}
	handler := func(ctx workflow.Context, req Req) (Outcome, error) {
		cmd := &command{apply: func(ctx workflow.Context) (string, error) {
			// The incident may have moved on while this update waited its turn.
			if err := check(req); err != nil {
				return "", err
			}
			return apply(ctx, req)
		}}
		r.commands.Send(ctx, cmd)
		defer r.settle()
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

func (r *incidentRun) acknowledge(ctx workflow.Context, req AckRequest) (string, error) {
	s := &r.state
	first := s.AcknowledgedAt == nil
	text := s.Acknowledge(workflow.Now(ctx), req.By)
	if first {
		workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"severity": string(s.Severity)}).
			Timer("firebreak_acknowledgement_latency").Record(s.Metrics.TimeToAcknowledge)
	}
	if s.Confirm(workflow.Now(ctx), "acknowledged by "+req.By) {
		r.communicate(ctx, activities.StageInvestigating, incident.AudienceExternal)
	}
	return text, nil
}

func (r *incidentRun) escalate(ctx workflow.Context, req EscalateRequest) (string, error) {
	level, text := r.state.Escalate(workflow.Now(ctx), req.By, req.Reason)
	r.pageLevel(ctx, level, fmt.Sprintf("escalated by %s: %s", req.By, req.Reason))
	return text, nil
}

func (r *incidentRun) assign(ctx workflow.Context, req AssignRequest) (string, error) {
	return r.state.Assign(workflow.Now(ctx), req.By, req.Role, req.Person), nil
}

func (r *incidentRun) checkSeverity(req SeverityRequest) error {
	if err := r.state.CheckOpen(req.By); err != nil {
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

func (r *incidentRun) checkImpact(req ImpactRequest) error {
	if err := r.state.CheckOpen(req.By); err != nil {
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

func (r *incidentRun) note(ctx workflow.Context, req NoteRequest) (string, error) {
	r.state.Note(workflow.Now(ctx), req.By, req.Kind, req.Text)
	return fmt.Sprintf("%s noted", req.Kind), nil
}

// resolve ends the impact: the final messages go out beside the loop (the external one only
// when customers were told of the incident), and the incident takes notes for the review.
func (r *incidentRun) resolve(ctx workflow.Context, req ResolveRequest) (string, error) {
	s := &r.state
	text := s.Resolve(workflow.Now(ctx), req.By, req.Summary)
	audience := incident.AudienceInternal
	if s.ConfirmedAt != nil {
		audience = ""
	}
	r.communicate(ctx, activities.StageResolved, audience)
	r.record(ctx, "summary", "", text)
	if changed(ctx, changeReview) {
		r.openReview(ctx)
	}
	return text, nil
}
