package firebreak.targets_test

import data.firebreak.targets

test_targets_per_severity if {
	every sev, want in {
		"sev1": [300, 14400],
		"sev2": [900, 28800],
		"sev3": [14400, 432000],
	} {
		d := targets.decision with input as {"severity": sev}
		[d.response_target_seconds, d.resolution_target_seconds] == want
		d.reasons[0] == sprintf("severity %s", [sev])
	}
}

test_sev2_reasons if {
	targets.decision == {
		"response_target_seconds": 900,
		"resolution_target_seconds": 28800,
		"reasons": ["severity sev2", "respond within 900 seconds, resolve within 28800 seconds"],
	} with input as {"severity": "sev2"}
}

test_unknown_severity_gets_sev1_targets if {
	every sev in ["SEV2", "sev4", 2, null, {"level": "sev2"}] {
		d := targets.decision with input as {"severity": sev}
		d.response_target_seconds == 300
		d.resolution_target_seconds == 14400
		d.reasons[0] == sprintf("severity %s unknown: using sev1 targets (strictest)", [json.marshal(sev)])
	}
}

test_missing_severity_gets_sev1_targets if {
	d := targets.decision with input as {}
	d.response_target_seconds == 300
	d.resolution_target_seconds == 14400
	d.reasons[0] == "severity missing: using sev1 targets (strictest)"
}
