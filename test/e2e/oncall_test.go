package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// oncallYAML is an organisation whose payments team pages through a schedule (a weekly layer of
// giulia, marco and priya) and whose other teams have the rotations the built-in policies page.
const oncallYAML = `organisation: Example Corp
timezone: Europe/Rome
people:
  - {id: giulia}
  - {id: marco}
  - {id: priya}
  - {id: tom}
  - {id: ana}
  - {id: kenji}
  - {id: lena}
  - {id: dewi}
schedules:
  - id: payments-primary
    name: Payments primary
    layers:
      - name: weekly
        rotation:
          participants: [giulia, marco, priya]
          shift: 1w
          handoff: "09:00"
          start: 2025-01-06T09:00:00+01:00
teams:
  - id: payments
    schedule: payments-primary
  - id: platform
    rotation: {start: 2025-01-06T09:00:00+01:00, shift: 168h, members: [kenji, lena, dewi]}
  - id: operations
    rotation: {start: 2025-01-06T09:00:00+01:00, shift: 168h, members: [lena, tom]}
  - id: security
    rotation: {start: 2025-01-06T09:00:00+01:00, shift: 168h, members: [dewi, priya]}
  - id: incident-commanders
    rotation: {start: 2025-01-06T09:00:00+01:00, shift: 168h, members: [ana, giulia, kenji]}
services:
  - id: checkout
    team: payments
    escalation_team: platform
    customer_facing: true
    ack_timeout: 5m
`

// onCallAnswer is what `firebreak oncall -o json` prints.
type onCallAnswer struct {
	At    time.Time `json:"at"`
	Teams []struct {
		Team     string                      `json:"team"`
		Schedule string                      `json:"schedule"`
		Person   string                      `json:"person"`
		Layer    string                      `json:"layer"`
		Override *workflows.ScheduleOverride `json:"override"`
	} `json:"teams"`
}

// onCall asks `firebreak oncall` who the payments team has on call.
func (fb *firebreak) onCall(configPath string) (person, layer, override string) {
	fb.t.Helper()
	var a onCallAnswer
	require.NoError(fb.t, json.Unmarshal([]byte(fb.cli("oncall", "--team", "payments", "--config", configPath, "-o", "json")), &a))
	require.Len(fb.t, a.Teams, 1)
	row := a.Teams[0]
	require.Equal(fb.t, "payments-primary", row.Schedule)
	if row.Override != nil {
		override = row.Override.ID
	}
	return row.Person, row.Layer, override
}

// pagedFor waits for an incident's first page of the payments team and returns who it went to.
func (fb *firebreak) pagedFor(key string) string {
	fb.t.Helper()
	var person string
	require.Eventually(fb.t, func() bool {
		for _, r := range fb.state(key).Responders {
			if r.Team == "payments" {
				person = r.Person
				return true
			}
		}
		return false
	}, waitFor, 100*time.Millisecond, "timeline: %+v; console: %q", fb.state(key).Timeline, fb.console.lines("incident-"+key))
	require.NotEmpty(fb.t, fb.console.lines("PAGE", "incident-"+key+" → "+person+":"), "the console shows the page")
	return person
}

// TestOnCallOverride makes an override with the CLI and checks that `oncall` reports it, that
// the next page goes to the person it puts on call, that it survives a restart of the server,
// and that removing it gives the duty back to the layer.
func TestOnCallOverride(t *testing.T) {
	configPath := filepath.Join(t.TempDir(), "firebreak.yaml")
	require.NoError(t, os.WriteFile(configPath, []byte(oncallYAML), 0o600))
	cfg, err := config.Load(configPath)
	require.NoError(t, err)
	dataDir := t.TempDir()
	fb := startFirebreak(t, options{dataDir: dataDir, config: cfg})

	layerPerson, layer, override := fb.onCall(configPath)
	require.Equal(t, "weekly", layer)
	require.Empty(t, override)
	require.Contains(t, []string{"giulia", "marco", "priya"}, layerPerson)
	require.Equal(t, "Schedule payments-primary has no overrides in force or to come.\n",
		fb.cli("oncall", "overrides", "--schedule", "payments-primary", "--config", configPath))

	// Refused changes record nothing and say why.
	_, errOut, code := fb.run("oncall", "override", "--schedule", "payments-primary", "--person", "mallory", "--from", "now", "--to", "+2h",
		"--as", layerPerson, "--config", configPath)
	require.Equal(t, 1, code)
	require.Equal(t, "firebreak: add-override rejected: person \"mallory\" is not a person the organisation knows\n", errOut)
	_, errOut, code = fb.run("oncall", "override", "--schedule", "payments-primary", "--person", "tom", "--from=-1h", "--to", "+2h",
		"--as", layerPerson, "--config", configPath)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "in the past")

	out := fb.cli("oncall", "override", "--schedule", "payments-primary", "--person", "tom", "--from", "now", "--to", "+2h",
		"--reason", layerPerson+" is ill", "--as", layerPerson, "--config", configPath)
	require.True(t, strings.HasPrefix(out, "payments-primary: override o-1: tom on call from "), out)

	person, _, override := fb.onCall(configPath)
	require.Equal(t, "tom", person)
	require.Equal(t, "o-1", override)

	fb.cli("incident", "start", "--service", "checkout", "--title", "Checkout errors", "--impact", "customers=some", "--id", "oncall-1")
	require.Equal(t, "tom", fb.pagedFor("oncall-1"), "the page goes to the person the override puts on call")
	fb.cli("incident", "ack", "oncall-1", "--as", "tom")
	fb.cli("incident", "resolve", "oncall-1", "--summary", "fixed", "--as", "tom")

	// The override lives in Temporal: it survives a restart of the server on the same data.
	fb.stop()
	fb = startFirebreak(t, options{dataDir: dataDir, config: cfg})
	person, _, override = fb.onCall(configPath)
	require.Equal(t, "tom", person)
	require.Equal(t, "o-1", override)
	var listed []workflows.ScheduleOverride
	require.NoError(t, json.Unmarshal([]byte(fb.cli("oncall", "overrides", "--schedule", "payments-primary", "--config", configPath, "-o", "json")), &listed))
	require.Len(t, listed, 1)
	require.Equal(t, "tom", listed[0].Person)
	require.Equal(t, layerPerson, listed[0].By)
	require.Equal(t, layerPerson+" is ill", listed[0].Reason)

	fb.cli("incident", "start", "--service", "checkout", "--title", "Checkout errors again", "--impact", "customers=some", "--id", "oncall-2")
	require.Equal(t, "tom", fb.pagedFor("oncall-2"), "after the restart the page still goes to the override's person")

	measureOverridesQuery(t, fb)

	out = fb.cli("oncall", "remove-override", "o-1", "--schedule", "payments-primary", "--reason", "back", "--as", "tom", "--config", configPath)
	require.True(t, strings.HasPrefix(out, "payments-primary: override o-1 removed: tom is no longer on call from "), out)
	person, layer, override = fb.onCall(configPath)
	require.Equal(t, layerPerson, person)
	require.Equal(t, "weekly", layer)
	require.Empty(t, override)

	fb.cli("incident", "ack", "oncall-2", "--as", "tom")
	fb.cli("incident", "resolve", "oncall-2", "--summary", "fixed", "--as", "tom")
	fb.recordScheduleHistory("payments-primary", "override")
}

// measureOverridesQuery logs what reading a schedule's overrides costs the page path: the query
// the worker's on-call lookup sends for every team it resolves.
func measureOverridesQuery(t *testing.T, fb *firebreak) {
	source := worker.ScheduleOverrides{Temporal: fb.client}
	var took []time.Duration
	for range 50 {
		start := time.Now()
		_, err := source.Overrides(context.Background(), "payments-primary")
		require.NoError(t, err)
		took = append(took, time.Since(start))
	}
	for range 50 {
		start := time.Now()
		_, err := source.Overrides(context.Background(), "no-such-schedule")
		require.NoError(t, err)
		took = append(took, time.Since(start))
	}
	existing, missing := took[:50], took[50:]
	slices.Sort(existing)
	slices.Sort(missing)
	t.Logf("overrides query: existing workflow p50 %s p95 %s; no workflow p50 %s p95 %s",
		existing[25], existing[47], missing[25], missing[47])
}

// recordScheduleHistory saves the history of a schedule workflow's latest run for the replay
// test when -record is given.
func (fb *firebreak) recordScheduleHistory(id, name string) {
	fb.t.Helper()
	if !*record {
		return
	}
	iter := fb.client.GetWorkflowHistory(context.Background(), workflows.ScheduleWorkflowID(id), "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(fb.t, err)
		h.Events = append(h.Events, e)
	}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(fb.t, err)
	dir := filepath.Join("..", "..", "workflows", "testdata", "histories", "schedule")
	require.NoError(fb.t, os.MkdirAll(dir, 0o755))
	require.NoError(fb.t, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644))
}
