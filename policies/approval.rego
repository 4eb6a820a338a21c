# METADATA
# title: Runbook step approval
# description: |
#   Decides whether a runbook step needs an approval before it runs, from whom, how many
#   distinct approvers, how long to wait and what happens when nobody answers in time; and
#   whether the step only plans (dry run) in its environment. Input: the step's action and
#   whether the catalog says it changes anything outside Firebreak (mutating; this policy
#   decides from the action itself), whether the runbook asks for an approval (requested), the
#   target environment, the incident's severity and who asked for the run (requester). Steps
#   that change nothing, or only post a message, need no approval unless the runbook asks.
#   In production: sev1 waits 10 minutes for the commander, then escalates; sev2 and sev3 wait
#   15 minutes for the commander or the tech lead, then reject. Outside production, a step the
#   runbook asks approval for waits 15 minutes for the commander and is approved when nobody
#   answers; other mutating steps run at once. The training environment only plans: runbooks
#   run there as rehearsals. Missing input fails safe: an unknown environment counts as
#   production, an unknown severity as sev1, an unknown action as mutating.
package firebreak.approval

# production_environments are treated as production; a missing environment is too.
production_environments := {"production", "prod"}

# dry_run_environments only plan: every step is shown with its parameters and nothing runs.
dry_run_environments := {"training"}

# harmless_actions change nothing outside Firebreak, or only post a message.
harmless_actions := {"notify", "wait", "wait_alerts_resolved", "http_check"}

# METADATA
# title: Approval decision
# description: |
#   Whether the step needs approval, the approvers (incident roles such as commander, or
#   people by ID), how many distinct approvers, how long to wait in seconds, what happens on
#   timeout (reject, escalate or approve), whether the step only plans, and the reasons.
# entrypoint: true
default decision := {
	"needed": true,
	"approvers": ["commander"],
	"count": 1,
	"wait_seconds": 600,
	"on_timeout": "reject",
	"dry_run": false,
	"reasons": ["approval could not be evaluated: the commander must approve within 600 seconds, rejected on timeout"],
}

decision := {
	"needed": needed,
	"approvers": rule.approvers,
	"count": rule.count,
	"wait_seconds": rule.wait_seconds,
	"on_timeout": rule.on_timeout,
	"dry_run": dry_run,
	"reasons": array.concat([environment_reason, rule.reason], dry_run_reasons),
}

environment := input.environment if {
	is_string(input.environment)
	input.environment != ""
} else := "production"

production if environment in production_environments

# An environment that is neither listed as production nor as non-production counts as
# production unless it is a known lower environment.
production if not environment in lower_environments

lower_environments := {"staging", "development", "dev", "test", "qa", "training", "sandbox"}

default production := false

severity := input.severity if input.severity in {"sev1", "sev2", "sev3"}

else := "sev1"

# Every action but the harmless ones counts as mutating, whatever input.mutating says: an
# unknown action fails safe, and notify, which the catalog marks mutating because it posts,
# only posts a message.
mutating if not input.action in harmless_actions

default mutating := false

requested if input.requested == true

requested if input.action == "approval"

default requested := false

dry_run if environment in dry_run_environments

default dry_run := false

dry_run_reasons := [sprintf("environment %s only plans: the step is shown and not run", [environment])] if {
	dry_run
} else := []

environment_reason := sprintf("environment %s (production)", [environment]) if {
	production
} else := sprintf("environment %s (not production)", [environment])

needed := rule.needed

rule := {
	"needed": false,
	"approvers": [],
	"count": 0,
	"wait_seconds": 0,
	"on_timeout": "reject",
	"reason": sprintf("%s changes nothing and the runbook asks no approval: none needed", [show(input.action)]),
} if {
	not mutating
	not requested
} else := {
	"needed": true,
	"approvers": ["commander"],
	"count": 1,
	"wait_seconds": 600,
	"on_timeout": "escalate",
	"reason": "sev1 in production: the commander approves within 10 minutes, then the on-call ladder is escalated",
} if {
	production
	severity == "sev1"
} else := {
	"needed": true,
	"approvers": ["commander", "tech_lead"],
	"count": 1,
	"wait_seconds": 900,
	"on_timeout": "reject",
	"reason": sprintf("%s in production: the commander or the tech lead approves within 15 minutes, else rejected", [severity]),
} if {
	production
} else := {
	"needed": true,
	"approvers": ["commander"],
	"count": 1,
	"wait_seconds": 900,
	"on_timeout": "approve",
	"reason": "outside production the runbook asks approval: the commander may object within 15 minutes, else approved",
} if {
	requested
} else := {
	"needed": false,
	"approvers": [],
	"count": 0,
	"wait_seconds": 0,
	"on_timeout": "reject",
	"reason": "outside production and the runbook asks no approval: none needed",
}

show(value) := json.marshal(value)
