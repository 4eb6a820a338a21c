package firebreak.engagement_test

import data.firebreak.engagement

payments := {"id": "checkout", "team": "payments", "escalation_team": "platform", "customer_facing": true}

incident(sev, kind) := {
	"incident": {"service": "checkout", "type": kind, "severity": sev},
	"service": payments,
}

test_sev1_engages_three_tiers_and_a_commander if {
	engagement.decision == {
		"tiers": [
			[{"team": "payments"}],
			[{"team": "payments"}, {"team": "platform"}],
			[{"team": "payments"}, {"team": "platform"}, {"team": "operations"}],
		],
		"commander_team": "incident-commanders",
		"reasons": [
			"severity sev1: 3 tiers",
			"tier 1: owning team payments",
			"tier 2: adds escalation team platform",
			"tier 3: adds team operations",
			"sev1: commander from incident-commanders",
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
		"tiers": [
			[{"team": "payments"}],
			[{"team": "payments"}, {"team": "platform"}],
		],
		"commander_team": "",
		"reasons": [
			"severity sev3: 2 tiers",
			"tier 1: owning team payments",
			"tier 2: adds escalation team platform",
			"sev3: no incident commander needed",
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
	d.reasons == [
		"severity missing: treating as sev1 (widest engagement)",
		"service team missing: tier 1 is team operations",
		"escalation team missing: tier 2 adds team operations",
		"tier 3: adds team operations",
		"sev1: commander from incident-commanders",
	]
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
