package activities

import (
	"context"
	"fmt"
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
type SeverityDecision struct {
	Severity       incident.Severity `json:"severity"`
	Reasons        []string          `json:"reasons"`
	Overridden     bool              `json:"overridden"`
	Input          map[string]any    `json:"input"`
	PolicyRevision string            `json:"policy_revision"`
}

// AssessSeverity turns impact facts into a severity with the severity policy.
func (a *Activities) AssessSeverity(ctx context.Context, req SeverityRequest) (SeverityDecision, error) {
	svc, _ := a.Config.Service(req.Service)
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

// EngagementRequest asks the engagement, escalation and targets policies who to engage and by when.
type EngagementRequest struct {
	Service  string            `json:"service"`
	Type     string            `json:"type"`
	Severity incident.Severity `json:"severity"`
}

type engagementDecision struct {
	Tiers         [][]incident.Target `json:"tiers"`
	CommanderTeam string              `json:"commander_team"`
	Reasons       []string            `json:"reasons"`
}

type escalationDecision struct {
	AckTimeoutSeconds        []int    `json:"ack_timeout_seconds"`
	Repeats                  int      `json:"repeats"`
	CommanderDeadlineSeconds int      `json:"commander_deadline_seconds"`
	DeferToWorkingHours      bool     `json:"defer_to_working_hours"`
	Reasons                  []string `json:"reasons"`
}

type targetsDecision struct {
	ResponseTargetSeconds   int      `json:"response_target_seconds"`
	ResolutionTargetSeconds int      `json:"resolution_target_seconds"`
	Reasons                 []string `json:"reasons"`
}

// DecideEngagement evaluates the engagement, escalation and targets policies into one plan. The
// working-hours clock is read here, never in the workflow.
func (a *Activities) DecideEngagement(ctx context.Context, req EngagementRequest) (incident.EngagementPlan, error) {
	svc, _ := a.Config.Service(req.Service)
	now := a.now()
	loc := a.Config.Location()
	inWorkingHours := a.Config.WorkingHours.Contains(now, loc)
	incidentFacts := map[string]any{"service": req.Service, "type": req.Type, "severity": req.Severity}

	inputs := map[string]any{
		string(policies.Engagement): map[string]any{
			"incident": incidentFacts,
			"service": map[string]any{
				"id": req.Service, "team": svc.Team, "escalation_team": svc.EscalationTeam,
				"customer_facing": svc.CustomerFacing,
			},
		},
		string(policies.Targets): map[string]any{"severity": req.Severity},
	}
	var who engagementDecision
	if err := a.Policies.Decide(ctx, policies.Engagement, inputs[string(policies.Engagement)], &who); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Engagement, err)
	}
	serviceFacts := map[string]any{}
	if svc.AckTimeout > 0 {
		serviceFacts["ack_timeout_seconds"] = int(time.Duration(svc.AckTimeout).Seconds())
	}
	inputs[string(policies.Escalation)] = map[string]any{
		"incident": incidentFacts,
		"service":  serviceFacts,
		"clock":    map[string]any{"working_hours": inWorkingHours, "now": now.UTC().Format(time.RFC3339)},
	}
	var when escalationDecision
	if err := a.Policies.Decide(ctx, policies.Escalation, inputs[string(policies.Escalation)], &when); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Escalation, err)
	}
	var targets targetsDecision
	if err := a.Policies.Decide(ctx, policies.Targets, inputs[string(policies.Targets)], &targets); err != nil {
		return incident.EngagementPlan{}, policyError(policies.Targets, err)
	}
	if len(who.Tiers) == 0 || len(when.AckTimeoutSeconds) == 0 {
		return incident.EngagementPlan{}, policyError(policies.Engagement, fmt.Errorf("plan engages nobody"))
	}

	plan := incident.EngagementPlan{
		Tiers:             who.Tiers,
		Repeats:           when.Repeats,
		CommanderTeam:     who.CommanderTeam,
		CommanderDeadline: seconds(when.CommanderDeadlineSeconds),
		ResponseTarget:    seconds(targets.ResponseTargetSeconds),
		ResolutionTarget:  seconds(targets.ResolutionTargetSeconds),
		Reasons:           append(append(append([]string{}, who.Reasons...), when.Reasons...), targets.Reasons...),
		PolicyRevision:    a.Policies.Revision(),
		PolicyInputs:      inputs,
	}
	for _, s := range when.AckTimeoutSeconds {
		plan.AckTimeouts = append(plan.AckTimeouts, seconds(s))
	}
	if when.DeferToWorkingHours {
		start := a.Config.WorkingHours.NextStart(now, loc)
		plan.DeferUntil = &start
	}
	return plan, nil
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

func policyError(name policies.Name, err error) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("decide %s: %v", name, err), ErrPolicy, err)
}
