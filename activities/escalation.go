package activities

import (
	"fmt"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
)

// clockFacts are the time-of-day facts the engagement policy may choose an escalation policy
// by: whether the organisation is at work, the instant, and the weekday and hour in the
// configuration's time zone (the working hours' zone).
func (a *Activities) clockFacts(now time.Time, inWorkingHours bool) map[string]any {
	local := now
	if a.Location != nil {
		local = now.In(a.Location)
	}
	return map[string]any{
		"working_hours": inWorkingHours,
		"now":           now.UTC().Format(time.RFC3339),
		"weekday":       local.Weekday().String()[:3],
		"hour":          local.Hour(),
	}
}

// applyEscalationPolicy makes the plan page through the escalation policy the engagement
// policy chose, recording why; an ID the directory does not know leaves the plan's teams and
// says so.
func (a *Activities) applyEscalationPolicy(plan *incident.EngagementPlan, id string) {
	if id == "" {
		return
	}
	policy, ok := a.Directory.EscalationPolicy(id)
	if !ok || len(policy.Levels) == 0 {
		plan.Reasons = append(plan.Reasons, fmt.Sprintf("escalation policy %q is not in the configuration: paging the engagement policy's teams", id))
		return
	}
	plan.Reasons = append(plan.Reasons, policy.Apply(plan))
}
