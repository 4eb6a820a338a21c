package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/worker"
)

// escalationConfig has a service paging through an escalation policy over schedules, a
// person with notification rules, and a schedule covering office hours only.
const escalationConfig = `organisation: Test Corp
timezone: Europe/Rome
people:
  - id: ana
    notification_rules:
      - notifier: console
      - notifier: hook
        after: 2m
  - id: ben
  - id: cleo
notifiers:
  - id: hook
    type: webhook
    url: https://hooks.example.com/page
    secret: s3cret
schedules:
  - id: office
    layers:
      - name: office hours
        rotation:
          participants: [cleo]
          shift: 1d
          time_zone: UTC
          start: 2026-11-16T00:00:00Z
          restrictions:
            - days: [mon, tue, wed, thu, fri]
              from: "09:00"
              to: "17:00"
escalation_policies:
  - id: night
    levels:
      - delay: 2m
        targets: [{person: ben}]
  - id: ladder
    repeats: 2
    on_empty: hold
    ack_timeout: 45m
    levels:
      - delay: 3m
        targets: [{team: payments}]
      - delay: 7m
        targets: [{schedule: office}, {person: ben}]
teams:
  - id: payments
    rotation:
      start: 2026-11-16T00:00:00Z
      shift: 168h
      members: [ana, ben]
services:
  - id: checkout
    team: payments
    customer_facing: true
    escalation_policy: ladder
  - id: search
    team: payments
    customer_facing: true
    escalation_policy: ladder
    after_hours_escalation_policy: night
`

func escalationActivities(t *testing.T, now time.Time) (*activities.Activities, *config.Config) {
	t.Helper()
	cfg, err := config.Parse("firebreak.yaml", []byte(escalationConfig))
	require.NoError(t, err)
	bundle, err := policies.Embedded()
	require.NoError(t, err)
	evaluator, err := policies.NewEvaluator(context.Background(), bundle)
	require.NoError(t, err)
	return &activities.Activities{
		Directory:    worker.Directory{Config: cfg},
		Policies:     evaluator,
		WorkingHours: worker.WorkingHours{Config: cfg},
		Now:          func() time.Time { return now },
		Location:     cfg.Location(),
	}, cfg
}

func TestDecideEngagementPagesTheServicesEscalationPolicy(t *testing.T) {
	saturdayNight := time.Date(2026, 11, 21, 22, 30, 0, 0, time.UTC)
	a, _ := escalationActivities(t, saturdayNight)
	plan, err := a.DecideEngagement(context.Background(), activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev1})
	require.NoError(t, err)
	require.Equal(t, "ladder", plan.EscalationPolicy)
	require.Equal(t, [][]incident.Target{{{Team: "payments"}}, {{Schedule: "office"}, {Person: "ben"}}}, plan.Tiers)
	require.Equal(t, []time.Duration{3 * time.Minute, 7 * time.Minute}, plan.AckTimeouts)
	require.Equal(t, 2, plan.Repeats)
	require.Equal(t, incident.OnEmptyHold, plan.OnEmpty)
	require.Equal(t, 45*time.Minute, plan.AckReminder)
	require.Equal(t, []incident.Target{{Schedule: "office"}, {Person: "ben"}, {Team: "incident-commanders"}}, plan.LadderEnd.Targets)
	require.Contains(t, plan.Reasons, "service escalation policy ladder replaces the tiers")
	require.Contains(t, plan.Reasons, "escalation policy ladder: 2 levels (3m0s, 7m0s), repeats 2, a level with nobody on call: hold, acknowledgement timeout 45m0s")
	engagement := plan.PolicyInputs[string(policies.Engagement)].(map[string]any)
	require.Equal(t, map[string]any{"working_hours": false, "now": "2026-11-21T22:30:00Z", "weekday": "Sat", "hour": 23}, engagement["clock"],
		"the engagement policy sees the time of day in the organisation's zone")
}

func TestDecideEngagementSecurityIncidentPagesTheTeams(t *testing.T) {
	a, _ := escalationActivities(t, time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	plan, err := a.DecideEngagement(context.Background(), activities.EngagementRequest{Service: "checkout", Type: "security", Severity: incident.Sev1})
	require.NoError(t, err)
	require.Empty(t, plan.EscalationPolicy)
	require.Equal(t, []incident.Target{{Team: "payments"}, {Team: "security"}}, plan.Tiers[0])
}

// forgetful is a directory that has lost every escalation policy, as one whose file changed
// under a running worker may.
type forgetful struct{ worker.Directory }

func (forgetful) EscalationPolicy(string) (incident.EscalationPolicy, bool) {
	return incident.EscalationPolicy{}, false
}

func TestDecideEngagementUnknownPolicyKeepsTheTeams(t *testing.T) {
	a, cfg := escalationActivities(t, time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	a.Directory = forgetful{worker.Directory{Config: cfg}}
	plan, err := a.DecideEngagement(context.Background(), activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev2})
	require.NoError(t, err)
	require.Empty(t, plan.EscalationPolicy)
	require.Equal(t, []incident.Target{{Team: "payments"}}, plan.Tiers[0])
	require.Contains(t, plan.Reasons, `escalation policy "ladder" is not in the configuration: paging the engagement policy's teams`)
}

func TestResolveOnCallSaysWhoWhyAndUntilWhen(t *testing.T) {
	a, _ := escalationActivities(t, time.Time{})
	wednesdayNight := time.Date(2026, 11, 18, 20, 0, 0, 0, time.UTC)
	got, err := a.ResolveOnCall(context.Background(), activities.OnCallRequest{
		At:      wednesdayNight,
		Targets: []incident.Target{{Team: "payments"}, {Schedule: "office"}, {Person: "ben"}, {Person: "ana"}, {Person: "zed"}},
	})
	require.NoError(t, err)
	require.Equal(t, activities.OnCall{
		Contacts: []activities.Contact{
			{
				Person: "ana", Team: "payments", Methods: []string{"console", "hook"},
				Rules: []activities.NotificationRule{{Method: "console"}, {Method: "hook", After: 2 * time.Minute}},
				Why:   "on call on schedule payments (layer rotation) until 2026-11-23T00:00:00Z",
			},
			{Person: "ben", Methods: []string{"console"}, Rules: []activities.NotificationRule{{Method: "console"}}, Why: "named by the escalation policy"},
		},
		Unreachable: []string{
			"schedule office: nobody is on call on schedule office at 2026-11-18T20:00:00Z until 2026-11-19T09:00:00Z",
			`person "zed" is not in the configuration`,
		},
		Until: time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC),
	}, got, "ana once, though two targets name her; the earliest change is when office has someone")
}

func TestDecideEngagementChoosesByTimeOfDay(t *testing.T) {
	cases := []struct {
		name string
		at   time.Time
		want string
	}{
		{"working hours: the day policy", time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC), "ladder"},
		{"saturday night: the after-hours policy", time.Date(2026, 11, 21, 22, 30, 0, 0, time.UTC), "night"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := escalationActivities(t, c.at)
			plan, err := a.DecideEngagement(context.Background(), activities.EngagementRequest{Service: "search", Type: "outage", Severity: incident.Sev2})
			require.NoError(t, err)
			require.Equal(t, c.want, plan.EscalationPolicy)
		})
	}
}
