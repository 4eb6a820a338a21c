package firebreak.engagement_test

import data.firebreak.engagement

payments := {"id": "checkout", "team": "payments", "escalation_team": "platform", "customer_facing": true}

incident(sev, kind) := {
	"incident": {"service": "checkout", "type": kind, "severity": sev},
	"service": payments,
}

test_sev1_engages_three_tiers_and_a_commander if {
	engagement.decision == {
		"escalation_policy": "",
		"tiers": [
			[{"team": "payments"}],
			[{"team": "payments"}, {"team": "platform"}],
			[{"team": "payments"}, {"team": "platform"}, {"team": "operations"}],
		],
		"commander_team": "incident-commanders",
		"ladder_end": [{"team": "payments"}, {"team": "platform"}, {"team": "operations"}, {"team": "incident-commanders"}],
		"reasons": [
			"severity sev1: 3 tiers",
			"tier 1: owning team payments",
			"tier 2: adds escalation team platform",
			"tier 3: adds team operations",
			"sev1: commander from incident-commanders",
			"ladder end: the last tier and the commander team (team payments, team platform, team operations, team incident-commanders)",
		],
	} with input as incident("sev1", "outage")
}

test_sev2_engages_three_tiers_and_a_commander if {
	d := engagement.decision with input as incident("sev2", "outage")
	count(d.tiers) == 3
	d.tiers[2] == [{"team": "payments"}, {"team": "platform"}, {"team": "operations"}]
	d.commander_team == "incident-commanders"
}

test_sev3_engages_two_tiers_without_a_commander if {
	engagement.decision == {
		"escalation_policy": "",
		"tiers": [
			[{"team": "payments"}],
			[{"team": "payments"}, {"team": "platform"}],
		],
		"commander_team": "",
		"ladder_end": [{"team": "incident-commanders"}],
		"reasons": [
			"severity sev3: 2 tiers",
			"tier 1: owning team payments",
			"tier 2: adds escalation team platform",
			"sev3: no incident commander needed",
			"sev3 ladder end: the commander team (team incident-commanders)",
		],
	} with input as incident("sev3", "outage")
}

test_security_incident_engages_security_at_every_tier if {
	d := engagement.decision with input as incident("sev3", "security")
	d.tiers == [
		[{"team": "payments"}, {"team": "security"}],
		[{"team": "payments"}, {"team": "platform"}, {"team": "security"}],
	]
	"security incident: team security engaged at every tier" in d.reasons
}

test_security_type_is_case_insensitive if {
	d := engagement.decision with input as incident("sev1", "Security")
	every tier in d.tiers {
		{"team": "security"} in tier
	}
}

test_security_owned_service_has_no_duplicate_targets if {
	d := engagement.decision with input as {
		"incident": {"service": "vault", "type": "security", "severity": "sev2"},
		"service": {"id": "vault", "team": "security", "escalation_team": "operations"},
	}
	d.tiers == [
		[{"team": "security"}],
		[{"team": "security"}, {"team": "operations"}],
		[{"team": "security"}, {"team": "operations"}],
	]
}

test_missing_service_team_engages_operations if {
	d := engagement.decision with input as {
		"incident": {"service": "checkout", "type": "outage", "severity": "sev3"},
		"service": {"id": "checkout", "escalation_team": "platform"},
	}
	d.tiers == [
		[{"team": "operations"}],
		[{"team": "operations"}, {"team": "platform"}],
	]
	"service team missing: tier 1 is team operations" in d.reasons
}

test_wrongly_typed_service_team_engages_operations if {
	d := engagement.decision with input as {
		"incident": {"severity": "sev3"},
		"service": {"team": 42, "escalation_team": ""},
	}
	d.tiers == [[{"team": "operations"}], [{"team": "operations"}]]
	"escalation team missing: tier 2 adds team operations" in d.reasons
}

test_unknown_severity_is_treated_as_sev1 if {
	d := engagement.decision with input as incident("critical", "outage")
	count(d.tiers) == 3
	d.commander_team == "incident-commanders"
	d.reasons[0] == `severity "critical" unknown: treating as sev1 (widest engagement)`
}

test_empty_input_gives_widest_engagement if {
	d := engagement.decision with input as {}
	d.tiers == [
		[{"team": "operations"}],
		[{"team": "operations"}],
		[{"team": "operations"}],
	]
	d.commander_team == "incident-commanders"
	d.ladder_end == [{"team": "operations"}, {"team": "incident-commanders"}]
	d.reasons == [
		"severity missing: treating as sev1 (widest engagement)",
		"service team missing: tier 1 is team operations",
		"escalation team missing: tier 2 adds team operations",
		"tier 3: adds team operations",
		"sev1: commander from incident-commanders",
		"ladder end: the last tier and the commander team (team operations, team incident-commanders)",
	]
}

test_sev2_ladder_end_pages_the_last_tier_and_the_commanders if {
	d := engagement.decision with input as incident("sev2", "outage")
	d.ladder_end == [{"team": "payments"}, {"team": "platform"}, {"team": "operations"}, {"team": "incident-commanders"}]
	"ladder end: the last tier and the commander team (team payments, team platform, team operations, team incident-commanders)" in d.reasons
}

test_sev3_ladder_end_pages_only_the_commanders if {
	every kind in ["outage", "security"] {
		d := engagement.decision with input as incident("sev3", kind)
		d.ladder_end == [{"team": "incident-commanders"}]
		"sev3 ladder end: the commander team (team incident-commanders)" in d.reasons
	}
}

test_security_ladder_end_includes_security if {
	d := engagement.decision with input as incident("sev1", "security")
	d.ladder_end == [
		{"team": "payments"}, {"team": "platform"}, {"team": "operations"},
		{"team": "security"}, {"team": "incident-commanders"},
	]
}

test_unknown_severity_gets_sev1_ladder_end if {
	every sev in ["critical", 1, null] {
		d := engagement.decision with input as incident(sev, "outage")
		d.ladder_end == [{"team": "payments"}, {"team": "platform"}, {"team": "operations"}, {"team": "incident-commanders"}]
	}
}

test_ladder_end_names_the_commanders_once if {
	d := engagement.decision with input as {
		"incident": {"severity": "sev1"},
		"service": {"team": "incident-commanders", "escalation_team": "incident-commanders"},
	}
	d.ladder_end == [{"team": "incident-commanders"}, {"team": "operations"}]
}

test_ladder_end_never_pages_nobody if {
	every sev in ["sev1", "sev2", "sev3", "unknown"] {
		every kind in ["security", "outage"] {
			d := engagement.decision with input as incident(sev, kind)
			{"team": "incident-commanders"} in d.ladder_end
		}
	}
}

test_ladder_end_names_people if {
	engagement.names([{"team": "payments"}, {"person": "ana"}]) == "team payments, person ana"
}

# undefined_targets stands in for a helper that fails, to reach the default decision.
undefined_targets(_) := [] if false

test_default_decision_engages_operations_and_commanders if {
	engagement.decision == {
		"escalation_policy": "",
		"tiers": [
			[{"team": "operations"}],
			[{"team": "operations"}],
			[{"team": "operations"}],
		],
		"commander_team": "incident-commanders",
		"ladder_end": [{"team": "operations"}, {"team": "incident-commanders"}],
		"reasons": ["engagement could not be evaluated: engaging operations and an incident commander"],
	} with input as incident("sev1", "outage")
		with engagement.unique as undefined_targets
}

test_no_tier_has_duplicate_targets if {
	cases := [{"severity": sev, "type": kind} |
		some sev in ["sev1", "sev2", "sev3", "unknown"]
		some kind in ["security", "outage"]
	]
	every case in cases {
		d := engagement.decision with input as {
			"incident": case,
			"service": {"team": "operations", "escalation_team": "operations"},
		}
		every tier in d.tiers {
			count(tier) == count({target | some target in tier})
		}
	}
}

with_policy(sev, kind) := {
	"incident": {"service": "checkout", "type": kind, "severity": sev},
	"service": object.union(payments, {"escalation_policy": "payments-ladder"}),
	"clock": {"working_hours": false, "weekday": "Sat", "hour": 3},
}

test_service_escalation_policy_is_engaged if {
	d := engagement.decision with input as with_policy("sev1", "outage")
	d.escalation_policy == "payments-ladder"
	"service escalation policy payments-ladder replaces the tiers" in d.reasons
	d.commander_team == "incident-commanders"
}

test_security_incident_pages_the_tiers_not_the_policy if {
	d := engagement.decision with input as with_policy("sev2", "security")
	d.escalation_policy == ""
	d.tiers[0] == [{"team": "payments"}, {"team": "security"}]
	"security incident: the tiers page instead of escalation policy payments-ladder" in d.reasons
}

test_no_escalation_policy_pages_the_tiers if {
	d := engagement.decision with input as incident("sev1", "outage")
	d.escalation_policy == ""
	count(d.tiers) == 3
}

test_blank_escalation_policy_pages_the_tiers if {
	d := engagement.decision with input as object.union(incident("sev1", "outage"), {"service": object.union(payments, {"escalation_policy": "  "})})
	d.escalation_policy == ""
}

test_after_hours_policy_outside_working_hours if {
	facts := object.union(with_policy("sev2", "outage"), {"service": object.union(payments, {
		"escalation_policy": "payments-ladder",
		"after_hours_escalation_policy": "payments-night",
	})})
	d := engagement.decision with input as facts
	d.escalation_policy == "payments-night"
	"outside working hours: service after-hours escalation policy payments-night replaces the tiers" in d.reasons
}

test_day_policy_during_working_hours if {
	facts := object.union(with_policy("sev2", "outage"), {
		"service": object.union(payments, {
			"escalation_policy": "payments-ladder",
			"after_hours_escalation_policy": "payments-night",
		}),
		"clock": {"working_hours": true, "weekday": "Mon", "hour": 11},
	})
	d := engagement.decision with input as facts
	d.escalation_policy == "payments-ladder"
}

test_missing_clock_counts_as_working_hours if {
	facts := {
		"incident": {"service": "checkout", "type": "outage", "severity": "sev2"},
		"service": object.union(payments, {"escalation_policy": "payments-ladder", "after_hours_escalation_policy": "payments-night"}),
	}
	d := engagement.decision with input as facts
	d.escalation_policy == "payments-ladder"
}

test_no_after_hours_policy_keeps_the_policy_at_night if {
	d := engagement.decision with input as with_policy("sev2", "outage")
	d.escalation_policy == "payments-ladder"
}
