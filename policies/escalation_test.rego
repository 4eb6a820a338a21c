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
		"ladder_end_repeat_seconds": 600,
		"commander_deadline_seconds": 600,
		"defer_to_working_hours": false,
		"reasons": [
			"severity sev1: 3 levels of 300 seconds, ladder repeats 2 times",
			"ladder end: page again every 600 seconds until acknowledged",
			"incident commander due within 600 seconds",
			"sev1: never deferred",
		],
	} with input as incident("sev1", false)
}

test_sev2_deadlines if {
	d := escalation.decision with input as incident("sev2", false)
	d.ack_timeout_seconds == [600, 600, 600]
	d.repeats == 1
	d.ladder_end_repeat_seconds == 900
	"ladder end: page again every 900 seconds until acknowledged" in d.reasons
	d.commander_deadline_seconds == 1800
	d.defer_to_working_hours == false
}

test_sev3_deadlines_during_working_hours if {
	escalation.decision == {
		"ack_timeout_seconds": [1800, 1800],
		"repeats": 0,
		"ladder_end_repeat_seconds": 0,
		"commander_deadline_seconds": 0,
		"defer_to_working_hours": false,
		"reasons": [
			"severity sev3: 2 levels of 1800 seconds, ladder repeats 0 times",
			"ladder end: page once and stop",
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
	d.ladder_end_repeat_seconds == 600
	d.commander_deadline_seconds == 600
	d.reasons[0] == `severity "sev9" unknown: using sev1 deadlines`
}

test_empty_input_gets_sev1_deadlines if {
	escalation.decision == {
		"ack_timeout_seconds": [300, 300, 300],
		"repeats": 2,
		"ladder_end_repeat_seconds": 600,
		"commander_deadline_seconds": 600,
		"defer_to_working_hours": false,
		"reasons": [
			"severity missing: using sev1 deadlines",
			"ladder end: page again every 600 seconds until acknowledged",
			"incident commander due within 600 seconds",
			"sev1: never deferred",
		],
	} with input as {}
}

test_default_decision_pages_sev1_style_forever if {
	escalation.decision == {
		"ack_timeout_seconds": [300, 300, 300],
		"repeats": 2,
		"ladder_end_repeat_seconds": 600,
		"commander_deadline_seconds": 600,
		"defer_to_working_hours": false,
		"reasons": ["escalation could not be evaluated: using sev1 deadlines"],
	} with escalation.ladders as {}
}

test_wrongly_shaped_input_gets_sev1_ladder_end if {
	every bad in ["garbage", {"incident": "sev3"}, {"incident": {"severity": 3}}, {"incident": {"severity": null}}] {
		d := escalation.decision with input as bad
		d.ladder_end_repeat_seconds == 600
		"ladder end: page again every 600 seconds until acknowledged" in d.reasons
	}
}

test_sev1_and_sev2_never_stop_paging if {
	every sev in ["sev1", "sev2", "bogus"] {
		every working_hours in [true, false] {
			d := escalation.decision with input as incident(sev, working_hours)
			d.ladder_end_repeat_seconds >= 60
		}
	}
}

test_only_sev3_pages_once_and_stops if {
	d := escalation.decision with input as incident("sev3", false)
	d.ladder_end_repeat_seconds == 0
	"ladder end: page once and stop" in d.reasons
}

test_service_timeout_does_not_change_the_ladder_end if {
	d := escalation.decision with input as object.union(incident("sev1", true), {"service": {"ack_timeout_seconds": 60}})
	d.ladder_end_repeat_seconds == 600
}

# ladders_with gives every severity the sev1 deadlines and ladder end repeat seconds.
ladders_with(seconds) := {sev: object.union(escalation.ladders.sev1, {"ladder_end_repeat_seconds": seconds}) |
	some sev in ["sev1", "sev2", "sev3"]
}

test_ladder_end_repeat_is_raised_to_the_minimum if {
	every sev in ["sev1", "sev3"] {
		d := escalation.decision with input as incident(sev, true) with escalation.ladders as ladders_with(10)
		d.ladder_end_repeat_seconds == 60
		"ladder end repeat 10 seconds raised to the minimum 60" in d.reasons
		"ladder end: page again every 60 seconds until acknowledged" in d.reasons
	}
}

test_ladder_end_repeat_is_lowered_to_the_maximum if {
	d := escalation.decision with input as incident("sev2", true) with escalation.ladders as ladders_with(86400)
	d.ladder_end_repeat_seconds == 3600
	"ladder end repeat 86400 seconds lowered to the maximum 3600" in d.reasons
}

test_ladder_end_repeat_bounds_are_inclusive if {
	every seconds in [60, 3600] {
		d := escalation.decision with input as incident("sev1", true) with escalation.ladders as ladders_with(seconds)
		d.ladder_end_repeat_seconds == seconds
		every reason in d.reasons {
			not startswith(reason, "ladder end repeat ")
		}
	}
}

test_sev1_and_sev2_ignore_a_quiet_ladder_end if {
	every sev in ["sev1", "sev2"] {
		every seconds in [0, -30, "600", null] {
			d := escalation.decision with input as incident(sev, true) with escalation.ladders as ladders_with(seconds)
			d.ladder_end_repeat_seconds == 60
			sprintf("ladder end repeat %s seconds raised to 60: %s never stops paging", [json.marshal(seconds), sev]) in d.reasons
		}
	}
}

test_sev1_ladder_end_without_an_interval_keeps_paging if {
	d := escalation.decision with input as incident("sev1", true)
		with escalation.ladders as {"sev1": object.remove(escalation.ladders.sev1, ["ladder_end_repeat_seconds"])}
	d.ladder_end_repeat_seconds == 60
	"ladder end repeat null seconds raised to 60: sev1 never stops paging" in d.reasons
}

test_sev3_may_go_quiet if {
	every seconds in [0, -30, "600"] {
		d := escalation.decision with input as incident("sev3", true) with escalation.ladders as ladders_with(seconds)
		d.ladder_end_repeat_seconds == 0
		"ladder end: page once and stop" in d.reasons
	}
}
