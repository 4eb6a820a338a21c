# METADATA
# title: Incident engagement
# description: |
#   Decides who is engaged for an incident, tier by tier: tier 1 is the owning team,
#   tier 2 adds the escalation team, and tier 3 (sev1 and sev2) adds operations.
#   Security incidents engage the security team at every tier. Sev1 and sev2 need an
#   incident commander. When nobody acknowledges the whole ladder, its end pages the last
#   tier and the commander team (sev1 and sev2) or the commander team alone (sev3). A
#   missing or unknown severity is treated as sev1. A service that names an escalation
#   policy pages through that policy's levels instead of the tiers (its after-hours policy
#   when the clock says the organisation is not at work), except in a security incident,
#   which pages the tiers with the security team. The clock also has the weekday and hour in
#   the organisation's time zone, for rules that choose by the time of day.
package firebreak.engagement

severities := {"sev1", "sev2", "sev3"}

# fallback_team is engaged when the service names no owning or escalation team.
fallback_team := "operations"

security_team := "security"

commanders := "incident-commanders"

# METADATA
# title: Engagement decision
# description: |
#   The configured escalation policy whose levels are paged ("" to page the tiers), the
#   tiers of targets to page in order, the team that provides the incident commander
#   ("" when none is needed), the targets paged at the ladder's end when nobody
#   acknowledged any tier, and the reasons for each.
# entrypoint: true
default decision := {
	"escalation_policy": "",
	"tiers": [
		[{"team": "operations"}],
		[{"team": "operations"}],
		[{"team": "operations"}],
	],
	"commander_team": "incident-commanders",
	"ladder_end": [{"team": "operations"}, {"team": "incident-commanders"}],
	"reasons": ["engagement could not be evaluated: engaging operations and an incident commander"],
}

decision := {
	"escalation_policy": escalation_policy,
	"tiers": tiers,
	"commander_team": commander_team,
	"ladder_end": ladder_end,
	"reasons": reasons,
}

severity := input.incident.severity if {
	input.incident.severity in severities
} else := "sev1"

tier_count := 2 if severity == "sev3"

else := 3

owning_team := input.service.team if {
	non_empty_string(input.service.team)
} else := fallback_team

escalation_team := input.service.escalation_team if {
	non_empty_string(input.service.escalation_team)
} else := fallback_team

security if lower(input.incident.type) == "security"

# escalation_policy is the service's escalation policy (its after-hours one outside the
# working hours), unless the incident is a security one: then the tiers page, with the
# security team at each. A missing clock counts as working hours.
escalation_policy := input.service.after_hours_escalation_policy if {
	after_hours
	non_empty_string(input.service.after_hours_escalation_policy)
	not security
} else := input.service.escalation_policy if {
	non_empty_string(input.service.escalation_policy)
	not security
} else := ""

after_hours if input.clock.working_hours == false

base_tiers := [
	[owning_team],
	[owning_team, escalation_team],
	[owning_team, escalation_team, fallback_team],
]

tiers := [tier |
	some teams in array.slice(base_tiers, 0, tier_count)
	tier := unique([{"team": team} | some team in array.concat(teams, security_teams)])
]

security_teams := [security_team] if security

else := []

commander_team := commanders if severity in {"sev1", "sev2"}

else := ""

# ladder_end is who is paged, as a last resort, once every tier of every round went
# unacknowledged: the last tier and the commander team, or for sev3 the commander team.
# Without a last tier it is undefined, so the decision falls back to the default.
ladder_end := unique(array.concat(tiers[count(tiers) - 1], [{"team": commanders}])) if {
	severity in {"sev1", "sev2"}
}

ladder_end := [{"team": commanders}] if severity == "sev3"

reasons := [reason |
	some reason in [
		severity_reason,
		owning_reason,
		escalation_reason,
		operations_reason,
		security_reason,
		commander_reason,
		ladder_end_reason,
		escalation_policy_reason,
	]
	reason != ""
]

severity_reason := sprintf("severity %s: %d tiers", [severity, tier_count]) if {
	input.incident.severity in severities
} else := sprintf("severity %s unknown: treating as sev1 (widest engagement)", [show(input.incident.severity)]) if {
	"severity" in object.keys(input.incident)
} else := "severity missing: treating as sev1 (widest engagement)"

owning_reason := sprintf("tier 1: owning team %s", [owning_team]) if {
	non_empty_string(input.service.team)
} else := sprintf("service team missing: tier 1 is team %s", [fallback_team])

escalation_reason := sprintf("tier 2: adds escalation team %s", [escalation_team]) if {
	non_empty_string(input.service.escalation_team)
} else := sprintf("escalation team missing: tier 2 adds team %s", [fallback_team])

operations_reason := sprintf("tier 3: adds team %s", [fallback_team]) if tier_count == 3

else := ""

security_reason := sprintf("security incident: team %s engaged at every tier", [security_team]) if security

else := ""

commander_reason := sprintf("%s: commander from %s", [severity, commanders]) if {
	commander_team != ""
} else := sprintf("%s: no incident commander needed", [severity])

ladder_end_reason := sprintf("ladder end: the last tier and the commander team (%s)", [names(ladder_end)]) if {
	severity in {"sev1", "sev2"}
} else := sprintf("%s ladder end: the commander team (%s)", [severity, names(ladder_end)])

escalation_policy_reason := sprintf("outside working hours: service after-hours escalation policy %s replaces the tiers", [escalation_policy]) if {
	escalation_policy != ""
	escalation_policy == input.service.after_hours_escalation_policy
	after_hours
} else := sprintf("service escalation policy %s replaces the tiers", [escalation_policy]) if {
	escalation_policy != ""
} else := sprintf("security incident: the tiers page instead of escalation policy %s", [input.service.escalation_policy]) if {
	non_empty_string(input.service.escalation_policy)
	security
} else := ""

# names describes targets for people, e.g. "team payments, person ana".
names(targets) := concat(", ", [name |
	some target in targets
	some kind, id in target
	name := sprintf("%s %s", [kind, id])
])

# unique keeps the first occurrence of each target, in order.
unique(targets) := [target |
	some i, target in targets
	not target in array.slice(targets, 0, i)
]

non_empty_string(value) if {
	is_string(value)
	trim_space(value) != ""
}

show(value) := json.marshal(value)
