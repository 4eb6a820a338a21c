package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
)

// SeverityRequest asks the severity policy to assess an incident's impact.
type SeverityRequest struct {
	Service  string                     `json:"service"`
	Impact   incident.Impact            `json:"impact"`
	Override *incident.SeverityOverride `json:"override,omitempty"`
}

// SeverityDecision is the severity policy's answer, with the input it was given and the revision
// of the policy bundle that decided, so a reviewer can reproduce it.
type SeverityDecision = policies.SeverityDecision

// AssessSeverity turns impact facts into a severity with the severity policy.
func (a *Activities) AssessSeverity(ctx context.Context, req SeverityRequest) (SeverityDecision, error) {
	svc, _ := a.Directory.Service(req.Service)
	input := map[string]any{
		"impact":  req.Impact,
		"service": map[string]any{"id": req.Service, "customer_facing": svc.CustomerFacing},
	}
	if req.Override != nil {
		input["override"] = req.Override
	}
	input, err := asJSONObject(input)
	if err != nil {
		return SeverityDecision{}, badInput("encode severity input: %v", err)
	}
	var out SeverityDecision
	if err := a.Policies.Decide(ctx, policies.Severity, input, &out); err != nil {
		return SeverityDecision{}, policyError(policies.Severity, err)
	}
	if !out.Severity.Valid() {
		return SeverityDecision{}, policyError(policies.Severity, fmt.Errorf("unknown severity %q", out.Severity))
	}
	out.Input = input
	out.PolicyRevision = a.Policies.Revision()
	return out, nil
}

// EngagementRequest asks the engagement, escalation, targets, confirmation and communication
// policies who to engage, by when, when customers may hear of the incident and how often.
type EngagementRequest struct {
	Service  string            `json:"service"`
	Type     string            `json:"type"`
	Severity incident.Severity `json:"severity"`
	// Source is where the incident came from: "cli" when a person declared it, or an alert source.
	// Empty counts as alert-opened: not confirmed at start.
	Source string `json:"source"`
}

// DecideEngagement evaluates the engagement, escalation, targets, confirmation and communication
// policies into one plan. The working-hours clock is read here, never in the workflow.
func (a *Activities) DecideEngagement(ctx context.Context, req EngagementRequest) (incident.EngagementPlan, error) {
	// Who is on call is asked next (ResolveOnCall); its schedules' overrides are read while the
	// policies decide.
	a.Directory.Prefetch(req.Service)
	svc, _ := a.Directory.Service(req.Service)
	now := a.now()
	inWorkingHours := a.inWorkingHours(now)
	incidentFacts := map[string]any{"service": req.Service, "type": req.Type, "severity": req.Severity}

	inputs := map[string]any{
		string(policies.Engagement): map[string]any{
			"incident": incidentFacts,
			"service": map[string]any{
				"id": req.Service, "team": svc.Team, "escalation_team": svc.EscalationTeam,
				"customer_facing": svc.CustomerFacing, "escalation_policy": svc.EscalationPolicy,
				"after_hours_escalation_policy": svc.AfterHoursEscalationPolicy,
			},
			"clock": a.clockFacts(now, inWorkingHours),
		},
		string(policies.Targets): map[string]any{"severity": req.Severity},
	}
	confirmationFacts := map[string]any{"service": req.Service, "type": req.Type, "severity": req.Severity}
	if req.Source != "" {
		confirmationFacts["source"] = req.Source
	}
	inputs[string(policies.Confirmation)] = map[string]any{"incident": confirmationFacts}
	var who policies.EngagementDecision
	if err := a.Policies.Decide(ctx, policies.Engagement, inputs[string(policies.Engagement)], &who); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Engagement, err)
	}
	serviceFacts := map[string]any{}
	if svc.AckTimeout > 0 {
		serviceFacts["ack_timeout_seconds"] = int(svc.AckTimeout.Seconds())
	}
	inputs[string(policies.Escalation)] = map[string]any{
		"incident": incidentFacts,
		"service":  serviceFacts,
		"clock":    map[string]any{"working_hours": inWorkingHours, "now": now.UTC().Format(time.RFC3339)},
	}
	var when policies.EscalationDecision
	if err := a.Policies.Decide(ctx, policies.Escalation, inputs[string(policies.Escalation)], &when); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Escalation, err)
	}
	var targets policies.TargetsDecision
	if err := a.Policies.Decide(ctx, policies.Targets, inputs[string(policies.Targets)], &targets); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Targets, err)
	}
	var confirm policies.ConfirmationDecision
	if err := a.Policies.Decide(ctx, policies.Confirmation, inputs[string(policies.Confirmation)], &confirm); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Confirmation, err)
	}
	inputs[string(policies.Communication)] = map[string]any{"incident": incidentFacts}
	var talk policies.CommunicationDecision
	if err := a.Policies.Decide(ctx, policies.Communication, inputs[string(policies.Communication)], &talk); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Communication, err)
	}
	if talk.PublicUpdateEverySeconds < 0 || talk.RemindCommanderAfterSeconds < 0 {
		return incident.EngagementPlan{}, policyError(policies.Communication,
			fmt.Errorf("public_update_every_seconds %d and remind_commander_after_seconds %d must not be negative",
				talk.PublicUpdateEverySeconds, talk.RemindCommanderAfterSeconds))
	}
	if len(who.Tiers) == 0 || len(when.AckTimeoutSeconds) == 0 {
		return incident.EngagementPlan{}, policyError(policies.Engagement, fmt.Errorf("plan engages nobody"))
	}
	if confirm.AfterFiringSeconds < 0 {
		return incident.EngagementPlan{}, policyError(policies.Confirmation,
			fmt.Errorf("after_firing_seconds %d is negative", confirm.AfterFiringSeconds))
	}

	end, endReasons := ladderEnd(who, when)
	plan := incident.EngagementPlan{
		Tiers:             who.Tiers,
		Repeats:           when.Repeats,
		CommanderTeam:     who.CommanderTeam,
		CommanderDeadline: seconds(when.CommanderDeadlineSeconds),
		ResponseTarget:    seconds(targets.ResponseTargetSeconds),
		ResolutionTarget:  seconds(targets.ResolutionTargetSeconds),
		Reasons:           slices.Concat(who.Reasons, when.Reasons, endReasons, targets.Reasons, confirm.Reasons, talk.Reasons),
		PolicyRevision:    a.Policies.Revision(),
		LadderEnd:         end,
		Confirmation: incident.Confirmation{
			AtStart:                    confirm.AtStart,
			AfterFiring:                seconds(confirm.AfterFiringSeconds),
			PauseDuringFalseAlarmGrace: confirm.PausePagingDuringFalseAlarmGrace,
		},
		Updates: incident.UpdateCadence{
			Every:                seconds(talk.PublicUpdateEverySeconds),
			Posters:              talk.PublicUpdateRoles,
			RemindCommanderAfter: seconds(talk.RemindCommanderAfterSeconds),
		},
		StatusPage:   a.StatusPage != nil,
		People:       a.people(),
		PolicyInputs: inputs,
	}
	for _, s := range when.AckTimeoutSeconds {
		plan.AckTimeouts = append(plan.AckTimeouts, seconds(s))
	}
	a.applyEscalationPolicy(&plan, who.EscalationPolicy)
	if when.DeferToWorkingHours {
		start := a.nextWorkingHours(now)
		plan.DeferUntil = &start
	}
	return plan, nil
}

// ladderEnd builds the ladder's end from the engagement and escalation decisions, with a reason
// for each correction: a repeat interval outside [incident.MinLadderEndRepeat, incident.MaxLadderEndRepeat] is
// clamped (0 stays 0: page once and stop; a negative one keeps paging at the minimum), and a
// ladder end with no targets pages the last tier and the commander team, so it never pages nobody.
// who must have at least one tier.
func ladderEnd(who policies.EngagementDecision, when policies.EscalationDecision) (incident.LadderEnd, []string) {
	end := incident.LadderEnd{Targets: who.LadderEnd, RepeatEvery: seconds(when.LadderEndRepeatSeconds)}
	var reasons []string
	if len(end.Targets) == 0 {
		end.Targets = slices.Clone(who.Tiers[len(who.Tiers)-1])
		if commanders := (incident.Target{Team: who.CommanderTeam}); who.CommanderTeam != "" && !slices.Contains(end.Targets, commanders) {
			end.Targets = append(end.Targets, commanders)
		}
		reasons = append(reasons, "engagement policy named no ladder-end targets: paging the last tier and the commander team")
	}
	switch requested := end.RepeatEvery; {
	case requested == 0:
	case requested < 0:
		end.RepeatEvery = incident.MinLadderEndRepeat
		reasons = append(reasons, fmt.Sprintf("ladder end repeat %s is negative: paging again every %s", requested, end.RepeatEvery))
	case requested < incident.MinLadderEndRepeat:
		end.RepeatEvery = incident.MinLadderEndRepeat
		reasons = append(reasons, fmt.Sprintf("ladder end repeat %s raised to the minimum %s", requested, end.RepeatEvery))
	case requested > incident.MaxLadderEndRepeat:
		end.RepeatEvery = incident.MaxLadderEndRepeat
		reasons = append(reasons, fmt.Sprintf("ladder end repeat %s lowered to the maximum %s", requested, end.RepeatEvery))
	}
	return end, reasons
}

// people returns the ID of every person in the directory, sorted.
func (a *Activities) people() []string {
	people := a.Directory.People()
	ids := append(make([]string, 0, len(people)), people...)
	slices.Sort(ids)
	return ids
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

func policyError(name policies.Name, err error) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("decide %s: %v", name, err), ErrPolicy, err)
}
