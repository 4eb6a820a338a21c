package policies_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
)

func newEvaluator(t testing.TB) *policies.Evaluator {
	t.Helper()
	b, err := policies.Embedded()
	require.NoError(t, err)
	e, err := policies.NewEvaluator(t.Context(), b)
	require.NoError(t, err)
	return e
}

func TestRegoTests(t *testing.T) {
	b, err := policies.Embedded()
	require.NoError(t, err)

	var report bytes.Buffer
	passed, failed, err := policies.RunTests(t.Context(), b, &report, testing.Verbose())
	t.Log("\n" + report.String())
	require.NoError(t, err)
	require.Zero(t, failed, "failing Rego tests")
	require.Positive(t, passed)
}

func TestRunTestsReportsFailures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p.rego", "package p\n\nanswer := 41\n")
	writeFile(t, dir, "p_test.rego", "package p_test\n\nimport data.p\n\ntest_answer if p.answer == 42\n\ntest_passes if p.answer == 41\n")
	b, err := policies.LoadDir(dir)
	require.NoError(t, err)

	var report bytes.Buffer
	passed, failed, err := policies.RunTests(t.Context(), b, &report, false)
	t.Log("\n" + report.String())
	require.NoError(t, err)
	require.Equal(t, 1, passed)
	require.Equal(t, 1, failed)
	require.Contains(t, report.String(), filepath.ToSlash(filepath.Join(dir, "p_test.rego"))+":5")
	require.Contains(t, report.String(), "test_answer")
	require.NotContains(t, report.String(), "test_passes")
}

func TestEmbedded(t *testing.T) {
	b, err := policies.Embedded()
	require.NoError(t, err)
	for _, name := range policies.Names() {
		require.Contains(t, b.Files(), "policies/"+string(name)+".rego")
		require.Contains(t, b.Files(), "policies/"+string(name)+"_test.rego")
	}

	fromDisk, err := policies.LoadDir(".")
	require.NoError(t, err)
	require.Len(t, fromDisk.Files(), len(b.Files()))
}

func TestDecideSeverity(t *testing.T) {
	e := newEvaluator(t)
	tests := []struct {
		name  string
		input any
		want  policies.SeverityDecision
	}{
		{
			name:  "empty input is sev1",
			input: map[string]any{},
			want: policies.SeverityDecision{Severity: "sev1", Reasons: []string{
				"customers affected unknown: assuming all",
			}},
		},
		{
			name:  "nil input is sev1",
			input: nil,
			want: policies.SeverityDecision{Severity: "sev1", Reasons: []string{
				"customers affected unknown: assuming all",
			}},
		},
		{
			name:  "input that is not an object is sev1",
			input: "garbage",
			want: policies.SeverityDecision{Severity: "sev1", Reasons: []string{
				"customers affected unknown: assuming all",
			}},
		},
		{
			name: "some customers without workaround is sev2",
			input: map[string]any{
				"impact":  map[string]any{"customers_affected": "some", "workaround": false, "support_cases": 3},
				"service": map[string]any{"id": "checkout", "customer_facing": true},
			},
			want: policies.SeverityDecision{Severity: "sev2", Reasons: []string{
				"service down for some customers with no workaround",
			}},
		},
		{
			name: "performance degraded is sev3",
			input: map[string]any{
				"impact": map[string]any{"customers_affected": "none", "performance_degraded": true},
			},
			want: policies.SeverityDecision{Severity: "sev3", Reasons: []string{"performance degraded"}},
		},
		{
			name: "wrong type is sev1 naming the field",
			input: map[string]any{
				"impact": map[string]any{"customers_affected": "none", "data_loss": "yes"},
			},
			want: policies.SeverityDecision{Severity: "sev1", Reasons: []string{
				`invalid input: impact.data_loss must be a boolean, got string "yes": assuming sev1`,
			}},
		},
		{
			name: "override wins",
			input: map[string]any{
				"impact":   map[string]any{"customers_affected": "none"},
				"override": map[string]any{"severity": "sev2", "reason": "customer escalation", "by": "alice"},
			},
			want: policies.SeverityDecision{Severity: "sev2", Overridden: true, Reasons: []string{
				"override by alice: customer escalation",
				"computed severity without the override: sev3",
				"no customer impact reported",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policies.SeverityDecision
			require.NoError(t, e.Decide(t.Context(), policies.Severity, tt.input, &got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecideSeverityFromStruct(t *testing.T) {
	type impact struct {
		CustomersAffected string `json:"customers_affected"`
		DataLoss          bool   `json:"data_loss"`
	}
	input := struct {
		Impact impact `json:"impact"`
	}{Impact: impact{CustomersAffected: "none", DataLoss: true}}

	var got policies.SeverityDecision
	require.NoError(t, newEvaluator(t).Decide(t.Context(), policies.Severity, input, &got))
	require.Equal(t, incident.Sev1, got.Severity)
	require.Equal(t, []string{"customer data lost"}, got.Reasons)
}

func TestDecideEngagement(t *testing.T) {
	e := newEvaluator(t)
	operations := []incident.Target{{Team: "operations"}}
	tests := []struct {
		name  string
		input any
		want  policies.EngagementDecision
	}{
		{
			name:  "empty input gives widest engagement",
			input: map[string]any{},
			want: policies.EngagementDecision{
				Tiers:         [][]incident.Target{operations, operations, operations},
				CommanderTeam: "incident-commanders",
				LadderEnd:     []incident.Target{{Team: "operations"}, {Team: "incident-commanders"}},
				Reasons: []string{
					"severity missing: treating as sev1 (widest engagement)",
					"service team missing: tier 1 is team operations",
					"escalation team missing: tier 2 adds team operations",
					"tier 3: adds team operations",
					"sev1: commander from incident-commanders",
					"ladder end: the last tier and the commander team (team operations, team incident-commanders)",
				},
			},
		},
		{
			name:  "wrongly shaped input gives widest engagement",
			input: map[string]any{"incident": "outage", "service": 5},
			want: policies.EngagementDecision{
				Tiers:         [][]incident.Target{operations, operations, operations},
				CommanderTeam: "incident-commanders",
				LadderEnd:     []incident.Target{{Team: "operations"}, {Team: "incident-commanders"}},
				Reasons: []string{
					"severity missing: treating as sev1 (widest engagement)",
					"service team missing: tier 1 is team operations",
					"escalation team missing: tier 2 adds team operations",
					"tier 3: adds team operations",
					"sev1: commander from incident-commanders",
					"ladder end: the last tier and the commander team (team operations, team incident-commanders)",
				},
			},
		},
		{
			name: "sev3 security incident",
			input: map[string]any{
				"incident": map[string]any{"service": "checkout", "type": "security", "severity": "sev3"},
				"service":  map[string]any{"id": "checkout", "team": "payments", "escalation_team": "platform"},
			},
			want: policies.EngagementDecision{
				Tiers: [][]incident.Target{
					{{Team: "payments"}, {Team: "security"}},
					{{Team: "payments"}, {Team: "platform"}, {Team: "security"}},
				},
				LadderEnd: []incident.Target{{Team: "incident-commanders"}},
				Reasons: []string{
					"severity sev3: 2 tiers",
					"tier 1: owning team payments",
					"tier 2: adds escalation team platform",
					"security incident: team security engaged at every tier",
					"sev3: no incident commander needed",
					"sev3 ladder end: the commander team (team incident-commanders)",
				},
			},
		},
		{
			name: "sev2 security incident pages the last tier and the commanders at the ladder end",
			input: map[string]any{
				"incident": map[string]any{"service": "checkout", "type": "security", "severity": "sev2"},
				"service":  map[string]any{"id": "checkout", "team": "payments", "escalation_team": "platform"},
			},
			want: policies.EngagementDecision{
				Tiers: [][]incident.Target{
					{{Team: "payments"}, {Team: "security"}},
					{{Team: "payments"}, {Team: "platform"}, {Team: "security"}},
					{{Team: "payments"}, {Team: "platform"}, {Team: "operations"}, {Team: "security"}},
				},
				CommanderTeam: "incident-commanders",
				LadderEnd: []incident.Target{
					{Team: "payments"}, {Team: "platform"}, {Team: "operations"}, {Team: "security"}, {Team: "incident-commanders"},
				},
				Reasons: []string{
					"severity sev2: 3 tiers",
					"tier 1: owning team payments",
					"tier 2: adds escalation team platform",
					"tier 3: adds team operations",
					"security incident: team security engaged at every tier",
					"sev2: commander from incident-commanders",
					"ladder end: the last tier and the commander team " +
						"(team payments, team platform, team operations, team security, team incident-commanders)",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policies.EngagementDecision
			require.NoError(t, e.Decide(t.Context(), policies.Engagement, tt.input, &got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecideEscalation(t *testing.T) {
	e := newEvaluator(t)
	tests := []struct {
		name  string
		input any
		want  policies.EscalationDecision
	}{
		{
			name:  "empty input gets sev1 deadlines",
			input: map[string]any{},
			want: policies.EscalationDecision{
				AckTimeoutSeconds:        []int{300, 300, 300},
				Repeats:                  2,
				LadderEndRepeatSeconds:   600,
				CommanderDeadlineSeconds: 600,
				Reasons: []string{
					"severity missing: using sev1 deadlines",
					"ladder end: page again every 600 seconds until acknowledged",
					"incident commander due within 600 seconds",
					"sev1: never deferred",
				},
			},
		},
		{
			name: "sev2 never stops paging",
			input: map[string]any{
				"incident": map[string]any{"severity": "sev2"},
				"clock":    map[string]any{"working_hours": true},
			},
			want: policies.EscalationDecision{
				AckTimeoutSeconds:        []int{600, 600, 600},
				Repeats:                  1,
				LadderEndRepeatSeconds:   900,
				CommanderDeadlineSeconds: 1800,
				Reasons: []string{
					"severity sev2: 3 levels of 600 seconds, ladder repeats 1 times",
					"ladder end: page again every 900 seconds until acknowledged",
					"incident commander due within 1800 seconds",
					"sev2: never deferred",
				},
			},
		},
		{
			name: "sev3 at night with a service timeout",
			input: map[string]any{
				"incident": map[string]any{"severity": "sev3"},
				"service":  map[string]any{"ack_timeout_seconds": 900},
				"clock":    map[string]any{"working_hours": false},
			},
			want: policies.EscalationDecision{
				AckTimeoutSeconds:   []int{900, 900},
				DeferToWorkingHours: true,
				Reasons: []string{
					"severity sev3: 2 levels of 1800 seconds, ladder repeats 0 times",
					"service acknowledgement timeout 900 seconds replaces every level's timeout",
					"ladder end: page once and stop",
					"no incident commander deadline",
					"sev3 outside working hours: deferring to working hours",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policies.EscalationDecision
			require.NoError(t, e.Decide(t.Context(), policies.Escalation, tt.input, &got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecideTargets(t *testing.T) {
	e := newEvaluator(t)
	tests := []struct {
		name                 string
		input                any
		response, resolution int
	}{
		{name: "sev1", input: map[string]any{"severity": "sev1"}, response: 300, resolution: 14400},
		{name: "sev2", input: map[string]any{"severity": "sev2"}, response: 900, resolution: 28800},
		{name: "sev3", input: map[string]any{"severity": "sev3"}, response: 14400, resolution: 432000},
		{name: "empty input is strictest", input: map[string]any{}, response: 300, resolution: 14400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policies.TargetsDecision
			require.NoError(t, e.Decide(t.Context(), policies.Targets, tt.input, &got))
			require.Equal(t, tt.response, got.ResponseTargetSeconds)
			require.Equal(t, tt.resolution, got.ResolutionTargetSeconds)
			require.NotEmpty(t, got.Reasons)
		})
	}
}

func TestDecideConfirmation(t *testing.T) {
	e := newEvaluator(t)
	tests := []struct {
		name  string
		input any
		want  policies.ConfirmationDecision
	}{
		{
			name:  "declared sev1 is confirmed at start",
			input: map[string]any{"incident": map[string]any{"source": "cli", "severity": "sev1", "service": "checkout", "type": "outage"}},
			want: policies.ConfirmationDecision{
				AtStart:            true,
				AfterFiringSeconds: 120,
				Reasons: []string{
					"declared by a person (source cli): confirmed at start",
					"severity sev1: alerts firing for 120 seconds confirm it",
					"sev1: paging carries on while the incident may be a false alarm",
				},
			},
		},
		{
			name:  "alert-opened sev1 is confirmed after 120 seconds of firing",
			input: map[string]any{"incident": map[string]any{"source": "alertmanager", "severity": "sev1", "service": "checkout", "type": "outage"}},
			want: policies.ConfirmationDecision{
				AfterFiringSeconds: 120,
				Reasons: []string{
					"opened by source alertmanager: confirmed when acknowledged or after its alerts keep firing for 120 seconds",
					"severity sev1: alerts firing for 120 seconds confirm it",
					"sev1: paging carries on while the incident may be a false alarm",
				},
			},
		},
		{
			name:  "alert-opened sev3 pauses paging during the false-alarm grace",
			input: map[string]any{"incident": map[string]any{"source": "sns", "severity": "sev3"}},
			want: policies.ConfirmationDecision{
				AfterFiringSeconds:               300,
				PausePagingDuringFalseAlarmGrace: true,
				Reasons: []string{
					"opened by source sns: confirmed when acknowledged or after its alerts keep firing for 300 seconds",
					"severity sev3: alerts firing for 300 seconds confirm it",
					"sev3: paging pauses while the incident may be a false alarm",
				},
			},
		},
		{
			name:  "empty input is not confirmed at start and keeps paging",
			input: map[string]any{},
			want: policies.ConfirmationDecision{
				AfterFiringSeconds: 300,
				Reasons: []string{
					"source missing: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for 300 seconds",
					"severity missing: alerts firing for 300 seconds confirm it (the longer wait)",
					"severity missing or unknown: paging carries on while the incident may be a false alarm",
				},
			},
		},
		{
			name:  "input that is not an object fails safe",
			input: "garbage",
			want: policies.ConfirmationDecision{
				AfterFiringSeconds: 300,
				Reasons: []string{
					"source missing: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for 300 seconds",
					"severity missing: alerts firing for 300 seconds confirm it (the longer wait)",
					"severity missing or unknown: paging carries on while the incident may be a false alarm",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policies.ConfirmationDecision
			require.NoError(t, e.Decide(t.Context(), policies.Confirmation, tt.input, &got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecideUnknownName(t *testing.T) {
	var out map[string]any
	err := newEvaluator(t).Decide(t.Context(), policies.Name("authz"), map[string]any{}, &out)
	require.ErrorContains(t, err, "decide authz: unknown decision")
}

func TestDecideConcurrently(t *testing.T) {
	e := newEvaluator(t)
	ctx := t.Context()
	done := make(chan error)
	for range 8 {
		go func() {
			var got policies.SeverityDecision
			done <- e.Decide(ctx, policies.Severity, map[string]any{"impact": map[string]any{"customers_affected": "all"}}, &got)
		}()
	}
	for range 8 {
		require.NoError(t, <-done)
	}
}

func TestNewEvaluatorErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name: "parse error names file line and column",
			files: map[string]string{
				"severity.rego": "package firebreak.severity\n\ndecision := {\n\t\"severity\": \"sev1\",\n\t\"reasons\" [],\n}\n",
			},
			want: []string{"severity.rego:5:", "rego_parse_error"},
		},
		{
			name: "compile error names file line and column",
			files: map[string]string{
				"severity.rego": "package firebreak.severity\n\ndecision := {\"severity\": sev}\n",
			},
			want: []string{"compile policies: ", "severity.rego:3:", "rego_unsafe_var_error", "var sev is unsafe"},
		},
		{
			name: "strict mode rejects unused variables",
			files: map[string]string{
				"severity.rego": "package firebreak.severity\n\ndecision := {\"reasons\": []} if {\n\tunused := 1\n}\n",
			},
			want: []string{"severity.rego:4:", "rego_compile_error", "assigned var unused unused"},
		},
		{
			name: "missing entry point",
			files: map[string]string{
				"severity.rego":   "package firebreak.severity\n\ndecision := {\"reasons\": []}\n",
				"engagement.rego": "package firebreak.engagement\n\ndecisions := {}\n",
			},
			want: []string{"prepare engagement: entry point data.firebreak.engagement.decision is undefined in the bundle"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				writeFile(t, dir, name, text)
			}
			b, err := policies.LoadDir(dir)
			require.NoError(t, err)

			_, err = policies.NewEvaluator(t.Context(), b)
			require.Error(t, err)
			t.Log(err)
			for _, want := range tt.want {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

// TestConfirmationIsCheckedAtStart checks that the evaluator refuses a bundle whose confirmation
// policy is missing or broken, naming the decision or the file and line.
func TestConfirmationIsCheckedAtStart(t *testing.T) {
	tests := []struct {
		name         string
		confirmation string // "" leaves confirmation.rego out
		want         []string
	}{
		{
			name: "missing confirmation policy",
			want: []string{"prepare confirmation: entry point data.firebreak.confirmation.decision is undefined in the bundle"},
		},
		{
			name:         "broken confirmation policy",
			confirmation: "package firebreak.confirmation\n\ndecision := {\"at_start\": started}\n",
			want:         []string{"confirmation.rego:3:", "rego_unsafe_var_error", "var started is unsafe"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range policies.Names() {
				if name == policies.Confirmation {
					continue
				}
				text, err := os.ReadFile(string(name) + ".rego")
				require.NoError(t, err)
				writeFile(t, dir, string(name)+".rego", string(text))
			}
			if tt.confirmation != "" {
				writeFile(t, dir, "confirmation.rego", tt.confirmation)
			}
			b, err := policies.LoadDir(dir)
			require.NoError(t, err)

			_, err = policies.NewEvaluator(t.Context(), b)
			require.Error(t, err)
			for _, want := range tt.want {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

func TestEveryMissingEntryPointIsNamed(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "severity.rego", "package firebreak.severity\n\ndecision := {\"reasons\": []}\n")
	b, err := policies.LoadDir(dir)
	require.NoError(t, err)

	_, err = policies.NewEvaluator(t.Context(), b)
	for _, name := range policies.Names() {
		if name == policies.Severity {
			require.NotContains(t, err.Error(), "data.firebreak.severity.decision")
			continue
		}
		require.ErrorContains(t, err, "prepare "+string(name)+": entry point data.firebreak."+string(name)+".decision is undefined in the bundle")
	}
}

func TestSource(t *testing.T) {
	e := newEvaluator(t)
	for _, name := range policies.Names() {
		t.Run(string(name), func(t *testing.T) {
			src := e.Source(name)
			file, line, ok := strings.Cut(src, ":")
			require.True(t, ok, src)
			require.Equal(t, "policies/"+string(name)+".rego", file)
			n, err := strconv.Atoi(line)
			require.NoError(t, err)
			text, err := os.ReadFile(string(name) + ".rego")
			require.NoError(t, err)
			lines := strings.Split(string(text), "\n")
			require.Less(t, n-1, len(lines))
			require.True(t, strings.HasPrefix(lines[n-1], "decision := "), "line %d of %s is %q", n, file, lines[n-1])
		})
	}
	require.Empty(t, e.Source("unknown"))
}

func TestLoadDirWithoutPolicies(t *testing.T) {
	_, err := policies.LoadDir(t.TempDir())
	require.ErrorContains(t, err, "no .rego files")
}

func TestRevision(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p.rego", "package p\n\nx := 1\n")
	writeFile(t, dir, "p_test.rego", "package p_test\n\ntest_x if data.p.x == 1\n")
	first, err := policies.LoadDir(dir)
	require.NoError(t, err)
	again, err := policies.LoadDir(dir)
	require.NoError(t, err)
	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, first.Revision())
	require.Equal(t, first.Revision(), again.Revision(), "revision is stable")

	writeFile(t, dir, "p_test.rego", "package p_test\n\ntest_x if data.p.x != 2\n")
	testsChanged, err := policies.LoadDir(dir)
	require.NoError(t, err)
	require.Equal(t, first.Revision(), testsChanged.Revision(), "tests do not change the revision")

	writeFile(t, dir, "p.rego", "package p\n\nx := 2\n")
	policyChanged, err := policies.LoadDir(dir)
	require.NoError(t, err)
	require.NotEqual(t, first.Revision(), policyChanged.Revision(), "policy content changes the revision")

	embedded, err := policies.Embedded()
	require.NoError(t, err)
	e, err := policies.NewEvaluator(t.Context(), embedded)
	require.NoError(t, err)
	require.Equal(t, embedded.Revision(), e.Revision())
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
}
