package firebreak.confirmation_test

import data.firebreak.confirmation

incident(source, sev) := {"incident": {"source": source, "severity": sev, "service": "checkout", "type": "outage"}}

test_declared_sev1_is_confirmed_at_start if {
	confirmation.decision == {
		"at_start": true,
		"after_firing_seconds": 120,
		"pause_paging_during_false_alarm_grace": false,
		"reasons": [
			"declared by a person (source cli): confirmed at start",
			"severity sev1: alerts firing for 120 seconds confirm it",
			"sev1: paging carries on while the incident may be a false alarm",
		],
	} with input as incident("cli", "sev1")
}

test_alert_opened_sev1_confirms_after_120_seconds_of_firing if {
	confirmation.decision == {
		"at_start": false,
		"after_firing_seconds": 120,
		"pause_paging_during_false_alarm_grace": false,
		"reasons": [
			"opened by source alertmanager: confirmed when acknowledged or after its alerts keep firing for 120 seconds",
			"severity sev1: alerts firing for 120 seconds confirm it",
			"sev1: paging carries on while the incident may be a false alarm",
		],
	} with input as incident("alertmanager", "sev1")
}

test_alert_opened_sev2_confirms_after_300_seconds_and_pauses if {
	confirmation.decision == {
		"at_start": false,
		"after_firing_seconds": 300,
		"pause_paging_during_false_alarm_grace": true,
		"reasons": [
			"opened by source sns: confirmed when acknowledged or after its alerts keep firing for 300 seconds",
			"severity sev2: alerts firing for 300 seconds confirm it",
			"sev2: paging pauses while the incident may be a false alarm",
		],
	} with input as incident("sns", "sev2")
}

test_alert_opened_sev3_confirms_after_300_seconds_and_pauses if {
	d := confirmation.decision with input as incident("webhook", "sev3")
	d.at_start == false
	d.after_firing_seconds == 300
	d.pause_paging_during_false_alarm_grace == true
	"sev3: paging pauses while the incident may be a false alarm" in d.reasons
}

test_only_cli_is_confirmed_at_start if {
	every source in ["alertmanager", "sns", "webhook", "CLI", " cli", "", 1, null] {
		d := confirmation.decision with input as incident(source, "sev2")
		d.at_start == false
	}
	every sev in ["sev1", "sev2", "sev3", "bogus"] {
		d := confirmation.decision with input as incident("cli", sev)
		d.at_start == true
	}
}

test_firing_time_and_pause_do_not_depend_on_the_source if {
	every sev in ["sev1", "sev2", "sev3"] {
		declared := confirmation.decision with input as incident("cli", sev)
		alerted := confirmation.decision with input as incident("alertmanager", sev)
		declared.after_firing_seconds == alerted.after_firing_seconds
		declared.pause_paging_during_false_alarm_grace == alerted.pause_paging_during_false_alarm_grace
	}
}

test_only_sev1_pages_through_the_false_alarm_grace if {
	every sev in ["sev2", "sev3"] {
		d := confirmation.decision with input as incident("alertmanager", sev)
		d.pause_paging_during_false_alarm_grace == true
	}
	d := confirmation.decision with input as incident("alertmanager", "sev1")
	d.pause_paging_during_false_alarm_grace == false
}

test_unknown_severity_waits_longer_and_keeps_paging if {
	every sev in ["critical", "SEV1", 1, null, {"level": 1}] {
		d := confirmation.decision with input as incident("alertmanager", sev)
		d.after_firing_seconds == 300
		d.pause_paging_during_false_alarm_grace == false
		sprintf("severity %s unknown: alerts firing for 300 seconds confirm it (the longer wait)", [json.marshal(sev)]) in d.reasons
		"severity missing or unknown: paging carries on while the incident may be a false alarm" in d.reasons
	}
}

test_source_that_is_not_a_name_is_alert_opened if {
	every source in ["", "  ", 7, null] {
		d := confirmation.decision with input as incident(source, "sev3")
		d.at_start == false
		sprintf(
			"source %s is not a source name: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for 300 seconds",
			[json.marshal(source)],
		) in d.reasons
	}
}

test_missing_source_is_alert_opened if {
	d := confirmation.decision with input as {"incident": {"severity": "sev1"}}
	d.at_start == false
	d.after_firing_seconds == 120
	d.reasons[0] == "source missing: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for 120 seconds"
}

test_empty_input_fails_safe if {
	every bad in [{}, {"incident": {}}, {"incident": "sev1"}, "garbage", null] {
		confirmation.decision == {
			"at_start": false,
			"after_firing_seconds": 300,
			"pause_paging_during_false_alarm_grace": false,
			"reasons": [
				"source missing: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for 300 seconds",
				"severity missing: alerts firing for 300 seconds confirm it (the longer wait)",
				"severity missing or unknown: paging carries on while the incident may be a false alarm",
			],
		} with input as bad
	}
}

test_default_decision_fails_safe if {
	confirmation.decision == {
		"at_start": false,
		"after_firing_seconds": 300,
		"pause_paging_during_false_alarm_grace": false,
		"reasons": ["confirmation could not be evaluated: not confirmed at start, confirmed after 300 seconds of firing, paging never pauses"],
	} with input as incident("cli", "sev1")
		with sprintf as undefined_sprintf
}

# undefined_sprintf stands in for a built-in that fails, to reach the default decision.
undefined_sprintf(_, _) := "" if false

test_every_firing_time_is_positive if {
	every _, seconds in confirmation.firing_seconds {
		seconds > 0
	}
	confirmation.fallback_firing_seconds >= max([seconds | some seconds in confirmation.firing_seconds])
}
