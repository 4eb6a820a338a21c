package firebreak.approval_test

import data.firebreak.approval

harmless := {"notify", "wait", "wait_alerts_resolved", "http_check"}

step(action, env, sev) := {
	"action": action,
	"mutating": mutating(action),
	"requested": false,
	"environment": env,
	"severity": sev,
	"requester": "alice",
}

mutating(action) := false if action in harmless

else := true

test_sev1_production_rollback_needs_the_commander_then_escalates if {
	approval.decision == {
		"needed": true,
		"approvers": ["commander"],
		"count": 1,
		"wait_seconds": 600,
		"on_timeout": "escalate",
		"dry_run": false,
		"reasons": [
			"environment production (production)",
			"sev1 in production: the commander approves within 10 minutes, then the on-call ladder is escalated",
		],
	} with input as step("aws.ecs_rollback", "production", "sev1")
}

test_sev2_production_is_rejected_on_timeout if {
	d := approval.decision with input as step("aws.ecs_rollback", "prod", "sev2")
	d.needed
	d.approvers == ["commander", "tech_lead"]
	d.on_timeout == "reject"
	d.wait_seconds == 900
}

test_staging_rollback_needs_no_approval if {
	d := approval.decision with input as step("aws.ecs_rollback", "staging", "sev1")
	not d.needed
	not d.dry_run
}

test_staging_step_the_runbook_asks_approval_for_is_approved_on_timeout if {
	d := approval.decision with input as object.union(step("aws.ecs_rollback", "staging", "sev2"), {"requested": true})
	d.needed
	d.on_timeout == "approve"
	d.approvers == ["commander"]
}

test_harmless_actions_need_no_approval_even_in_production if {
	every action in ["notify", "wait", "wait_alerts_resolved", "http_check"] {
		d := approval.decision with input as step(action, "production", "sev1")
		not d.needed
	}
}

test_notify_needs_no_approval_though_the_catalog_marks_it_mutating if {
	d := approval.decision with input as object.union(step("notify", "production", "sev1"), {"mutating": true})
	not d.needed
}

test_the_approval_action_always_asks if {
	d := approval.decision with input as object.union(step("approval", "staging", "sev3"), {"mutating": false})
	d.needed
}

test_training_only_plans if {
	d := approval.decision with input as step("aws.ecs_rollback", "training", "sev3")
	d.dry_run
	"environment training only plans: the step is shown and not run" in d.reasons
}

test_missing_input_fails_safe if {
	d := approval.decision with input as {"action": "aws.lambda_rollback"}
	d.needed
	d.on_timeout == "escalate"
	d.approvers == ["commander"]
	not d.dry_run
	d.reasons[0] == "environment production (production)"
}

test_unknown_environment_counts_as_production if {
	d := approval.decision with input as step("aws.ecs_rollback", "eu-west-live", "sev2")
	d.needed
	d.reasons[0] == "environment eu-west-live (production)"
}

test_unknown_action_counts_as_mutating if {
	d := approval.decision with input as {"action": "something.new", "mutating": false, "environment": "production", "severity": "sev2"}
	d.needed
}
