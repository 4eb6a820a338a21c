package workflows_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/schedule"
	"github.com/firebreak-dev/firebreak/workflows"
)

// scheduleStart is the test clock's start: Monday 7 December 2026, 08:00 UTC.
var scheduleStart = time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)

var schedulePeople = []string{"alice", "bob", "carol", "dan"}

// allWeek is a schedule that always has someone on call: alice and bob a week each from Monday
// 09:00 UTC.
var allWeek = workflows.ScheduleDefinition{People: schedulePeople, Layers: []schedule.Layer{{Name: "weekly", Rotation: schedule.Rotation{
	Participants: []string{"alice", "bob"}, Shift: "1w", Handoff: "09:00", TimeZone: "UTC", Start: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
}}}}

// officeHours is a schedule with nobody on call outside 09:00-17:00 on weekdays: alice and bob a
// day each.
var officeHours = workflows.ScheduleDefinition{People: schedulePeople, Layers: []schedule.Layer{{Name: "office", Rotation: schedule.Rotation{
	Participants: []string{"alice", "bob"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
	Restrictions: []schedule.Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}},
}}}}

// at is the test clock's start plus d.
func at(d time.Duration) time.Time { return scheduleStart.Add(d) }

// change is one update sent to the schedule workflow and what must come of it.
type change struct {
	name string // UpdateAddOverride or UpdateRemoveOverride
	arg  any
	// wantReject is part of the validator's reason; empty means the update must be accepted and
	// complete with a result whose text is wantText.
	wantReject string
	wantText   string
	wantGaps   int
}

// overrideSeen is what the overrides query must show of one override.
type overrideSeen struct {
	id, person, replacing string
	start, end            time.Time
	forced                bool
}

func add(person string, from, to time.Duration, mod ...func(*workflows.AddOverrideRequest)) workflows.AddOverrideRequest {
	req := workflows.AddOverrideRequest{Person: person, From: at(from), To: at(to), By: "dan", Reason: "swap", Definition: allWeek}
	for _, m := range mod {
		m(&req)
	}
	return req
}

func remove(id string, mod ...func(*workflows.RemoveOverrideRequest)) workflows.RemoveOverrideRequest {
	req := workflows.RemoveOverrideRequest{ID: id, By: "dan", Reason: "back", Definition: allWeek}
	for _, m := range mod {
		m(&req)
	}
	return req
}

func TestScheduleOverrides(t *testing.T) {
	h := time.Hour
	officeAdd := func(r *workflows.AddOverrideRequest) { r.Definition = officeHours }
	officeRemove := func(r *workflows.RemoveOverrideRequest) { r.Definition = officeHours }
	cases := []struct {
		name    string
		carried []workflows.ScheduleOverride
		changes []change
		want    []overrideSeen
	}{
		{
			name: "an override is made, numbered and shown by the query",
			changes: []change{
				{name: workflows.UpdateAddOverride, arg: add("carol", 2*h, 6*h),
					wantText: "override o-1: carol on call from 2026-12-07T10:00:00Z to 2026-12-07T14:00:00Z"},
				{name: workflows.UpdateAddOverride, arg: add("dan", 24*h, 48*h, func(r *workflows.AddOverrideRequest) { r.Replacing = "bob" }),
					wantText: "override o-2: dan on call from 2026-12-08T08:00:00Z to 2026-12-09T08:00:00Z wherever bob would be"},
			},
			want: []overrideSeen{{id: "o-1", person: "carol", start: at(2 * h), end: at(6 * h)}, {id: "o-2", person: "dan", replacing: "bob", start: at(24 * h), end: at(48 * h)}},
		},
		{
			name: "unknown people are refused",
			changes: []change{
				{name: workflows.UpdateAddOverride, arg: add("mallory", h, 2*h), wantReject: `person "mallory" is not a person the organisation knows`},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, 2*h, func(r *workflows.AddOverrideRequest) { r.Replacing = "eve" }),
					wantReject: `replaced person "eve" is not a person the organisation knows`},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, 2*h, func(r *workflows.AddOverrideRequest) { r.By = "trudy" }),
					wantReject: `"trudy" is not a person the organisation knows`},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, 2*h, func(r *workflows.AddOverrideRequest) { r.By = " " }),
					wantReject: "say who makes the change"},
			},
		},
		{
			name: "times in the past, reversed, too long or too far ahead are refused",
			changes: []change{
				{name: workflows.UpdateAddOverride, arg: add("carol", -h, 2*h),
					wantReject: "the override starts at 2026-12-07T07:00:00Z, in the past (it is 2026-12-07T08:00:00Z): an override changes who is on call from now on, never who was"},
				{name: workflows.UpdateAddOverride, arg: add("carol", 2*h, h), wantReject: "the override ends at 2026-12-07T09:00:00Z, not after its start 2026-12-07T10:00:00Z"},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, h+367*24*h), wantReject: "the override lasts 8808h0m0s: at most 8784h0m0s"},
				{name: workflows.UpdateAddOverride, arg: add("carol", 367*24*h, 368*24*h), wantReject: "more than 8784h0m0s ahead"},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, 2*h, func(r *workflows.AddOverrideRequest) { r.Replacing = "carol" }),
					wantReject: `"carol" cannot replace themselves`},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, 2*h, func(r *workflows.AddOverrideRequest) { r.Reason = string(make([]byte, 501)) }),
					wantReject: "the reason is 501 bytes long: at most 500"},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, 2*h, func(r *workflows.AddOverrideRequest) { r.Expires = at(-time.Second) }),
					wantReject: workflows.ErrExpired.Error()},
			},
		},
		{
			name: "a start a moment ago becomes now",
			changes: []change{
				{name: workflows.UpdateAddOverride, arg: add("carol", -time.Minute, h),
					wantText: "override o-1: carol on call from 2026-12-07T08:00:00Z to 2026-12-07T09:00:00Z"},
			},
			want: []overrideSeen{{id: "o-1", person: "carol", start: at(time.Millisecond), end: at(h)}},
		},
		{
			name: "an override that leaves a gap is refused unless forced",
			changes: []change{
				// Bob is on call 09:00-17:00 on Tuesday; the override replaces him only then, so
				// nobody is on call from 17:00 to Wednesday 09:00.
				{name: workflows.UpdateAddOverride, arg: add("carol", 25*h, 49*h, officeAdd, func(r *workflows.AddOverrideRequest) { r.Replacing = "bob" }),
					wantReject: "nobody would be on call from 2026-12-08T17:00:00Z to 2026-12-09T09:00:00Z: make the override with force to leave that gap"},
				{name: workflows.UpdateAddOverride, arg: add("carol", 25*h, 49*h, officeAdd, func(r *workflows.AddOverrideRequest) { r.Replacing, r.Force = "bob", true }),
					wantText: "override o-1: carol on call from 2026-12-08T09:00:00Z to 2026-12-09T09:00:00Z wherever bob would be; " +
						"forced: nobody is on call from 2026-12-08T17:00:00Z to 2026-12-09T09:00:00Z", wantGaps: 1},
				// Without replacing, the override covers the night too.
				{name: workflows.UpdateAddOverride, arg: add("dan", 33*h, 49*h, officeAdd),
					wantText: "override o-2: dan on call from 2026-12-08T17:00:00Z to 2026-12-09T09:00:00Z"},
			},
			want: []overrideSeen{
				{id: "o-1", person: "carol", replacing: "bob", start: at(25 * h), end: at(49 * h), forced: true},
				{id: "o-2", person: "dan", start: at(33 * h), end: at(49 * h)},
			},
		},
		{
			name: "removing an override that fills a gap is refused unless forced",
			changes: []change{
				{name: workflows.UpdateAddOverride, arg: add("dan", 9*h, 25*h, officeAdd),
					wantText: "override o-1: dan on call from 2026-12-07T17:00:00Z to 2026-12-08T09:00:00Z"},
				{name: workflows.UpdateAddOverride, arg: add("carol", h, 2*h, officeAdd),
					wantText: "override o-2: carol on call from 2026-12-07T09:00:00Z to 2026-12-07T10:00:00Z"},
				{name: workflows.UpdateRemoveOverride, arg: remove("o-1", officeRemove),
					wantReject: "nobody would be on call from 2026-12-07T17:00:00Z to 2026-12-08T09:00:00Z: remove the override with force to leave that gap"},
				// Under office hours alice is on call instead of carol: removing o-2 leaves no gap.
				{name: workflows.UpdateRemoveOverride, arg: remove("o-2", officeRemove),
					wantText: "override o-2 removed: carol is no longer on call from 2026-12-07T09:00:00Z to 2026-12-07T10:00:00Z"},
				{name: workflows.UpdateRemoveOverride, arg: remove("o-1", officeRemove, func(r *workflows.RemoveOverrideRequest) { r.Force = true }),
					wantText: "override o-1 removed: dan is no longer on call from 2026-12-07T17:00:00Z to 2026-12-08T09:00:00Z; " +
						"forced: nobody is on call from 2026-12-07T17:00:00Z to 2026-12-08T09:00:00Z", wantGaps: 1},
				{name: workflows.UpdateRemoveOverride, arg: remove("o-1"), wantReject: `no override "o-1" on schedule payments`},
			},
			want: []overrideSeen{},
		},
		{
			name: "an override that has ended cannot be removed, and is dropped at the next change",
			carried: []workflows.ScheduleOverride{
				{ID: "o-1", Person: "carol", Start: at(-3 * h), End: at(-h), By: "dan"},
				{ID: "o-2", Person: "dan", Start: at(-h), End: at(h), By: "dan"},
			},
			changes: []change{
				{name: workflows.UpdateRemoveOverride, arg: remove("o-1"), wantReject: "override o-1 ended at 2026-12-07T07:00:00Z: nothing to remove"},
				{name: workflows.UpdateAddOverride, arg: add("carol", 2*h, 3*h), wantText: "override o-3: carol on call from 2026-12-07T10:00:00Z to 2026-12-07T11:00:00Z"},
			},
			want: []overrideSeen{{id: "o-2", person: "dan", start: at(-h), end: at(h)}, {id: "o-3", person: "carol", start: at(2 * h), end: at(3 * h)}},
		},
		{
			name:    "at most 1,000 overrides in force or to come",
			carried: manyOverrides(schedule.MaxOverrides),
			changes: []change{
				{name: workflows.UpdateAddOverride, arg: add("carol", 2*h, 3*h), wantReject: "the schedule has 1000 overrides in force or to come: at most 1000; remove one first"},
			},
		},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			env := newScheduleEnv(t)
			var in workflows.ScheduleInput
			in.Schedule = "payments"
			if tt.carried != nil {
				in.Carried = &workflows.ScheduleState{Schedule: "payments", Overrides: tt.carried, Made: 2}
			}
			for i, c := range tt.changes {
				send(t, env, time.Duration(i+1)*time.Millisecond, c)
			}
			env.RegisterDelayedCallback(func() {
				got := queryOverrides(t, env)
				if tt.want != nil {
					seen := []overrideSeen{}
					for _, o := range got.Overrides {
						seen = append(seen, overrideSeen{id: o.ID, person: o.Person, replacing: o.Replacing, start: o.Start, end: o.End, forced: o.Forced})
					}
					require.Equal(t, tt.want, seen)
				}
				env.CancelWorkflow()
			}, time.Second)
			env.ExecuteWorkflow(workflows.Schedule, in)
			require.True(t, env.IsWorkflowCompleted())
		})
	}
}

// manyOverrides returns n overrides in force, by dan, one a minute from now.
func manyOverrides(n int) []workflows.ScheduleOverride {
	out := make([]workflows.ScheduleOverride, n)
	for i := range out {
		out[i] = workflows.ScheduleOverride{ID: fmt.Sprintf("o-%d", i+1), Person: "carol", Start: at(time.Duration(i) * time.Minute),
			End: at(time.Duration(i+1) * time.Minute), By: "dan"}
	}
	return out
}

// TestScheduleAudit checks that an override keeps who made it, when and why.
func TestScheduleAudit(t *testing.T) {
	env := newScheduleEnv(t)
	send(t, env, time.Minute, change{name: workflows.UpdateAddOverride, arg: add("carol", time.Hour, 2*time.Hour, func(r *workflows.AddOverrideRequest) {
		r.Reason, r.By = "alice is ill", "bob"
	}), wantText: "override o-1: carol on call from 2026-12-07T09:00:00Z to 2026-12-07T10:00:00Z"})
	env.RegisterDelayedCallback(func() {
		got := queryOverrides(t, env)
		require.Equal(t, []workflows.ScheduleOverride{{
			ID: "o-1", Person: "carol", Start: at(time.Hour), End: at(2 * time.Hour), By: "bob", Reason: "alice is ill", MadeAt: at(time.Minute),
		}}, got.Overrides)
		require.Equal(t, 1, got.Made)
		require.Equal(t, 1, got.Changes)
		env.CancelWorkflow()
	}, 2*time.Minute)
	env.ExecuteWorkflow(workflows.Schedule, workflows.ScheduleInput{Schedule: "payments"})
	require.True(t, env.IsWorkflowCompleted())
}

// TestScheduleContinueAsNew checks that a run continues as new after its changes, carrying the
// overrides that have not ended and the count that numbers them.
func TestScheduleContinueAsNew(t *testing.T) {
	env := newScheduleEnv(t)
	send(t, env, time.Minute, change{name: workflows.UpdateAddOverride, arg: add("carol", time.Hour, 2*time.Hour),
		wantText: "override o-1: carol on call from 2026-12-07T09:00:00Z to 2026-12-07T10:00:00Z"})
	// The second change comes after the first override ended: it is not carried.
	send(t, env, 3*time.Hour, change{name: workflows.UpdateAddOverride, arg: add("dan", 4*time.Hour, 5*time.Hour),
		wantText: "override o-2: dan on call from 2026-12-07T12:00:00Z to 2026-12-07T13:00:00Z"})
	env.ExecuteWorkflow(workflows.Schedule, workflows.ScheduleInput{Schedule: "payments", ChangesPerRun: 2})

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "got %v", env.GetWorkflowError())
	require.Equal(t, workflows.ScheduleWorkflowName, can.WorkflowType.Name)
	var next workflows.ScheduleInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, "payments", next.Schedule)
	require.Equal(t, 2, next.ChangesPerRun)
	require.NotNil(t, next.Carried)
	require.Equal(t, 2, next.Carried.Made)
	require.Equal(t, 2, next.Carried.Changes)
	require.Len(t, next.Carried.Overrides, 1)
	require.Equal(t, "o-2", next.Carried.Overrides[0].ID)
}

func TestScheduleNeedsID(t *testing.T) {
	env := newScheduleEnv(t)
	env.ExecuteWorkflow(workflows.Schedule, workflows.ScheduleInput{})
	require.ErrorContains(t, env.GetWorkflowError(), "missing schedule ID")
}

// TestReplayScheduleHistories replays schedule histories recorded on the real server by
// `go test ./test/e2e -run TestOnCallOverride -record`.
func TestReplayScheduleHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "schedule", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflows.Schedule, workflow.RegisterOptions{Name: workflows.ScheduleWorkflowName})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}

func newScheduleEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(scheduleStart)
	env.RegisterWorkflowWithOptions(workflows.Schedule, workflow.RegisterOptions{Name: workflows.ScheduleWorkflowName})
	return env
}

// send sends c at the test clock's start plus d and checks its outcome.
func send(t *testing.T, env *testsuite.TestWorkflowEnvironment, d time.Duration, c change) {
	t.Helper()
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(c.name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) {
				if c.wantReject == "" {
					t.Errorf("%s at %s rejected: %v", c.name, d, err)
					return
				}
				if !strings.Contains(err.Error(), c.wantReject) {
					t.Errorf("%s at %s rejected with %q, want %q", c.name, d, err, c.wantReject)
				}
			},
			OnAccept: func() {
				if c.wantReject != "" {
					t.Errorf("%s at %s accepted, want rejected with %q", c.name, d, c.wantReject)
				}
			},
			OnComplete: func(v any, err error) {
				if c.wantReject != "" {
					return
				}
				if err != nil {
					t.Errorf("%s at %s failed: %v", c.name, d, err)
					return
				}
				res, ok := v.(workflows.OverrideResult)
				if !ok {
					t.Errorf("%s returned %T", c.name, v)
					return
				}
				if res.Text != c.wantText {
					t.Errorf("%s at %s: text %q, want %q", c.name, d, res.Text, c.wantText)
				}
				if len(res.Gaps) != c.wantGaps {
					t.Errorf("%s at %s: %d gaps, want %d", c.name, d, len(res.Gaps), c.wantGaps)
				}
			},
		}, c.arg)
	}, d)
}

func queryOverrides(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.ScheduleState {
	t.Helper()
	v, err := env.QueryWorkflow(workflows.QueryOverrides)
	require.NoError(t, err)
	var s workflows.ScheduleState
	require.NoError(t, v.Get(&s))
	return s
}
