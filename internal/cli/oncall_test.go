package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/workflows"
)

// oncallConfig is the configuration of the on-call tests: payments has bob on call at testNow
// (the second week of its rotation repeats every two weeks), support has carol (office hours,
// Tuesday).
var oncallConfig = filepath.Join("testdata", "config", "oncall.yaml")

// queryAnswer is what the overrides query of one schedule answers: overrides, or an error.
type queryAnswer struct {
	overrides []workflows.ScheduleOverride
	err       error
}

// expectOverridesQuery makes the mock client answer the overrides query of a schedule.
func expectOverridesQuery(t *testing.T, mc *mocks.Client, id string, a queryAnswer) {
	t.Helper()
	var value converter.EncodedValue
	if a.err == nil {
		payloads, err := converter.GetDefaultDataConverter().ToPayloads(workflows.ScheduleState{Schedule: id, Overrides: a.overrides})
		require.NoError(t, err)
		value = client.NewValue(payloads)
	}
	mc.On("QueryWorkflow", mock.Anything, "schedule-"+id, "", workflows.QueryOverrides).Return(value, a.err).Once()
}

func TestNewCmdOncall(t *testing.T) {
	base := oncallOptions{scheduleOptions: scheduleOptions{Wait: testWait}, At: "now", Output: formatText}
	with := func(f func(*oncallOptions)) oncallOptions {
		o := base
		f(&o)
		return o
	}
	testParse(t, newCmdOncall, []parseCase[oncallOptions]{
		{name: "defaults", args: nil, want: base},
		{name: "a team at a time as JSON", args: []string{"--team", "payments", "--at", "2026-12-24T09:00:00+01:00", "-o", "json", "--config", "f.yaml"},
			want: with(func(o *oncallOptions) {
				o.Team, o.At, o.Output, o.ConfigPath = "payments", "2026-12-24T09:00:00+01:00", formatJSON, "f.yaml"
			})},
		{name: "a time from now", args: []string{"--at", "+12h"}, want: with(func(o *oncallOptions) { o.At = "+12h" })},
		{name: "a time that is not one", args: []string{"--at", "tomorrow"}, wantErr: `invalid --at "tomorrow": use now, a time such as 2026-12-07T09:00:00+01:00, or a duration from now such as +2h or -30m`},
		{name: "an unknown output", args: []string{"-o", "yaml"}, wantErr: `invalid --output "yaml"`},
		{name: "no wait", args: []string{"--wait", "0s"}, wantErr: "invalid --wait 0s"},
		{name: "an argument", args: []string{"payments"}, wantErr: `unknown command "payments" for "oncall"`},
	}, func(t *testing.T, o *oncallOptions) {
		require.NotNil(t, o.Starter)
		o.IO, o.Starter = IOStreams{}, nil
	})
}

func TestOncallRun(t *testing.T) {
	carol := workflows.ScheduleOverride{ID: "o-1", Person: "carol", Replacing: "bob", Start: testNow.Add(-time.Hour), End: testNow.Add(3 * time.Hour),
		By: "bob", Reason: "dentist \x1b[2J", MadeAt: testNow.Add(-2 * time.Hour)}
	stranger := workflows.ScheduleOverride{ID: "o-2", Person: "mallory", Start: testNow.Add(-time.Hour), End: testNow.Add(time.Hour), By: "dan"}
	tests := []struct {
		name    string
		opts    oncallOptions
		answers map[string]queryAnswer
		want    string
		wantErr string
		wantOut string // standard error
	}{
		{
			name:    "every team, no overrides",
			answers: map[string]queryAnswer{"payments": {}, "office": {err: serviceerror.NewNotFound("no such workflow")}},
			want: "On call at 2026-12-01 09:00Z:\n" +
				"TEAM      SCHEDULE  ON CALL  SINCE              UNTIL              BECAUSE OF\n" +
				"payments  payments  bob      2026-11-30 09:00Z  2026-12-07 09:00Z  layer rotation\n" +
				"support   office    carol    2026-12-01 09:00Z  2026-12-01 17:00Z  layer office hours\n",
		},
		{
			name:    "an override, its reason made printable",
			opts:    oncallOptions{Team: "payments"},
			answers: map[string]queryAnswer{"payments": {overrides: []workflows.ScheduleOverride{carol}}},
			want: "On call at 2026-12-01 09:00Z:\n" +
				"TEAM      SCHEDULE  ON CALL  SINCE              UNTIL              BECAUSE OF\n" +
				"payments  payments  carol    2026-12-01 08:00Z  2026-12-01 12:00Z  override o-1 by bob: dentist \\x1b[2J\n",
		},
		{
			name:    "nobody on call at night, and an override of a stranger is ignored",
			opts:    oncallOptions{Team: "support", At: "+10h"},
			answers: map[string]queryAnswer{"office": {overrides: []workflows.ScheduleOverride{stranger}}},
			want: "On call at 2026-12-01 19:00Z:\n" +
				"TEAM     SCHEDULE  ON CALL  SINCE              UNTIL              BECAUSE OF\n" +
				"support  office    -        2026-12-01 17:00Z  2026-12-02 09:00Z  nobody: no layer covers this time\n",
			wantOut: "firebreak: warning: override o-2 of schedule office puts mallory on call, who is not in the configuration: it is ignored\n",
		},
		{
			name:    "an unknown team",
			opts:    oncallOptions{Team: "sales"},
			wantErr: `no team "sales" in the configuration (testdata/config/oncall.yaml)`,
		},
		{
			name:    "no worker answers",
			opts:    oncallOptions{Team: "payments"},
			answers: map[string]queryAnswer{"payments": {err: context.DeadlineExceeded}},
			wantErr: "read the overrides of schedule payments: no worker answered within 10s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, stdout, stderr := testIO("")
			f, mc := mockFactory(t, io)
			for id, a := range tt.answers {
				expectOverridesQuery(t, mc, id, a)
			}
			opts := tt.opts
			opts.scheduleOptions = scheduleOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return testNow }, ConfigPath: oncallConfig, Wait: testWait}
			if opts.At == "" {
				opts.At = "now"
			}
			opts.Output = formatText
			err := oncallRun(context.Background(), &opts)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, stdout.String())
			require.Equal(t, tt.wantOut, stderr.String())
		})
	}
}

func TestOncallRunJSON(t *testing.T) {
	io, stdout, _ := testIO("")
	f, mc := mockFactory(t, io)
	override := workflows.ScheduleOverride{ID: "o-1", Person: "dan", Start: testNow.Add(-time.Hour), End: testNow.Add(time.Hour), By: "carol", MadeAt: testNow.Add(-time.Hour)}
	expectOverridesQuery(t, mc, "office", queryAnswer{overrides: []workflows.ScheduleOverride{override}})
	err := oncallRun(context.Background(), &oncallOptions{
		scheduleOptions: scheduleOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return testNow }, ConfigPath: oncallConfig, Wait: testWait},
		Team:            "support", At: "2026-12-01T10:00:00+01:00", Output: formatJSON,
	})
	require.NoError(t, err)
	var got onCallAnswer
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	require.Equal(t, onCallAnswer{At: testNow, Teams: []onCallRow{{
		Team: "support", Schedule: "office", Person: "dan", Since: testNow.Add(-time.Hour), Until: testNow.Add(time.Hour), Override: &override,
	}}}, got)
}

func TestNewCmdOverride(t *testing.T) {
	full := []string{"--schedule", "payments", "--person", "carol", "--from", "now", "--to", "+8h", "--as", "bob"}
	base := overrideOptions{scheduleOptions: scheduleOptions{Wait: testWait}, Schedule: "payments", Person: "carol", From: "now", To: "+8h", As: "bob"}
	testParse(t, newCmdOverride, []parseCase[overrideOptions]{
		{name: "required flags", args: full, want: base},
		{name: "every flag", args: append(full, "--replacing", "bob", "--reason", "bob is ill", "--force", "--config", "f.yaml", "--wait", "3s"),
			want: func() overrideOptions {
				o := base
				o.Replacing, o.Reason, o.Force, o.ConfigPath, o.Wait = "bob", "bob is ill", true, "f.yaml", 3*time.Second
				return o
			}()},
		{name: "missing flags", args: []string{"--person", "carol"}, wantErr: "required flags --schedule, --from, --to, --as not set"},
		{name: "a start that is not a time", args: append(full, "--from", "soon"), wantErr: `invalid --from "soon"`},
		{name: "an end before the start", args: append(full, "--from", "+2h", "--to", "+1h"), wantErr: `invalid --to "+1h": it is not after --from "+2h"`},
		{name: "no wait", args: append(full, "--wait", "-1s"), wantErr: "invalid --wait -1s"},
	}, func(t *testing.T, o *overrideOptions) {
		require.NotNil(t, o.Starter)
		o.IO, o.Starter = IOStreams{}, nil
	})
}

// withStart is the start operation the mock client hands out.
type withStart struct{}

func (withStart) Get(context.Context) (client.WorkflowRun, error) { return nil, nil }

func TestOverrideRun(t *testing.T) {
	wantReq := workflows.AddOverrideRequest{
		Person: "carol", From: testNow, To: testNow.Add(8 * time.Hour), Replacing: "bob", Reason: "bob is ill", By: "bob",
		Definition: workflows.ScheduleDefinition{People: []string{"alice", "bob", "carol", "dan"}},
		Expiry:     testExpiry,
	}
	tests := []struct {
		name      string
		schedule  string
		result    workflows.OverrideResult
		updateErr error
		want      string
		wantErr   string
	}{
		{
			name:     "made",
			schedule: "payments",
			result:   workflows.OverrideResult{Text: "override o-1: carol on call from 2026-12-01T09:00:00Z to 2026-12-01T17:00:00Z wherever bob would be"},
			want:     "payments: override o-1: carol on call from 2026-12-01T09:00:00Z to 2026-12-01T17:00:00Z wherever bob would be\n",
		},
		{
			name:      "refused",
			schedule:  "payments",
			updateErr: temporal.NewApplicationError("nobody would be on call from a to b: make the override with force to leave that gap", ""),
			wantErr:   "add-override rejected: nobody would be on call from a to b: make the override with force to leave that gap",
		},
		{
			name:      "no worker",
			schedule:  "payments",
			updateErr: client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded),
			wantErr: "add-override on schedule payments: no worker answered within 10s, and the change expires then, so no worker makes it later; " +
				"see `firebreak oncall overrides --schedule payments`",
		},
		{
			name:     "an unknown schedule",
			schedule: "paymnts",
			wantErr:  `no schedule "paymnts" in the configuration (testdata/config/oncall.yaml): it has office, payments`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, stdout, _ := testIO("")
			f, mc := mockFactory(t, io)
			if tt.wantErr == "" || tt.updateErr != nil {
				start := client.StartWorkflowOptions{ID: "schedule-payments", TaskQueue: workflows.TaskQueue,
					WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, StaticSummary: "On-call schedule payments: its overrides"}
				mc.On("NewWithStartWorkflowOperation", start, workflows.ScheduleWorkflowName, workflows.ScheduleInput{Schedule: "payments"}).Return(withStart{})
				req := wantReq
				def, ok := mustLoad(t).ScheduleDefinition("payments")
				require.True(t, ok)
				req.Definition.Layers = def.Layers
				handle := mocks.NewWorkflowUpdateHandle(t)
				if tt.updateErr == nil {
					handle.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
						*args.Get(1).(*workflows.OverrideResult) = tt.result
					}).Return(nil)
				}
				var h client.WorkflowUpdateHandle = handle
				if tt.updateErr != nil {
					h = nil
				}
				mc.On("UpdateWithStartWorkflow", mock.Anything, client.UpdateWithStartWorkflowOptions{
					StartWorkflowOperation: withStart{},
					UpdateOptions: client.UpdateWorkflowOptions{WorkflowID: "schedule-payments", UpdateName: workflows.UpdateAddOverride,
						Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted},
				}).Return(h, tt.updateErr)
			}
			err := overrideRun(context.Background(), &overrideOptions{
				scheduleOptions: scheduleOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return testNow }, ConfigPath: oncallConfig, Wait: testWait},
				Schedule:        tt.schedule, Person: "carol", From: "now", To: "+8h", Replacing: "bob", Reason: "bob is ill", As: "bob",
			})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.Empty(t, stdout.String())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, stdout.String())
		})
	}
}

func TestNewCmdRemoveOverride(t *testing.T) {
	testParse(t, newCmdRemoveOverride, []parseCase[removeOverrideOptions]{
		{name: "an override", args: []string{"o-3", "--schedule", "office", "--as", "carol", "--force", "--reason", "back"},
			want: removeOverrideOptions{scheduleOptions: scheduleOptions{Wait: testWait}, ID: "o-3", Schedule: "office", As: "carol", Force: true, Reason: "back"}},
		{name: "no override", args: []string{"--schedule", "office", "--as", "carol"}, wantErr: "accepts 1 arg(s), received 0"},
		{name: "no person", args: []string{"o-3", "--schedule", "office"}, wantErr: "required flag --as not set"},
	}, func(t *testing.T, o *removeOverrideOptions) {
		require.NotNil(t, o.Starter)
		o.IO, o.Starter = IOStreams{}, nil
	})
}

func TestRemoveOverrideRun(t *testing.T) {
	tests := []struct {
		name      string
		updateErr error
		want      string
		wantErr   string
	}{
		{name: "removed", want: "office: override o-3 removed: dan is no longer on call from a to b\n"},
		{name: "no workflow", updateErr: serviceerror.NewNotFound("workflow not found"), wantErr: "remove-override on schedule office: the schedule has no overrides"},
		{name: "refused", updateErr: temporal.NewApplicationError(`no override "o-3" on schedule office`, ""), wantErr: `remove-override rejected: no override "o-3" on schedule office`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, stdout, _ := testIO("")
			f, mc := mockFactory(t, io)
			cfg := mustLoad(t)
			def, _ := cfg.ScheduleDefinition("office")
			req := workflows.RemoveOverrideRequest{ID: "o-3", By: "carol", Definition: workflows.ScheduleDefinition{Layers: def.Layers, People: cfg.PersonIDs()}, Expiry: testExpiry}
			var h client.WorkflowUpdateHandle
			if tt.updateErr == nil {
				handle := mocks.NewWorkflowUpdateHandle(t)
				handle.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
					*args.Get(1).(*workflows.OverrideResult) = workflows.OverrideResult{Text: "override o-3 removed: dan is no longer on call from a to b"}
				}).Return(nil)
				h = handle
			}
			mc.On("UpdateWorkflow", mock.Anything, client.UpdateWorkflowOptions{WorkflowID: "schedule-office", UpdateName: workflows.UpdateRemoveOverride,
				Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted}).Return(h, tt.updateErr)
			err := removeOverrideRun(context.Background(), &removeOverrideOptions{
				scheduleOptions: scheduleOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return testNow }, ConfigPath: oncallConfig, Wait: testWait},
				ID:              "o-3", Schedule: "office", As: "carol",
			})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, stdout.String())
		})
	}
}

func TestNewCmdOverrides(t *testing.T) {
	testParse(t, newCmdOverrides, []parseCase[overridesOptions]{
		{name: "a schedule", args: []string{"--schedule", "office", "-o", "json"},
			want: overridesOptions{scheduleOptions: scheduleOptions{Wait: testWait}, Schedule: "office", Output: formatJSON}},
		{name: "no schedule", args: nil, wantErr: "required flag --schedule not set"},
		{name: "an unknown output", args: []string{"--schedule", "office", "-o", "csv"}, wantErr: `invalid --output "csv"`},
	}, func(t *testing.T, o *overridesOptions) {
		require.NotNil(t, o.Starter)
		o.IO, o.Starter = IOStreams{}, nil
	})
}

func TestOverridesRun(t *testing.T) {
	ended := workflows.ScheduleOverride{ID: "o-1", Person: "dan", Start: testNow.Add(-3 * time.Hour), End: testNow.Add(-time.Hour), By: "carol"}
	current := workflows.ScheduleOverride{ID: "o-2", Person: "dan", Replacing: "carol", Start: testNow.Add(time.Hour), End: testNow.Add(5 * time.Hour),
		By: "carol", Reason: "swap\u202e", Forced: true, MadeAt: testNow.Add(-time.Minute)}
	tests := []struct {
		name   string
		answer queryAnswer
		output string
		want   string
	}{
		{
			name: "the overrides that have not ended", answer: queryAnswer{overrides: []workflows.ScheduleOverride{ended, current}}, output: formatText,
			want: "ID   PERSON  REPLACING  FROM               TO                 BY     MADE               REASON\n" +
				"o-2  dan     carol      2026-12-01 10:00Z  2026-12-01 14:00Z  carol  2026-12-01 08:59Z  (forced through a gap) swap\\u202e\n",
		},
		{name: "none", answer: queryAnswer{overrides: []workflows.ScheduleOverride{ended}}, output: formatText, want: "Schedule office has no overrides in force or to come.\n"},
		{name: "no workflow", answer: queryAnswer{err: serviceerror.NewNotFound("no workflow")}, output: formatJSON, want: "[]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, stdout, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectOverridesQuery(t, mc, "office", tt.answer)
			err := overridesRun(context.Background(), &overridesOptions{
				scheduleOptions: scheduleOptions{IO: io, Starter: f.Starter, Now: func() time.Time { return testNow }, ConfigPath: oncallConfig, Wait: testWait},
				Schedule:        "office", Output: tt.output,
			})
			require.NoError(t, err)
			require.Equal(t, tt.want, stdout.String())
		})
	}
}

func TestParseWhen(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Time
		wantErr bool
	}{
		{value: "now", want: testNow},
		{value: "", want: testNow},
		{value: "+90m", want: testNow.Add(90 * time.Minute)},
		{value: "-1h", want: testNow.Add(-time.Hour)},
		{value: "2026-12-24T09:00:00+01:00", want: time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC)},
		{value: "2h", wantErr: true},
		{value: "2026-12-24", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := parseWhen("at", tt.value, testNow)
			if tt.wantErr {
				requireUsageError(t, err, "invalid --at")
				return
			}
			require.NoError(t, err)
			require.True(t, tt.want.Equal(got), "got %s", got)
		})
	}
}

// mustLoad loads the configuration of the on-call tests.
func mustLoad(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(oncallConfig)
	require.NoError(t, err)
	return cfg
}

func TestOncallCommandsRegistered(t *testing.T) {
	io, _, _ := testIO("")
	root := NewCmdRoot(New(io), "1.2.3")
	tests := []struct {
		path []string
		want []string
	}{
		{path: []string{"oncall"}, want: []string{"override", "overrides", "remove-override"}},
		{path: []string{"schedule"}, want: []string{"validate"}},
	}
	for _, tt := range tests {
		t.Run(tt.path[0], func(t *testing.T) {
			cmd, _, err := root.Find(tt.path)
			require.NoError(t, err)
			require.Equal(t, tt.path[len(tt.path)-1], cmd.Name())
			var names []string
			for _, sub := range cmd.Commands() {
				names = append(names, sub.Name())
			}
			require.ElementsMatch(t, tt.want, names)
		})
	}
}
