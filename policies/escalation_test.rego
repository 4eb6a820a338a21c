package firebreak.escalation_test

import data.firebreak.escalation

incident(sev, working_hours) := {
	"incident": {"severity": sev, "service": "checkout", "type": "outage"},
	"service": {},
	"clock": {"working_hours": working_hours},
}

test_sev1_deadlines if {
	escalation.decision == {
		"ack_timeout_seconds": [300, 300, 300],
		"repeats": 2,
		"commander_deadline_seconds": 600,
		"defer_to_working_hours": false,
		"reasons": [
			"severity sev1: 3 levels of 300 seconds, ladder repeats 2 times",
			"incident commander due within 600 seconds",
			"sev1: never deferred",
		],
	} with input as incident("sev1", false)
}

test_sev2_deadlines if {
	d := escalation.decision with input as incident("sev2", false)
	d.ack_timeout_seconds == [600, 600, 600]
	d.repeats == 1
	d.commander_deadline_seconds == 1800
	d.defer_to_working_hours == false
}

test_sev3_deadlines_during_working_hours if {
	escalation.decision == {
		"ack_timeout_seconds": [1800, 1800],
		"repeats": 0,
		"commander_deadline_seconds": 0,
		"defer_to_working_hours": false,
		"reasons": [
			"severity sev3: 2 levels of 1800 seconds, ladder repeats 0 times",
			"no incident commander deadline",
			"sev3 during working hours: not deferring",
		],
	} with input as incident("sev3", true)
}

test_sev3_outside_working_hours_defers if {
	d := escalation.decision with input as incident("sev3", false)
	d.defer_to_working_hours == true
	"sev3 outside working hours: deferring to working hours" in d.reasons
}

test_only_sev3_defers if {
	every sev in ["sev1", "sev2", "bogus"] {
		d := escalation.decision with input as incident(sev, false)
		d.defer_to_working_hours == false
	}
}

test_missing_clock_does_not_defer if {
	d := escalation.decision with input as {"incident": {"severity": "sev3"}}
	d.defer_to_working_hours == false
	"clock missing: not deferring" in d.reasons
}

test_wrongly_typed_clock_does_not_defer if {
	d := escalation.decision with input as object.union(incident("sev3", true), {"clock": {"working_hours": "no"}})
	d.defer_to_working_hours == false
	"clock missing: not deferring" in d.reasons
}

test_service_timeout_replaces_every_level if {
	d := escalation.decision with input as object.union(incident("sev2", true), {"service": {"ack_timeout_seconds": 120}})
	d.ack_timeout_seconds == [120, 120, 120]
	d.repeats == 1
	"service acknowledgement timeout 120 seconds replaces every level's timeout" in d.reasons
}

test_invalid_service_timeout_is_ignored if {
	every timeout in [0, -5, 1.5, "60", null] {
		d := escalation.decision with input as object.union(incident("sev3", true), {"service": {"ack_timeout_seconds": timeout}})
		d.ack_timeout_seconds == [1800, 1800]
		sprintf("service acknowledgement timeout %s ignored: must be a positive integer", [json.marshal(timeout)]) in d.reasons
	}
}

test_unknown_severity_gets_sev1_deadlines if {
	d := escalation.decision with input as incident("sev9", false)
	d.ack_timeout_seconds == [300, 300, 300]
	d.repeats == 2
	d.commander_deadline_seconds == 600
	d.reasons[0] == `severity "sev9" unknown: using sev1 deadlines`
}

test_empty_input_gets_sev1_deadlines if {
	escalation.decision == {
		"ack_timeout_seconds": [300, 300, 300],
		"repeats": 2,
		"commander_deadline_seconds": 600,
		"defer_to_working_hours": false,
		"reasons": [
			"severity missing: using sev1 deadlines",
			"incident commander due within 600 seconds",
			"sev1: never deferred",
		],
	} with input as {}
}
