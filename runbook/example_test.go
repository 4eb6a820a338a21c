package runbook_test

import (
	"fmt"
	"slices"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/runbook"
)

// Example walks a runbook's steps the way an interpreter in a workflow does: each step's
// condition, then its parameters, then the action (here a fake giving canned results), then
// its outputs for the steps after it; when a step fails, the undo steps of the completed ones
// run in reverse order.
func Example() {
	r := &runbook.Runbook{
		Name:   "ecs-rollback",
		Params: []runbook.Param{{Name: "service", Type: runbook.TypeString, Default: "${{ incident.service }}"}},
		Steps: []runbook.Step{
			{ID: "rollback", Action: "aws.ecs_rollback",
				With: map[string]any{"cluster": "prod", "service": "${{ params.service }}"},
				Undo: &runbook.Step{Action: "aws.ecs_rollback", With: map[string]any{
					"cluster": "prod", "service": "${{ params.service }}", "task_definition": "${{ steps.rollback.outputs.from }}",
				}}},
			{Parallel: []runbook.Step{
				{ID: "tell", Action: "notify", With: map[string]any{"message": "${{ params.service }} is on ${{ steps.rollback.outputs.to }}"}},
				{ID: "check", Action: "http_check", When: "!steps.rollback.outputs.already_in_place",
					With: map[string]any{"url": "https://${{ params.service }}.example.com/health", "timeout": "5m"}},
			}},
		},
	}
	c, err := runbook.Compile(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	inc := runbook.Incident{Key: "INC-7", Service: "checkout", Severity: incident.Sev1}
	params, err := c.BindParams(nil, inc)
	if err != nil {
		fmt.Println(err)
		return
	}
	sc := runbook.Scope{Params: params, Incident: inc, Outputs: map[string]map[string]any{}}
	results := map[string]map[string]any{
		"aws.ecs_rollback": {"from": "checkout:41", "to": "checkout:40", "already_in_place": false},
		"http_check":       {"status": 503, "attempts": 30},
	}
	var done []*runbook.CompiledStep
	run := func(s *runbook.CompiledStep) error {
		if ok, err := s.When(sc); err != nil || !ok {
			return err
		}
		with, err := s.With(sc)
		if err != nil {
			return err
		}
		fmt.Println(s.ID, s.Action.Name, with)
		result := results[s.Action.Name]
		if s.Action.Name == "http_check" && result["status"] != 200 {
			return fmt.Errorf("step %s: unhealthy", s.ID)
		}
		outputs, err := s.Outputs(sc, result)
		if err != nil {
			return err
		}
		sc.Outputs[s.ID] = outputs
		done = append(done, s)
		return nil
	}
	var failed error
	for _, entry := range r.Steps {
		group := []runbook.Step{entry}
		if entry.IsParallel() {
			group = entry.Parallel // a workflow runs these together
		}
		for _, step := range group {
			s, _ := c.Step(step.ID)
			if err := run(s); err != nil && failed == nil {
				failed = err
			}
		}
		if failed != nil {
			break
		}
	}
	fmt.Println("failed:", failed)
	for _, s := range slices.Backward(done) {
		if u := s.Undo(); u != nil {
			with, _ := u.With(sc)
			fmt.Println(u.ID, u.Action.Name, with)
		}
	}
	// Output:
	// rollback aws.ecs_rollback map[cluster:prod service:checkout wait:true]
	// tell notify map[audience:internal message:checkout is on checkout:40]
	// check http_check map[expect_status:200 interval:10s timeout:5m0s url:https://checkout.example.com/health]
	// failed: step check: unhealthy
	// rollback.undo aws.ecs_rollback map[cluster:prod service:checkout task_definition:checkout:41 wait:true]
}
