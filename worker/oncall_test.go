package worker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/workflows"
)

// onCallConfig has a team with a weekly rotation (alice, then bob, from Monday 6 January 2025
// 09:00 UTC) and a team whose schedule covers weekdays 09:00-17:00 only.
const onCallConfig = `organisation: Test Corp
people:
  - id: alice
  - id: bob
  - id: carol
schedules:
  - id: office
    layers:
      - name: office hours
        rotation:
          participants: [carol]
          shift: 1d
          time_zone: UTC
          start: 2025-01-06T09:00:00Z
          restrictions:
            - days: [mon, tue, wed, thu, fri]
              from: "09:00"
              to: "17:00"
teams:
  - id: payments
    rotation:
      start: 2025-01-06T09:00:00Z
      shift: 168h
      members: [alice, bob]
  - id: support
    schedule: office
services:
  - id: checkout
    team: payments
`

// fakeOverrides answers the overrides of schedules from a map, or fails.
type fakeOverrides struct {
	bySchedule map[string][]workflows.ScheduleOverride
	err        error
	asked      []string
}

func (f *fakeOverrides) Overrides(_ context.Context, id string) ([]workflows.ScheduleOverride, error) {
	f.asked = append(f.asked, id)
	return f.bySchedule[id], f.err
}

func TestDirectoryOnCall(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(onCallConfig))
	require.NoError(t, err)
	monday := time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC) // bob's week
	override := func(id, person, replacing string, from, to time.Time) workflows.ScheduleOverride {
		return workflows.ScheduleOverride{ID: id, Person: person, Replacing: replacing, Start: from, End: to, By: "alice"}
	}
	tests := []struct {
		name      string
		overrides *fakeOverrides // nil: the directory has no override source
		team      string
		at        time.Time
		want      string
		wantErr   string
		wantLog   string
		wantAsked []string
	}{
		{name: "the rotation without overrides", team: "payments", at: monday, want: "bob"},
		{name: "no workflow yet: the rotation", overrides: &fakeOverrides{}, team: "payments", at: monday, want: "bob", wantAsked: []string{"payments"}},
		{
			name:      "an override in force wins",
			overrides: &fakeOverrides{bySchedule: map[string][]workflows.ScheduleOverride{"payments": {override("o-1", "carol", "", monday.Add(-time.Hour), monday.Add(time.Hour))}}},
			team:      "payments", at: monday, want: "carol", wantAsked: []string{"payments"},
		},
		{
			name:      "an override replacing someone else changes nothing",
			overrides: &fakeOverrides{bySchedule: map[string][]workflows.ScheduleOverride{"payments": {override("o-1", "carol", "alice", monday.Add(-time.Hour), monday.Add(time.Hour))}}},
			team:      "payments", at: monday, want: "bob", wantAsked: []string{"payments"},
		},
		{
			name:      "an override of a person no longer in the configuration is ignored",
			overrides: &fakeOverrides{bySchedule: map[string][]workflows.ScheduleOverride{"payments": {override("o-1", "mallory", "", monday.Add(-time.Hour), monday.Add(time.Hour))}}},
			team:      "payments", at: monday, want: "bob", wantAsked: []string{"payments"},
			wantLog: "ignoring an override of a person no longer in the configuration",
		},
		{
			name:      "overrides that cannot be read: the layers answer",
			overrides: &fakeOverrides{err: errors.New("deadline exceeded")},
			team:      "payments", at: monday, want: "bob", wantAsked: []string{"payments"},
			wantLog: "answering who is on call from the configuration's layers alone",
		},
		{name: "a team through a named schedule", overrides: &fakeOverrides{}, team: "support", at: monday, want: "carol", wantAsked: []string{"office"}},
		{
			name: "nobody on call", overrides: &fakeOverrides{}, team: "support", at: monday.Add(8 * time.Hour),
			wantErr: "nobody is on call on schedule office at 2025-01-13T18:00:00Z until 2025-01-14T09:00:00Z", wantAsked: []string{"office"},
		},
		{
			name:      "an override fills the gap",
			overrides: &fakeOverrides{bySchedule: map[string][]workflows.ScheduleOverride{"office": {override("o-1", "alice", "", monday.Add(7*time.Hour), monday.Add(23*time.Hour))}}},
			team:      "support", at: monday.Add(8 * time.Hour), want: "alice", wantAsked: []string{"office"},
		},
		{name: "an unknown team", team: "sales", at: monday, wantErr: activities.ErrUnknownTeam.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			d := Directory{Config: cfg, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			if tt.overrides != nil {
				d.Overrides = tt.overrides
			}
			got, err := d.OnCall(tt.team, tt.at)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			}
			if tt.overrides != nil {
				require.Equal(t, tt.wantAsked, tt.overrides.asked)
			}
			if tt.wantLog != "" {
				require.Contains(t, logs.String(), tt.wantLog)
			} else {
				require.Empty(t, logs.String())
			}
		})
	}
}

func TestScheduleOverridesQuery(t *testing.T) {
	state := workflows.ScheduleState{Schedule: "payments", Overrides: []workflows.ScheduleOverride{{ID: "o-1", Person: "carol", By: "alice"}}}
	payloads, err := converter.GetDefaultDataConverter().ToPayloads(state)
	require.NoError(t, err)
	tests := []struct {
		name    string
		value   converter.EncodedValue
		err     error
		want    []workflows.ScheduleOverride
		wantErr string
	}{
		{name: "the workflow's overrides", value: client.NewValue(payloads), want: state.Overrides},
		{name: "no workflow: no overrides", err: serviceerror.NewNotFound("workflow not found")},
		{name: "no answer", err: context.DeadlineExceeded, wantErr: "query the overrides of schedule payments: context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mc := mocks.NewClient(t)
			mc.On("QueryWorkflow", mock.Anything, "schedule-payments", "", workflows.QueryOverrides).Return(tt.value, tt.err)
			got, err := ScheduleOverrides{Temporal: mc}.Overrides(context.Background(), "payments")
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDirectoryExplain(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(onCallConfig))
	require.NoError(t, err)
	monday := time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC)
	overrides := &fakeOverrides{bySchedule: map[string][]workflows.ScheduleOverride{"office": {{
		ID: "o-7", Person: "alice", Replacing: "carol", Start: monday, End: monday.Add(2 * time.Hour), By: "carol",
	}}}}
	tests := []struct {
		name    string
		target  incident.Target
		at      time.Time
		want    activities.OnCallReason
		wantErr string
	}{
		{
			name: "a team's rotation", target: incident.Target{Team: "payments"}, at: monday,
			want: activities.OnCallReason{Person: "bob", Schedule: "payments", Until: time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC),
				Why: "on call on schedule payments (layer rotation) until 2025-01-20T09:00:00Z"},
		},
		{
			name: "a schedule with an override in force", target: incident.Target{Schedule: "office"}, at: monday.Add(time.Hour),
			want: activities.OnCallReason{Person: "alice", Schedule: "office", Until: monday.Add(2 * time.Hour),
				Why: "on call on schedule office (override o-7 by carol, replacing carol) until 2025-01-13T12:00:00Z"},
		},
		{
			name: "nobody on call says until when", target: incident.Target{Schedule: "office"}, at: monday.Add(8 * time.Hour),
			want: activities.OnCallReason{Schedule: "office", Until: time.Date(2025, 1, 14, 9, 0, 0, 0, time.UTC),
				Why: "nobody is on call on schedule office at 2025-01-13T18:00:00Z until 2025-01-14T09:00:00Z"},
		},
		{name: "an unknown schedule", target: incident.Target{Schedule: "sales"}, at: monday, wantErr: `schedule "sales" is not in the configuration`},
		{name: "an unknown team", target: incident.Target{Team: "sales"}, at: monday, wantErr: activities.ErrUnknownTeam.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Directory{Config: cfg, Overrides: overrides}.Explain(tt.target, tt.at)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

const rulesConfig = `organisation: Test Corp
people:
  - id: alice
    phone: "+393331234567"
    notification_rules:
      - notifier: console
      - notifier: sms
        after: 2m
  - id: bob
notifiers:
  - id: sms
    type: sms
    url: https://api.twilio.com/2010-04-01/Accounts/{username}/Messages.json
    from: "+15550100"
    username: AC1
    secret_env: FIREBREAK_TEST_SMS_TOKEN
escalation_policies:
  - id: ladder
    ack_timeout: 30m
    on_empty: hold
    levels:
      - delay: 5m
        targets: [{schedule: payments}, {person: bob}]
teams:
  - id: payments
    rotation:
      start: 2025-01-06T09:00:00Z
      shift: 168h
      members: [alice, bob]
services:
  - id: checkout
    team: payments
    escalation_policy: ladder
`

func TestDirectoryRulesAndPolicies(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(rulesConfig))
	require.NoError(t, err)
	d := Directory{Config: cfg}

	rules, ok := d.NotificationRules("alice")
	require.True(t, ok)
	require.Equal(t, []activities.NotificationRule{{Method: "console"}, {Method: "sms", After: 2 * time.Minute}}, rules)
	methods, ok := d.ContactMethods("alice")
	require.True(t, ok)
	require.Equal(t, []string{"console", "sms"}, methods, "a person with rules is reached by their methods")
	rules, _ = d.NotificationRules("bob")
	require.Equal(t, []activities.NotificationRule{{Method: "console"}}, rules)
	_, ok = d.NotificationRules("mallory")
	require.False(t, ok)

	p, ok := d.EscalationPolicy("ladder")
	require.True(t, ok)
	require.Equal(t, incident.EscalationPolicy{
		ID: "ladder", OnEmpty: "hold", AckReminder: 30 * time.Minute,
		Levels: []incident.PolicyLevel{{Delay: 5 * time.Minute, Targets: []incident.Target{{Schedule: "payments"}, {Person: "bob"}}}},
	}, p)
	_, ok = d.EscalationPolicy("none")
	require.False(t, ok)
	svc, _ := d.Service("checkout")
	require.Equal(t, "ladder", svc.EscalationPolicy)
}

func TestNewSMSNeedsItsToken(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(rulesConfig))
	require.NoError(t, err)
	n, _ := cfg.Notifier("sms")
	t.Setenv("FIREBREAK_TEST_SMS_TOKEN", "")
	_, err = newSMS(cfg, n)
	require.EqualError(t, err, "environment variable FIREBREAK_TEST_SMS_TOKEN is empty")
	t.Setenv("FIREBREAK_TEST_SMS_TOKEN", "token")
	_, err = newSMS(cfg, n)
	require.NoError(t, err)
}

// BenchmarkExplain measures the on-call lookup a level's page makes for one schedule target:
// the layers from the configuration, one override, and why.
func BenchmarkExplain(b *testing.B) {
	cfg, err := config.Parse("firebreak.yaml", []byte(onCallConfig))
	require.NoError(b, err)
	monday := time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC)
	d := Directory{Config: cfg, Overrides: &fakeOverrides{bySchedule: map[string][]workflows.ScheduleOverride{"office": {{
		ID: "o-7", Person: "alice", Replacing: "carol", Start: monday, End: monday.Add(2 * time.Hour), By: "carol",
	}}}}}
	target := incident.Target{Schedule: "office"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Explain(target, monday.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
