package firebreak.communication_test

import data.firebreak.communication

incident(sev) := {"incident": {"severity": sev, "service": "checkout", "type": "outage"}}

test_sev1_updates_every_30_minutes_by_the_communications_lead_or_commander if {
	communication.decision == {
		"public_update_every_seconds": 1800,
		"public_update_roles": ["communications_lead", "commander"],
		"remind_commander_after_seconds": 600,
		"reasons": [
			"sev1: a public update is due every 1800 seconds",
			"public updates are posted by the communications lead or the commander",
		],
	} with input as incident("sev1")
}

test_sev2_updates_every_hour if {
	communication.decision.public_update_every_seconds == 3600 with input as incident("sev2")
	communication.decision.public_update_roles == ["communications_lead", "commander"] with input as incident("sev2")
}

test_sev3_has_no_cadence_and_anyone_known_may_post if {
	communication.decision == {
		"public_update_every_seconds": 0,
		"public_update_roles": [],
		"remind_commander_after_seconds": 600,
		"reasons": [
			"sev3: no public update cadence",
			"anyone the organisation knows may post a public update",
		],
	} with input as incident("sev3")
}

test_unknown_severity_fails_safe_to_sev1 if {
	communication.decision == {
		"public_update_every_seconds": 1800,
		"public_update_roles": ["communications_lead", "commander"],
		"remind_commander_after_seconds": 600,
		"reasons": [
			"severity \"sev9\" unknown: a public update is due every 1800 seconds (the sev1 cadence)",
			"public updates are posted by the communications lead or the commander",
		],
	} with input as incident("sev9")
}

test_missing_severity_fails_safe_to_sev1 if {
	communication.decision.public_update_every_seconds == 1800 with input as {"incident": {"service": "checkout"}}
	communication.decision.reasons[0] == "severity missing: a public update is due every 1800 seconds (the sev1 cadence)" with input as {"incident": {"service": "checkout"}}
}

test_missing_input_fails_safe if {
	communication.decision.public_update_every_seconds == 1800 with input as {}
}
