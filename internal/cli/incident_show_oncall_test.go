package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/workflows"
)

// showOnCallConfig has a team with a weekly rotation (alice, then bob, from Monday 6 January
// 2025 09:00 UTC) and an office-hours schedule.
const showOnCallConfig = `organisation: Test Corp
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
services:
  - id: checkout
    team: payments
`

// engagedState is a triggered incident whose plan engages team payments, the office schedule,
// a person, and a team the configuration does not have.
func engagedState() workflows.State {
	s := showState()
	s.Status = incident.StatusTriggered
	s.Plan.Tiers = [][]incident.Target{
		{{Team: "payments"}},
		{{Team: "payments"}, {Schedule: "office"}, {Person: "dave"}},
		{{Team: "sre"}},
	}
	return s
}

func TestShowRunSaysWhoIsOnCall(t *testing.T) {
	monday := time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC) // bob's week; carol in the office
	path := filepath.Join(t.TempDir(), "firebreak.yaml")
	require.NoError(t, os.WriteFile(path, []byte(showOnCallConfig), 0o600))
	overrides := workflows.ScheduleState{Schedule: "office", Overrides: []workflows.ScheduleOverride{{
		ID: "o-2", Person: "alice", Replacing: "carol", Start: monday.Add(-time.Hour), End: monday.Add(time.Hour), By: "carol",
	}}}
	for _, output := range []string{"text", "json"} {
		t.Run(output, func(t *testing.T) {
			io, out, errOut := testIO("")
			f, mc := mockFactory(t, io)
			payloads, err := converter.GetDefaultDataConverter().ToPayloads(engagedState())
			require.NoError(t, err)
			mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).Return(client.NewValue(payloads), nil)
			mc.On("QueryWorkflow", mock.Anything, "schedule-payments", "", workflows.QueryOverrides).
				Return(nil, serviceerror.NewNotFound("workflow not found"))
			office, err := converter.GetDefaultDataConverter().ToPayloads(overrides)
			require.NoError(t, err)
			mc.On("QueryWorkflow", mock.Anything, "schedule-office", "", workflows.QueryOverrides).Return(client.NewValue(office), nil)

			err = showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: output,
				Wait: testWait, ConfigPath: path, Now: func() time.Time { return monday }})
			require.NoError(t, err)
			require.Empty(t, errOut.String())
			want := []onCallTarget{
				{Target: "team payments", Schedule: "payments", Person: "bob", Until: time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC),
					Why: "on call on schedule payments (layer rotation) until 2025-01-20T09:00:00Z"},
				{Target: "schedule office", Schedule: "office", Person: "alice", Until: monday.Add(time.Hour),
					Why: "on call on schedule office (override o-2 by carol, replacing carol) until 2025-01-13T11:00:00Z"},
				{Target: "team sre", Why: "not in the configuration (" + path + ")"},
			}
			if output == "json" {
				var got showReport
				require.NoError(t, json.Unmarshal(out.Bytes(), &got))
				require.Equal(t, want, got.OnCall)
				require.Equal(t, "chk-1", got.Key)
				return
			}
			require.Contains(t, out.String(), "\nOn call now for the engaged teams\n")
			require.Regexp(t, `team payments\s+bob\s+2025-01-20 09:00:00Z\s+on call on schedule payments \(layer rotation\)`, out.String())
			require.Regexp(t, `schedule office\s+alice\s+2025-01-13 11:00:00Z\s+on call on schedule office \(override o-2 by carol, replacing carol\)`, out.String())
			require.Regexp(t, `team sre\s+-\s+-\s+not in the configuration`, out.String())
		})
	}
}

func TestShowRunOnCallNeverBlocksTheReport(t *testing.T) {
	io, out, errOut := testIO("")
	f, mc := mockFactory(t, io)
	payloads, err := converter.GetDefaultDataConverter().ToPayloads(engagedState())
	require.NoError(t, err)
	mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).Return(client.NewValue(payloads), nil)
	err = showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: "text",
		Wait: testWait, ConfigPath: filepath.Join(t.TempDir(), "missing.yaml")})
	require.NoError(t, err)
	require.Contains(t, errOut.String(), "firebreak: warning: cannot say who is on call: read config:")
	require.NotContains(t, out.String(), "On call now")
	require.Contains(t, out.String(), "Checkout returns 500s")
}

func TestCheckPlanKnowsSchedules(t *testing.T) {
	cfg, err := config.Parse("firebreak.yaml", []byte(showOnCallConfig))
	require.NoError(t, err)
	var problems []string
	checkPlan(cfg, incident.EngagementPlan{
		Tiers:       [][]incident.Target{{{Schedule: "office"}, {Schedule: "payments"}}, {{Schedule: "ofice"}}},
		AckTimeouts: []time.Duration{time.Minute, time.Minute},
	}, func(_ policies.Name, problem string) { problems = append(problems, problem) })
	require.Equal(t, []string{`tier 2 names schedule "ofice", which is not in the configuration`}, problems,
		"a schedule of the schedules section and a team's rotation are both schedules")
}
