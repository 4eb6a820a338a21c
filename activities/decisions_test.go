package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/worker"
)

// everyone is the example configuration's people, sorted by ID.
var everyone = []string{"ana", "dewi", "giulia", "kenji", "lena", "marco", "priya", "tom"}

// decisionActivities returns activities that decide with bundle (the built-in policies when nil)
// over the example configuration, on a Wednesday morning in working hours.
func decisionActivities(t testing.TB, bundle *policies.Bundle) *activities.Activities {
	t.Helper()
	if bundle == nil {
		var err error
		bundle, err = policies.Embedded()
		require.NoError(t, err)
	}
	evaluator, err := policies.NewEvaluator(context.Background(), bundle)
	require.NoError(t, err)
	cfg := configtest.Organisation()
	return &activities.Activities{
		Directory:    worker.Directory{Config: cfg},
		Policies:     evaluator,
		WorkingHours: worker.WorkingHours{Config: cfg},
		UIURL:        cfg.UIURL,
		Bridge:       cfg.Bridge,
		Now:          func() time.Time { return time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC) },
	}
}

// bundleWith returns the built-in policies with the named files (e.g. "escalation.rego")
// replaced, as a user's own policy directory would be.
func bundleWith(t *testing.T, replaced map[string]string) *policies.Bundle {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("..", "policies", "*.rego"))
	require.NoError(t, err)
	for _, file := range files {
		name := filepath.Base(file)
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		text, ok := replaced[name]
		if !ok {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			text = string(data)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}
	bundle, err := policies.LoadDir(dir)
	require.NoError(t, err)
	return bundle
}

func TestDecideEngagementFillsLadderEndConfirmationAndPeople(t *testing.T) {
	checkoutLastTierAndCommanders := []incident.Target{
		{Team: "payments"}, {Team: "platform"}, {Team: "operations"}, {Team: "incident-commanders"},
	}
	tests := []struct {
		name         string
		req          activities.EngagementRequest
		ladderEnd    incident.LadderEnd
		confirmation incident.Confirmation
		reason       string
	}{
		{
			name:         "sev1 declared from the cli is confirmed at start",
			req:          activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev1, Source: "cli"},
			ladderEnd:    incident.LadderEnd{Targets: checkoutLastTierAndCommanders, RepeatEvery: 10 * time.Minute},
			confirmation: incident.Confirmation{AtStart: true, AfterFiring: 2 * time.Minute},
			reason:       "declared by a person (source cli): confirmed at start",
		},
		{
			name:         "sev1 opened by alertmanager is confirmed after two minutes of firing",
			req:          activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev1, Source: "alertmanager"},
			ladderEnd:    incident.LadderEnd{Targets: checkoutLastTierAndCommanders, RepeatEvery: 10 * time.Minute},
			confirmation: incident.Confirmation{AfterFiring: 2 * time.Minute},
			reason:       "opened by source alertmanager: confirmed when acknowledged or after its alerts keep firing for 120 seconds",
		},
		{
			name:         "sev2 opened by alertmanager pauses during the false-alarm grace",
			req:          activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev2, Source: "alertmanager"},
			ladderEnd:    incident.LadderEnd{Targets: checkoutLastTierAndCommanders, RepeatEvery: 15 * time.Minute},
			confirmation: incident.Confirmation{AfterFiring: 5 * time.Minute, PauseDuringFalseAlarmGrace: true},
			reason:       "sev2: paging pauses while the incident may be a false alarm",
		},
		{
			name:         "sev3 pages the commanders once at the ladder end",
			req:          activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev3, Source: "cli"},
			ladderEnd:    incident.LadderEnd{Targets: []incident.Target{{Team: "incident-commanders"}}},
			confirmation: incident.Confirmation{AtStart: true, AfterFiring: 5 * time.Minute, PauseDuringFalseAlarmGrace: true},
			reason:       "ladder end: page once and stop",
		},
		{
			name:         "no source is alert-opened",
			req:          activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev1},
			ladderEnd:    incident.LadderEnd{Targets: checkoutLastTierAndCommanders, RepeatEvery: 10 * time.Minute},
			confirmation: incident.Confirmation{AfterFiring: 2 * time.Minute},
			reason:       "source missing: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for 120 seconds",
		},
	}
	a := decisionActivities(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := a.DecideEngagement(context.Background(), tt.req)
			require.NoError(t, err)
			require.Equal(t, tt.ladderEnd, plan.LadderEnd)
			require.Equal(t, tt.confirmation, plan.Confirmation)
			require.Equal(t, everyone, plan.People)
			require.Contains(t, plan.Reasons, tt.reason)

			facts := map[string]any{"service": "checkout", "type": "outage", "severity": tt.req.Severity}
			if tt.req.Source != "" {
				facts["source"] = tt.req.Source
			}
			require.Equal(t, map[string]any{"incident": facts}, plan.PolicyInputs[string(policies.Confirmation)],
				"the confirmation input is recorded so a reviewer can reproduce it")
		})
	}
}

// escalationRepeating is an escalation policy with one level whose ladder end repeats every
// seconds, as a user's own policy might say.
func escalationRepeating(seconds string) string {
	return `package firebreak.escalation

decision := {
	"ack_timeout_seconds": [300],
	"repeats": 0,
	"ladder_end_repeat_seconds": ` + seconds + `,
	"commander_deadline_seconds": 0,
	"defer_to_working_hours": false,
	"reasons": ["custom"],
}
`
}

func TestDecideEngagementClampsTheLadderEndRepeat(t *testing.T) {
	tests := []struct {
		name    string
		seconds string
		want    time.Duration
		reason  string
	}{
		{name: "too often is raised to a minute", seconds: "5", want: time.Minute, reason: "ladder end repeat 5s raised to the minimum 1m0s"},
		{name: "too rarely is lowered to an hour", seconds: "86400", want: time.Hour, reason: "ladder end repeat 24h0m0s lowered to the maximum 1h0m0s"},
		{name: "negative keeps paging every minute", seconds: "-1", want: time.Minute, reason: "ladder end repeat -1s is negative: paging again every 1m0s"},
		{name: "the bounds are kept", seconds: "3600", want: time.Hour},
		{name: "zero pages once", seconds: "0", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := decisionActivities(t, bundleWith(t, map[string]string{"escalation.rego": escalationRepeating(tt.seconds)}))
			plan, err := a.DecideEngagement(context.Background(),
				activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev1, Source: "cli"})
			require.NoError(t, err)
			require.Equal(t, tt.want, plan.LadderEnd.RepeatEvery)
			if tt.reason != "" {
				require.Contains(t, plan.Reasons, tt.reason)
				return
			}
			for _, reason := range plan.Reasons {
				require.NotContains(t, reason, "ladder end repeat", "nothing was clamped")
			}
		})
	}
}

func TestDecideEngagementWithoutLadderEndTargetsPagesTheLastTierAndCommanders(t *testing.T) {
	// An engagement policy written before ladder_end existed.
	engagement := `package firebreak.engagement

decision := {
	"tiers": [[{"team": "payments"}], [{"team": "payments"}, {"team": "platform"}]],
	"commander_team": "incident-commanders",
	"reasons": ["custom"],
}
`
	a := decisionActivities(t, bundleWith(t, map[string]string{"engagement.rego": engagement}))
	plan, err := a.DecideEngagement(context.Background(),
		activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev2, Source: "alertmanager"})
	require.NoError(t, err)
	require.Equal(t, incident.LadderEnd{
		Targets:     []incident.Target{{Team: "payments"}, {Team: "platform"}, {Team: "incident-commanders"}},
		RepeatEvery: 15 * time.Minute,
	}, plan.LadderEnd)
	require.Contains(t, plan.Reasons, "engagement policy named no ladder-end targets: paging the last tier and the commander team")
	require.Equal(t, [][]incident.Target{{{Team: "payments"}}, {{Team: "payments"}, {Team: "platform"}}}, plan.Tiers,
		"the fallback does not change the tiers")
}

// BenchmarkDecideEngagement measures the decision the first page waits for: the engagement,
// escalation, targets, confirmation and communication policies over the example configuration.
func BenchmarkDecideEngagement(b *testing.B) {
	a := decisionActivities(b, nil)
	req := activities.EngagementRequest{Service: "checkout", Type: "outage", Severity: incident.Sev1, Source: "alertmanager"}
	for b.Loop() {
		if _, err := a.DecideEngagement(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
