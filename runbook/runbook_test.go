package runbook

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
)

// baseRunbook returns a valid runbook that uses every feature, for tests to change.
func baseRunbook() *Runbook {
	return &Runbook{
		Name:        "ecs-rollback",
		Description: "Roll an ECS service back.",
		Match: Match{
			Service:   []string{"checkout"},
			Severity:  []incident.Severity{incident.Sev1, incident.Sev2},
			Labels:    map[string]string{"env": "production"},
			Condition: "incident.type == 'deploy'",
		},
		Params: []Param{
			{Name: "cluster", Type: TypeString, Required: true},
			{Name: "service", Type: TypeString, Default: "${{ incident.service }}"},
			{Name: "replicas", Type: TypeInt, Default: int64(2)},
			{Name: "grace", Type: TypeDuration, Default: "2m"},
			{Name: "customers", Type: TypeList},
			{Name: "dry", Type: TypeBool},
		},
		Steps: []Step{
			{ID: "announce", Action: "notify", With: map[string]any{
				"message": "Rolling back ${{ params.service }} in ${{ params.cluster }}",
			}},
			{
				ID: "rollback", Action: "aws.ecs_rollback",
				With:     map[string]any{"cluster": "${{ params.cluster }}", "service": "${{ params.service }}"},
				Approval: &Approval{Required: true, Reason: "Roll back the service."},
				Timeout:  Duration(30 * time.Minute),
				Retry:    &Retry{MaxAttempts: 2, Backoff: Duration(10 * time.Second)},
				Outputs: map[string]string{
					"moved":   "${{ !result.already_in_place }}",
					"summary": "${{ result.from }} -> ${{ result.to }}",
				},
				Undo: &Step{Action: "aws.ecs_rollback", With: map[string]any{
					"cluster": "${{ params.cluster }}", "service": "${{ params.service }}",
					"task_definition": "${{ steps.rollback.outputs.from }}",
				}},
			},
			{Parallel: []Step{
				{ID: "health", Action: "http_check", When: "steps.rollback.outputs.moved", With: map[string]any{
					"url": "https://${{ params.service }}.example.com/health", "timeout": "${{ params.grace }}",
				}},
				{ID: "alerts", Action: "wait_alerts_resolved", With: map[string]any{"timeout": "15m"}},
			}},
			{ID: "report", Action: "notify", With: map[string]any{
				"message":  "${{ steps.rollback.outputs.summary }}; resolved: ${{ steps.alerts.outputs.resolved }}",
				"audience": "internal",
			}},
			{ID: "flag", Action: "aws.appconfig_flag", When: "size(params.customers) > 0", With: map[string]any{
				"application": "shop", "environment": "prod", "profile": "flags", "flag": "new-checkout",
				"customers": "${{ params.customers }}",
			}},
			{ID: "dispatch", Action: "github.dispatch_workflow", With: map[string]any{
				"repo": "acme/shop", "workflow": "deploy.yml", "ref": "main",
				"inputs": map[string]any{"reason": "incident ${{ incident.key }}", "replicas": "${{ params.replicas }}"},
			}},
			{ID: "comment", Action: "github.comment_issue", With: map[string]any{
				"repo": "acme/shop", "number": "${{ steps.dispatch.outputs.run_id }}",
				"body": "See ${{ steps.dispatch.outputs.run_url }}",
			}},
		},
	}
}

func TestCompileAcceptsAValidRunbook(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	for _, id := range []string{"announce", "rollback", "health", "alerts", "report", "flag", "dispatch", "comment"} {
		s, ok := c.Step(id)
		require.True(t, ok, id)
		require.Equal(t, id, s.ID)
	}
	u := must(c.Step("rollback")).Undo()
	require.NotNil(t, u)
	require.Equal(t, "rollback.undo", u.ID)
	require.Nil(t, must(c.Step("announce")).Undo())
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("not found")
	}
	return v
}

func TestValidateReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *Runbook)
		want   []string
	}{
		{
			name:   "no name, bad description",
			change: func(r *Runbook) { r.Name = ""; r.Description = "bell\a" },
			want:   []string{"name: a runbook needs a name", `description: holds the control character '\a'`},
		},
		{
			name:   "bad name",
			change: func(r *Runbook) { r.Name = "ECS_rollback" },
			want:   []string{`name: invalid name "ECS_rollback": use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 63`},
		},
		{
			name:   "unknown param in a with expression",
			change: func(r *Runbook) { r.Steps[0].With["message"] = "Rolling back ${{ params.clustr }}" },
			want:   []string{`steps[0].with.message: unknown param "clustr"; params: cluster, customers, dry, grace, replicas, service`},
		},
		{
			name:   "reference to a later step",
			change: func(r *Runbook) { r.Steps[0].With["message"] = "${{ steps.report.outputs.x }}" },
			want:   []string{`steps[0].with.message: step "report" runs after this step (steps[3])`},
		},
		{
			name:   "reference to a step of the same parallel block",
			change: func(r *Runbook) { r.Steps[2].Parallel[1].When = "steps.health.outputs.status == 200" },
			want:   []string{`steps[2].parallel[1].when: step "health" runs in parallel with this step: use its outputs in a later step`},
		},
		{
			name:   "unknown output",
			change: func(r *Runbook) { r.Steps[3].With["message"] = "${{ steps.rollback.outputs.previous }}" },
			want:   []string{`steps[3].with.message: step "rollback" (aws.ecs_rollback) has no output "previous"; outputs: already_in_place, from, moved, summary, to`},
		},
		{
			name:   "unknown step",
			change: func(r *Runbook) { r.Steps[3].With["message"] = "${{ steps.nope.outputs.to }}" },
			want:   []string{`steps[3].with.message: unknown step "nope"`},
		},
		{
			name:   "a step's own outputs outside its undo",
			change: func(r *Runbook) { r.Steps[1].With["cluster"] = "${{ steps.rollback.outputs.to }}" },
			want:   []string{`steps[1].with.cluster: step "rollback" is this step: its outputs are result.<name> in its outputs and steps.rollback.outputs.<name> in its undo`},
		},
		{
			name:   "a type error in a condition",
			change: func(r *Runbook) { r.Steps[4].When = "params.cluster > 1" },
			want:   []string{`steps[4].when: found no matching overload for '_>_' applied to '(string, int)'`},
		},
		{
			name:   "a condition that is not a bool",
			change: func(r *Runbook) { r.Steps[4].When = "params.cluster" },
			want:   []string{"steps[4].when: expression has type string; want bool"},
		},
		{
			name:   "a condition written with ${{ }}",
			change: func(r *Runbook) { r.Steps[4].When = "${{ params.dry }}" },
			want:   []string{"steps[4].when: a condition is an expression already: write it without ${{ }}"},
		},
		{
			name:   "a syntax error in an expression",
			change: func(r *Runbook) { r.Steps[4].When = "params.dry &&" },
			want:   []string{"steps[4].when: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"},
		},
		{
			name:   "an undeclared name",
			change: func(r *Runbook) { r.Steps[4].When = "dry" },
			want:   []string{"steps[4].when: undeclared reference to 'dry'"},
		},
		{
			name:   "params indexed",
			change: func(r *Runbook) { r.Steps[4].When = "params['dry']" },
			want:   []string{"steps[4].when: write params.<name>, not params[...]"},
		},
		{
			name:   "unknown action",
			change: func(r *Runbook) { r.Steps[0].Action = "slack.post" },
			want:   []string{`steps[0].action: unknown action "slack.post"; actions: ` + strings.Join(actionNames(actionIndex()), ", ")},
		},
		{
			name: "unknown parameter, missing parameter, wrong literal type, failed check",
			change: func(r *Runbook) {
				r.Steps[5].With = map[string]any{"repo": "shop", "workflow": "deploy.yml", "ref": 42, "branch": "main"}
			},
			want: []string{
				`steps[5].with.branch: github.dispatch_workflow has no parameter "branch"; it takes repo, workflow, ref, inputs, wait, timeout`,
				"steps[5].with.ref: want a string, not a number: quote the value",
				`steps[5].with.repo: invalid repository "shop": write it as owner/name`,
			},
		},
		{
			name:   "missing required parameter",
			change: func(r *Runbook) { delete(r.Steps[1].With, "service") },
			want:   []string{`steps[1].with: aws.ecs_rollback needs the parameter "service"`},
		},
		{
			name:   "an expression of the wrong type",
			change: func(r *Runbook) { r.Steps[6].With["number"] = "${{ steps.dispatch.outputs.run_url }}" },
			want:   []string{"steps[6].with.number: expression has type string; want an integer"},
		},
		{
			name:   "text into an integer",
			change: func(r *Runbook) { r.Steps[6].With["number"] = "#${{ steps.dispatch.outputs.run_id }}" },
			want:   []string{"steps[6].with.number: text with ${{ }} inside is a string; want an integer: write the value as one ${{ }} and nothing else"},
		},
		{
			name:   "a list into text",
			change: func(r *Runbook) { r.Steps[0].With["message"] = "for ${{ params.customers }}" },
			want:   []string{"steps[0].with.message: expression has type list(string), which cannot be written into text; for a list use join()"},
		},
		{
			name:   "unclosed expression",
			change: func(r *Runbook) { r.Steps[0].With["message"] = "for ${{ params.cluster" },
			want:   []string{"steps[0].with.message: unclosed ${{: end the expression with }}"},
		},
		{
			name: "duplicate step id",
			change: func(r *Runbook) {
				r.Steps[4].ID = "announce"
			},
			want: []string{`steps[4].id: step id "announce" is already used by steps[0]`},
		},
		{
			name:   "missing and invalid ids",
			change: func(r *Runbook) { r.Steps[0].ID = ""; r.Steps[3].ID = "Report" },
			want: []string{
				"steps[0]: a step needs an id",
				`steps[3].id: invalid step id "Report": use a lowercase letter, then lowercase letters, digits and underscores, at most 63`,
			},
		},
		{
			name: "parallel block with its own fields, nested and empty",
			change: func(r *Runbook) {
				r.Steps[2].ID = "both"
				r.Steps[2].When = "true"
				r.Steps[2].Parallel[1] = Step{Parallel: []Step{}}
			},
			want: []string{
				"steps[2].id: a parallel block holds only parallel: move id into one of its steps",
				"steps[2].when: a parallel block holds only parallel: move when into one of its steps",
				"steps[2].parallel[1]: parallel blocks cannot be nested",
				// The nested block took the place of step alerts, which the report uses.
				`steps[3].with.message: unknown step "alerts"`,
			},
		},
		{
			name:   "an empty parallel block",
			change: func(r *Runbook) { r.Steps[2].Parallel = []Step{}; r.Steps[3].With["message"] = "done" },
			want:   []string{"steps[2].parallel: an empty parallel block: list its steps"},
		},
		{
			name: "an undo with fields it cannot have",
			change: func(r *Runbook) {
				r.Steps[1].Undo.When = "true"
				r.Steps[1].Undo.ID = "undo_it"
			},
			want: []string{
				"steps[1].undo.id: an undo step has only action, with, timeout and retry: remove id",
				"steps[1].undo.when: an undo step has only action, with, timeout and retry: remove when",
			},
		},
		{
			name:   "an undo using a later step",
			change: func(r *Runbook) { r.Steps[1].Undo.With["task_definition"] = "${{ steps.report.outputs.x }}" },
			want:   []string{`steps[1].undo.with.task_definition: step "report" runs after this step (steps[3])`},
		},
		{
			name: "outputs: a clash with the action's, result outside outputs, a bad name",
			change: func(r *Runbook) {
				r.Steps[1].Outputs["to"] = "x"
				r.Steps[1].Outputs["Bad"] = "x"
				r.Steps[0].With["message"] = "${{ result.from }}"
			},
			want: []string{
				"steps[0].with.message: only a step's outputs can use result",
				`steps[1].outputs.Bad: invalid output name "Bad": use a lowercase letter, then lowercase letters, digits and underscores, at most 63`,
				`steps[1].outputs.to: aws.ecs_rollback already has an output "to": choose another name`,
			},
		},
		{
			name:   "an output of a type outputs cannot have",
			change: func(r *Runbook) { r.Steps[1].Outputs["pair"] = "${{ {'a': 1} }}" },
			want:   []string{"steps[1].outputs.pair: expression has type map(string, int); an output must be a string, int, bool, float, duration, list of strings or map of strings"},
		},
		{
			name: "match: bad severity, empty service, a condition using params",
			change: func(r *Runbook) {
				r.Match.Severity = []incident.Severity{"critical"}
				r.Match.Service = []string{" "}
				r.Match.Condition = "params.cluster == 'x'"
			},
			want: []string{
				"match.service[0]: empty entry",
				`match.severity[0]: invalid severity "critical": use sev1, sev2 or sev3`,
				"match.condition: a match condition cannot use params",
			},
		},
		{
			name: "params: required with a default, a bad default, twice, a bad type, a default using params",
			change: func(r *Runbook) {
				r.Params[0].Default = "prod"
				r.Params[2].Default = "two"
				r.Params[4].Type = "map"
				r.Params[5].Default = "${{ params.cluster != '' }}"
				r.Params = append(r.Params, Param{Name: "cluster", Type: TypeString})
			},
			want: []string{
				"params[0].default: a required param has no default: remove the default or required",
				"params[2].default: want an integer, not a string",
				`params[4].type: invalid type "map": use string, int, bool, duration or list`,
				"params[5].default: a param's default cannot use params",
				`params[6].name: param "cluster" is declared twice`,
			},
		},
		{
			name: "timeout and retry out of range",
			change: func(r *Runbook) {
				r.Steps[1].Timeout = Duration(48 * time.Hour)
				r.Steps[1].Retry = &Retry{MaxAttempts: 11, Backoff: Duration(2 * time.Hour), MaxBackoff: Duration(time.Second)}
			},
			want: []string{
				"steps[1].timeout: timeout 48h0m0s is out of range: want 1s to 24h0m0s",
				"steps[1].retry.max_attempts: max_attempts 11 is out of range: want 1 to 10",
				"steps[1].retry.backoff: backoff 2h0m0s is out of range: want 1s to 1h0m0s",
				"steps[1].retry.max_backoff: max_backoff 1s is out of range: want backoff to 1h0m0s",
			},
		},
		{
			name:   "a literal that fails the action's check",
			change: func(r *Runbook) { r.Steps[3].With["audience"] = "everyone" },
			want:   []string{`steps[3].with.audience: invalid value "everyone": want internal or external`},
		},
		{
			name:   "too long an output",
			change: func(r *Runbook) { r.Steps[1].Outputs["long"] = strings.Repeat("x", MaxStringLen+1) },
			want:   []string{"steps[1].outputs.long: string is 8193 bytes long; at most 8192 are allowed"},
		},
		{
			name:   "no steps",
			change: func(r *Runbook) { r.Steps = nil },
			want:   []string{"steps: a runbook needs at least one step"},
		},
		{
			name: "too many steps",
			change: func(r *Runbook) {
				for i := range MaxSteps {
					r.Steps = append(r.Steps, Step{ID: fmt.Sprintf("extra_%d", i), Action: "wait", With: map[string]any{"duration": "1s"}})
				}
			},
			want: []string{fmt.Sprintf("steps: %d steps; at most %d are allowed", MaxSteps+8, MaxSteps)},
		},
		{
			name:   "a hash that does not match",
			change: func(r *Runbook) { r.Hash = "sha256:00" },
			want:   []string{"hash: hash sha256:00 does not match the content, whose hash is " + hashOf(t, baseRunbook()) + ": the definition changed after it was hashed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRunbook()
			tt.change(r)
			err := Validate(r)
			require.Error(t, err)
			var problems Problems
			require.ErrorAs(t, err, &problems)
			var got []string
			for _, p := range problems {
				got = append(got, p.Error())
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func hashOf(t *testing.T, r *Runbook) string {
	t.Helper()
	h, err := r.ComputeHash()
	require.NoError(t, err)
	return h
}

func TestProblemOffsetsPointIntoTheString(t *testing.T) {
	tests := []struct {
		name       string
		message    string
		wantOffset int
		wantAt     string
	}{
		{"the param in the first expression", "Rolling back ${{ params.clustr }}", 17, "params.clustr"},
		{"the second expression", "${{ params.cluster }} and ${{  steps.nope.outputs.x }}", 31, "steps.nope"},
		{"an unclosed expression", "abc ${{ x", 4, "${{ x"},
		{"inside a longer expression", "${{ 'a' + params.x }}", 10, "params.x"},
		{"on a later line", "line one\n${{ params.x }}", 13, "params.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRunbook()
			r.Steps[0].With["message"] = tt.message
			var problems Problems
			require.ErrorAs(t, Validate(r), &problems)
			require.Len(t, problems, 1)
			require.Equal(t, tt.wantOffset, problems[0].Offset)
			require.True(t, strings.HasPrefix(tt.message[problems[0].Offset:], tt.wantAt), tt.message[problems[0].Offset:])
		})
	}
}

// testIncident is the incident the resolve tests run in.
func testIncident() Incident {
	return Incident{
		Key: "INC-7", Service: "checkout", Type: "deploy", Severity: incident.Sev1, Title: "Checkout down",
		Labels: map[string]string{"env": "production", "team": "payments"},
	}
}

// testScope returns a scope after the rollback, the parallel block and dispatch ran, with
// params bound from args.
func testScope(t *testing.T, c *Compiled, args map[string]string) Scope {
	t.Helper()
	params, err := c.BindParams(args, testIncident())
	require.NoError(t, err)
	sc := Scope{Params: params, Incident: testIncident(), Outputs: map[string]map[string]any{}}
	rollback, err := must(c.Step("rollback")).Outputs(sc, map[string]any{"from": "checkout:41", "to": "checkout:40", "already_in_place": false})
	require.NoError(t, err)
	sc.Outputs["rollback"] = rollback
	sc.Outputs["alerts"] = map[string]any{"resolved": true}
	sc.Outputs["health"] = map[string]any{"status": float64(200), "attempts": float64(3)}
	sc.Outputs["dispatch"] = map[string]any{"run_id": float64(9876543210), "run_url": "https://github.com/acme/shop/actions/runs/9876543210", "conclusion": "success"}
	return sc
}

func TestStepWithResolvesParameters(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	tests := []struct {
		name string
		step string
		args map[string]string
		want map[string]any
	}{
		{
			name: "templates over params, with a default from the incident",
			step: "announce",
			args: map[string]string{"cluster": "prod"},
			want: map[string]any{"message": "Rolling back checkout in prod", "audience": "internal"},
		},
		{
			name: "whole expressions and the action's defaults",
			step: "rollback",
			args: map[string]string{"cluster": "prod", "service": "checkout-api"},
			want: map[string]any{"cluster": "prod", "service": "checkout-api", "wait": true},
		},
		{
			name: "a duration param into a duration parameter",
			step: "health",
			args: map[string]string{"cluster": "prod", "grace": "90s"},
			want: map[string]any{"url": "https://checkout.example.com/health", "timeout": "1m30s", "expect_status": int64(200), "interval": "10s"},
		},
		{
			name: "the step's own outputs and another step's",
			step: "report",
			args: map[string]string{"cluster": "prod"},
			want: map[string]any{"message": "checkout:41 -> checkout:40; resolved: true", "audience": "internal"},
		},
		{
			name: "a list param into a list parameter",
			step: "flag",
			args: map[string]string{"cluster": "prod", "customers": "acme, globex"},
			want: map[string]any{"application": "shop", "environment": "prod", "profile": "flags", "flag": "new-checkout",
				"customers": []string{"acme", "globex"}, "enabled": false, "deployment_strategy": "AppConfig.AllAtOnce"},
		},
		{
			name: "a map holding expressions",
			step: "dispatch",
			args: map[string]string{"cluster": "prod", "replicas": "5"},
			want: map[string]any{"repo": "acme/shop", "workflow": "deploy.yml", "ref": "main", "wait": true,
				"inputs": map[string]string{"reason": "incident INC-7", "replicas": "5"}},
		},
		{
			name: "an integer output read back from JSON",
			step: "comment",
			args: map[string]string{"cluster": "prod"},
			want: map[string]any{"repo": "acme/shop", "number": int64(9876543210), "body": "See https://github.com/acme/shop/actions/runs/9876543210"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := must(c.Step(tt.step)).With(testScope(t, c, tt.args))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestUndoUsesTheStepsOwnOutputs(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	got, err := must(c.Step("rollback")).Undo().With(testScope(t, c, map[string]string{"cluster": "prod"}))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"cluster": "prod", "service": "checkout", "task_definition": "checkout:41", "wait": true}, got)
}

func TestStepWithFailsClearly(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	tests := []struct {
		name    string
		step    string
		change  func(sc *Scope)
		wantErr string
	}{
		{
			name:    "an output of a step that was skipped",
			step:    "report",
			change:  func(sc *Scope) { delete(sc.Outputs, "alerts") },
			wantErr: `resolve step report: parameter message: step "alerts" has no output "resolved": the step was skipped or has not run`,
		},
		{
			name:    "a value the action's check refuses",
			step:    "comment",
			change:  func(sc *Scope) { sc.Outputs["dispatch"]["run_id"] = int64(0) },
			wantErr: "resolve step comment: parameter number: 0 is out of range: want 1 to 9007199254740992",
		},
		{
			name:    "an output of the wrong type",
			step:    "comment",
			change:  func(sc *Scope) { sc.Outputs["dispatch"]["run_id"] = "nine" },
			wantErr: `resolve step comment: step "dispatch" output "run_id": want an integer, not a string`,
		},
		{
			name:    "an unknown param",
			step:    "announce",
			change:  func(sc *Scope) { sc.Params["region"] = "eu" },
			wantErr: `resolve step announce: unknown param "region"`,
		},
		{
			name:    "a required param without a value",
			step:    "announce",
			change:  func(sc *Scope) { delete(sc.Params, "cluster") },
			wantErr: `resolve step announce: param "cluster" is required`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := testScope(t, c, map[string]string{"cluster": "prod"})
			tt.change(&sc)
			_, err := must(c.Step(tt.step)).With(sc)
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestStepWhen(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	tests := []struct {
		name   string
		step   string
		args   map[string]string
		result map[string]any
		want   bool
	}{
		{"no condition runs", "announce", nil, nil, true},
		{"the rollback moved the service", "health", nil, map[string]any{"from": "a:1", "to": "a:0", "already_in_place": false}, true},
		{"the rollback found it in place", "health", nil, map[string]any{"from": "a:0", "to": "a:0", "already_in_place": true}, false},
		{"no customers", "flag", nil, nil, false},
		{"some customers", "flag", map[string]string{"customers": "acme"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]string{"cluster": "prod"}
			for k, v := range tt.args {
				args[k] = v
			}
			sc := testScope(t, c, args)
			if tt.result != nil {
				out, err := must(c.Step("rollback")).Outputs(sc, tt.result)
				require.NoError(t, err)
				sc.Outputs["rollback"] = out
			}
			got, err := must(c.Step(tt.step)).When(sc)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestStepOutputs(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	sc := testScope(t, c, map[string]string{"cluster": "prod"})
	tests := []struct {
		name    string
		result  map[string]any
		want    map[string]any
		wantErr string
	}{
		{
			name:   "the action's outputs and the step's own",
			result: map[string]any{"from": "checkout:41", "to": "checkout:40", "already_in_place": false, "extra": "dropped"},
			want:   map[string]any{"from": "checkout:41", "to": "checkout:40", "already_in_place": false, "moved": true, "summary": "checkout:41 -> checkout:40"},
		},
		{
			name:   "a missing output is its type's zero value",
			result: map[string]any{"to": "checkout:40"},
			want:   map[string]any{"from": "", "to": "checkout:40", "already_in_place": false, "moved": true, "summary": " -> checkout:40"},
		},
		{
			name:    "an output of the wrong type",
			result:  map[string]any{"already_in_place": "yes"},
			wantErr: "read step rollback output already_in_place: want true or false, not a string",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := must(c.Step("rollback")).Outputs(sc, tt.result)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		name   string
		match  Match
		change func(inc *Incident)
		want   bool
	}{
		{"every criterion holds", baseRunbook().Match, nil, true},
		{"another service", baseRunbook().Match, func(inc *Incident) { inc.Service = "search" }, false},
		{"another severity", baseRunbook().Match, func(inc *Incident) { inc.Severity = incident.Sev3 }, false},
		{"a label differs", baseRunbook().Match, func(inc *Incident) { inc.Labels["env"] = "staging" }, false},
		{"a label is missing", baseRunbook().Match, func(inc *Incident) { delete(inc.Labels, "env") }, false},
		{"the condition fails", baseRunbook().Match, func(inc *Incident) { inc.Type = "outage" }, false},
		{"no criteria matches nothing", Match{}, nil, false},
		{"a type list", Match{Type: []string{"outage", "deploy"}}, nil, true},
		{"a condition over labels", Match{Condition: "incident.labels.team == 'payments' && incident.severity == 'sev1'"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRunbook()
			r.Match = tt.match
			c, err := Compile(r)
			require.NoError(t, err)
			inc := testIncident()
			if tt.change != nil {
				tt.change(&inc)
			}
			got, err := c.Matches(inc)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMatchConditionErrorIsReported(t *testing.T) {
	r := baseRunbook()
	r.Match = Match{Condition: "incident.labels.cluster == 'x'"}
	c, err := Compile(r)
	require.NoError(t, err)
	_, err = c.Matches(testIncident())
	require.ErrorContains(t, err, "match runbook ecs-rollback: evaluate \"incident.labels.cluster == 'x'\": no such key: cluster")
}

func TestBindParams(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	tests := []struct {
		name    string
		args    map[string]string
		want    map[string]any
		wantErr string
	}{
		{
			name: "defaults and zero values",
			args: map[string]string{"cluster": "prod"},
			want: map[string]any{"cluster": "prod", "service": "checkout", "replicas": int64(2), "grace": "2m0s", "customers": []string{}, "dry": false},
		},
		{
			name: "every type from text",
			args: map[string]string{"cluster": "prod", "service": "api", "replicas": "7", "grace": "1h", "customers": "a,, b ,c", "dry": "true"},
			want: map[string]any{"cluster": "prod", "service": "api", "replicas": int64(7), "grace": "1h0m0s", "customers": []string{"a", "b", "c"}, "dry": true},
		},
		{
			name:    "every problem at once",
			args:    map[string]string{"replicas": "many", "grace": "soon", "dry": "maybe", "region": "eu"},
			wantErr: "unknown param \"region\"; params: cluster, customers, dry, grace, replicas, service\nparam \"cluster\" is required\nparam \"replicas\": invalid integer \"many\"\nparam \"grace\": invalid duration \"soon\": use a number and a unit, such as 90s, 10m or 1h30m\nparam \"dry\": invalid bool \"maybe\": use true or false",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.BindParams(tt.args, testIncident())
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestHash(t *testing.T) {
	r := baseRunbook()
	h := hashOf(t, r)
	require.True(t, strings.HasPrefix(h, HashPrefix))
	require.Len(t, h, len(HashPrefix)+64)

	t.Run("the same after a JSON round trip", func(t *testing.T) {
		r2 := roundTrip(t, r)
		require.Equal(t, h, hashOf(t, r2))
	})
	t.Run("the hash field does not count", func(t *testing.T) {
		r2 := baseRunbook()
		r2.Hash = h
		require.Equal(t, h, hashOf(t, r2))
		_, err := Compile(r2)
		require.NoError(t, err)
	})
	t.Run("any change of content changes it", func(t *testing.T) {
		for _, change := range []func(*Runbook){
			func(r *Runbook) { r.Description += "." },
			func(r *Runbook) { r.Steps[1].With["cluster"] = "prod" },
			func(r *Runbook) { r.Steps[1].Approval = &Approval{Required: true} },
			func(r *Runbook) { r.Params[2].Default = int64(3) },
		} {
			r2 := baseRunbook()
			change(r2)
			require.NotEqual(t, h, hashOf(t, r2))
		}
	})
}

// roundTrip returns r after encoding it as JSON and decoding it, as a workflow input is.
func roundTrip(t *testing.T, r *Runbook) *Runbook {
	t.Helper()
	data, err := json.Marshal(r)
	require.NoError(t, err)
	var out Runbook
	require.NoError(t, json.Unmarshal(data, &out))
	return &out
}

func TestJSONRoundTripKeepsTheMeaning(t *testing.T) {
	r := baseRunbook()
	c1, err := Compile(r)
	require.NoError(t, err)
	c2, err := Compile(roundTrip(t, r))
	require.NoError(t, err)
	require.Equal(t, r.Steps[1].Approval, c2.Runbook().Steps[1].Approval)
	require.Equal(t, r.Steps[1].Timeout, c2.Runbook().Steps[1].Timeout)
	for _, id := range []string{"announce", "rollback", "health", "report", "flag", "dispatch", "comment"} {
		sc := testScope(t, c1, map[string]string{"cluster": "prod", "customers": "a"})
		w1, err := must(c1.Step(id)).With(sc)
		require.NoError(t, err)
		// The scope, like the definition, goes through JSON too.
		var sc2 Scope
		data, err := json.Marshal(sc)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &sc2))
		w2, err := must(c2.Step(id)).With(sc2)
		require.NoError(t, err)
		require.Equal(t, w1, w2, id)
	}
}

func TestApprovalJSON(t *testing.T) {
	tests := []struct {
		name string
		a    Approval
		json string
	}{
		{"not required", Approval{}, "false"},
		{"required", Approval{Required: true}, "true"},
		{"with a reason", Approval{Required: true, Reason: "why"}, `"why"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.a)
			require.NoError(t, err)
			require.JSONEq(t, tt.json, string(data))
			var back Approval
			require.NoError(t, json.Unmarshal(data, &back))
			require.Equal(t, tt.a, back)
		})
	}
	require.Error(t, json.Unmarshal([]byte("3"), new(Approval)))
}

func TestMapIterationIsDeterministic(t *testing.T) {
	t.Run("a map written in the expression", func(t *testing.T) {
		r := baseRunbook()
		r.Steps[0].With["message"] = "${{ {'i': 1, 'b': 2, 'h': 3, 'c': 4, 'g': 5, 'd': 6, 'f': 7, 'e': 8, 'a': 9}.map(k, k).join(',') }}"
		c, err := Compile(r)
		require.NoError(t, err)
		for range 20 {
			got, err := must(c.Step("announce")).With(testScope(t, c, map[string]string{"cluster": "prod"}))
			require.NoError(t, err)
			require.Equal(t, "a,b,c,d,e,f,g,h,i", got["message"])
		}
	})
	r := baseRunbook()
	r.Steps[0].With["message"] = "${{ incident.labels.map(k, k + '=' + incident.labels[k]).join(',') }}"
	c, err := Compile(r)
	require.NoError(t, err)
	inc := testIncident()
	inc.Labels = map[string]string{}
	var want []string
	for i := range 30 {
		k := fmt.Sprintf("k%02d", i)
		inc.Labels[k] = "v"
		want = append(want, k+"=v")
	}
	params, err := c.BindParams(map[string]string{"cluster": "prod"}, inc)
	require.NoError(t, err)
	for range 20 {
		got, err := must(c.Step("announce")).With(Scope{Params: params, Incident: inc})
		require.NoError(t, err)
		require.Equal(t, strings.Join(want, ","), got["message"])
	}
}

func TestEvaluationIsBounded(t *testing.T) {
	list := "[" + strings.Repeat("1,", 99) + "1]"
	r := baseRunbook()
	r.Steps[0].With["message"] = "${{ size(" + list + ".map(a, " + list + ".map(b, " + list + ".map(c, " + list + ".map(d, a))))) }}"
	c, err := Compile(r)
	require.NoError(t, err)
	// 100^4 iterations: the cost limit stops it after about a million.
	_, err = must(c.Step("announce")).With(testScope(t, c, map[string]string{"cluster": "prod"}))
	require.ErrorContains(t, err, "cost limit exceeded")
}

func TestSplitTemplate(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantExprs []string
		wantWhole bool
		wantErr   string
	}{
		{"plain text", "hello", nil, false, ""},
		{"one expression", "${{ params.x }}", []string{"params.x"}, true, ""},
		{"one expression with white space around", "  ${{params.x}}\n", []string{"params.x"}, true, ""},
		{"text and expressions", "a ${{ x }} b ${{ y }}", []string{"x", "y"}, false, ""},
		{"two expressions only", "${{ x }}${{ y }}", []string{"x", "y"}, false, ""},
		{"unclosed", "a ${{ x", nil, false, "unclosed ${{: end the expression with }}"},
		{"empty", "a ${{ }}", nil, false, "empty ${{ }}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, whole, problem := splitTemplate(tt.in)
			if tt.wantErr != "" {
				require.NotNil(t, problem)
				require.Equal(t, tt.wantErr, problem.message)
				return
			}
			require.Nil(t, problem)
			var exprs []string
			for _, s := range segs {
				if s.isExpr {
					exprs = append(exprs, s.src)
					require.Equal(t, s.src, tt.in[s.offset:s.offset+len(s.src)])
				}
			}
			require.Equal(t, tt.wantExprs, exprs)
			require.Equal(t, tt.wantWhole, whole)
		})
	}
}

func TestCoerce(t *testing.T) {
	tests := []struct {
		name    string
		typ     Type
		in      any
		want    any
		wantErr string
	}{
		{"string", TypeString, "x", "x", ""},
		{"a number is not a string", TypeString, 12, nil, "want a string, not a number: quote the value"},
		{"int from a JSON float", TypeInt, float64(3), int64(3), ""},
		{"int from json.Number", TypeInt, json.Number("4"), int64(4), ""},
		{"a fraction is not an int", TypeInt, 3.5, nil, "want an integer, not a number"},
		{"an int beyond 2^53", TypeInt, int64(1) << 54, nil, "want an integer, not a number"},
		{"float from an int", TypeFloat, int64(1), float64(1), ""},
		{"duration is written as Go does", TypeDuration, "90s", "1m30s", ""},
		{"a negative duration", TypeDuration, "-1s", nil, `invalid duration "-1s": must not be negative`},
		{"list from []any", TypeList, []any{"a", "b"}, []string{"a", "b"}, ""},
		{"a list holding a number", TypeList, []any{"a", 1}, nil, "entry 1: want a string, not a number: quote the value"},
		{"map from map[string]any", TypeMap, map[string]any{"a": "b"}, map[string]string{"a": "b"}, ""},
		{"map of lists", TypeMapOfLists, map[string]any{"a": []any{"b"}}, map[string][]string{"a": {"b"}}, ""},
		{"too long a string", TypeString, strings.Repeat("x", MaxStringLen+1), nil, "string is 8193 bytes long; at most 8192 are allowed"},
		{"too long a list", TypeList, make([]any, MaxItems+1), nil, "list has 101 entries; at most 100 are allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := coerce(tt.typ, tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCatalogIsConsistent(t *testing.T) {
	actions := Actions()
	require.Len(t, actions, 14)
	seen := map[string]bool{}
	for i, a := range actions {
		require.False(t, seen[a.Name], "duplicate action %s", a.Name)
		seen[a.Name] = true
		if i > 0 {
			require.Less(t, actions[i-1].Name, a.Name, "actions are sorted")
		}
		require.NotEmpty(t, a.Description, a.Name)
		for _, p := range a.Params {
			require.True(t, validID(p.Name), "%s.%s", a.Name, p.Name)
			require.True(t, p.Type.valid(), "%s.%s", a.Name, p.Type)
			require.NotEmpty(t, p.Description, "%s.%s", a.Name, p.Name)
			if p.Default != nil {
				require.False(t, p.Required, "%s.%s has a default and is required", a.Name, p.Name)
				v, err := coerce(p.Type, p.Default)
				require.NoError(t, err, "%s.%s", a.Name, p.Name)
				require.Equal(t, p.Default, v, "%s.%s default is canonical", a.Name, p.Name)
				if p.Check != nil {
					require.NoError(t, p.Check(v), "%s.%s", a.Name, p.Name)
				}
			}
		}
		for _, o := range a.Outputs {
			require.True(t, validID(o.Name), "%s.%s", a.Name, o.Name)
			require.True(t, o.Type.valid(), "%s.%s", a.Name, o.Name)
		}
		got, ok := LookupAction(a.Name)
		require.True(t, ok)
		require.Equal(t, a.Name, got.Name)
	}
	_, ok := LookupAction("nope")
	require.False(t, ok)
}

func TestPathString(t *testing.T) {
	require.Equal(t, "steps[2].parallel[0].with.cluster", Path{"steps", "2", "parallel", "0", "with", "cluster"}.String())
	require.Equal(t, `match.labels["app.kubernetes.io/name"]`, Path{"match", "labels", "app.kubernetes.io/name"}.String())
	require.Equal(t, "", Path{}.String())
}

func BenchmarkCompile(b *testing.B) {
	r := baseRunbook()
	for b.Loop() {
		if _, err := Compile(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStepWith(b *testing.B) {
	c, err := Compile(baseRunbook())
	if err != nil {
		b.Fatal(err)
	}
	params, err := c.BindParams(map[string]string{"cluster": "prod"}, testIncident())
	if err != nil {
		b.Fatal(err)
	}
	sc := Scope{Params: params, Incident: testIncident(), Outputs: map[string]map[string]any{
		"rollback": {"from": "a:1", "to": "a:0", "already_in_place": false, "moved": true, "summary": "a:1 -> a:0"},
		"alerts":   {"resolved": true},
	}}
	step := must(c.Step("report"))
	for b.Loop() {
		if _, err := step.With(sc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCompiledIsSafeForConcurrentUse(t *testing.T) {
	c, err := Compile(baseRunbook())
	require.NoError(t, err)
	sc := testScope(t, c, map[string]string{"cluster": "prod"})
	want, err := must(c.Step("report")).With(sc)
	require.NoError(t, err)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				got, err := must(c.Step("report")).With(sc)
				if err == nil && got["message"] != want["message"] {
					err = fmt.Errorf("got %v", got)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
}
