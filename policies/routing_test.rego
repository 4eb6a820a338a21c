package firebreak.routing_test

import data.firebreak.routing
import data.firebreak.severity

settings := {
	"service_labels": ["service", "job"],
	"type_labels": ["incident_type"],
	"impact_prefix": "impact_",
	"false_alarm_grace_seconds": 300,
	"reopen_window_seconds": 1800,
}

# firing is an Alertmanager alert for a configured service; tests change one part at a time.
firing := {
	"alert": {
		"source": "alertmanager",
		"fingerprint": "c0ffee",
		"group_key": `{}:{alertname="HighErrorRate"}`,
		"status": "firing",
		"title": "Checkout error rate above 5%",
		"service": "checkout",
		"type": "",
		"labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
		"annotations": {"summary": "Checkout error rate above 5%"},
	},
	"settings": settings,
	"services": ["checkout", "search", "reports"],
}

# shallow replaces obj's top-level keys with patch's; object.union would merge nested objects.
shallow(obj, patch) := object.union(object.remove(obj, object.keys(patch)), patch)

with_alert(patch) := shallow(firing, {"alert": shallow(firing.alert, patch)})

with_settings(input_value, patch) := shallow(input_value, {"settings": patch})

# bare is an alert with no service, type, title or group key of its own.
bare(labels, annotations) := shallow(firing, {"alert": {
	"source": "alertmanager",
	"fingerprint": "c0ffee",
	"status": "firing",
	"labels": labels,
	"annotations": annotations,
}})

with_labels(labels) := with_alert({"labels": labels})

test_alertmanager_alert if {
	routing.decision == {
		"open": true,
		"group": `{}:{alertname="HighErrorRate"}`,
		"service": "checkout",
		"type": "outage",
		"title": "Checkout error rate above 5%",
		"impact": {"customers_affected": "some", "core_degraded": true},
		"close_false_alarms": true,
		"false_alarm_grace_seconds": 300,
		"reopen_window_seconds": 1800,
		"resolve_with_alerts": false,
		"reasons": [
			"firing alert: may open an incident",
			"grouped by the alert's group key",
			"service checkout from the alert",
			`no type on the alert or in labels ["incident_type"]: type outage`,
			"title from the alert",
			`label severity "critical": assuming core_degraded true, customers_affected "some"`,
			"when every alert resolves before anyone acknowledges, the incident closes as a false alarm after 300 seconds",
			"a firing alert within 1800 seconds of resolution starts a new incident linked to the resolved one",
		],
	} with input as firing
}

test_empty_input_opens_with_fallbacks if {
	routing.decision == {
		"open": true,
		"group": "unknown/unknown/Alert from unknown",
		"service": "unknown",
		"type": "outage",
		"title": "Alert from unknown",
		"impact": {},
		"close_false_alarms": true,
		"false_alarm_grace_seconds": 300,
		"reopen_window_seconds": 1800,
		"resolve_with_alerts": false,
		"reasons": [
			"alert missing or not an object: routing it with defaults",
			"status missing: treating the alert as firing",
			"no group key: grouped by source, service and title",
			`no service on the alert or in labels ["service","job"]: service unknown`,
			"service unknown is not configured: the fallback team is engaged",
			`no type on the alert or in labels ["incident_type"]: type outage`,
			"no title, summary or alertname: title names the source",
			"no severity label or customers_affected: customers_affected left unknown, so the severity policy fails safe to sev1",
			"settings missing: using the default labels, impact prefix and windows",
			"when every alert resolves before anyone acknowledges, the incident closes as a false alarm after 300 seconds",
			"a firing alert within 1800 seconds of resolution starts a new incident linked to the resolved one",
		],
	} with input as {}
}

test_malformed_input_opens_with_fallbacks if {
	every bad in ["garbage", 42, null, [], {"alert": "x", "settings": 7, "services": "checkout"}] {
		d := routing.decision with input as bad
		d.open == true
		d.group == "unknown/unknown/Alert from unknown"
		d.service == "unknown"
		d.impact == {}
		"alert missing or not an object: routing it with defaults" in d.reasons
	}
}

test_malformed_alert_fields_still_open if {
	d := routing.decision with input as {"alert": {
		"source": 7,
		"status": true,
		"group_key": ["k"],
		"title": {},
		"service": 3,
		"type": false,
		"labels": "severity=info",
		"annotations": [],
		"impact": "bad",
	}}
	d.open == true
	d.group == "unknown/unknown/Alert from unknown"
	d.type == "outage"
	d.impact == {}
	"status true unknown: treating the alert as firing" in d.reasons
	"alert impact ignored: must be an object" in d.reasons
}

# Open.

test_resolved_alert_does_not_open if {
	d := routing.decision with input as with_alert({"status": "resolved"})
	d.open == false
	d.reasons[0] == "resolved alerts only update an incident"
}

test_resolved_info_alert_gives_the_resolved_reason if {
	d := routing.decision with input as with_alert({"status": "resolved", "labels": {"severity": "info"}})
	d.open == false
	d.reasons[0] == "resolved alerts only update an incident"
}

test_info_and_none_severities_do_not_open if {
	every level in ["info", "none", "INFO"] {
		d := routing.decision with input as with_labels({"severity": level})
		d.open == false
		d.reasons[0] == sprintf("label severity %s: informational alerts do not open an incident", [json.marshal(level)])
	}
}

test_warning_and_critical_open if {
	every level in ["warning", "critical", "page"] {
		d := routing.decision with input as with_labels({"severity": level})
		d.open == true
	}
}

test_unknown_status_is_treated_as_firing if {
	d := routing.decision with input as with_alert({"status": "pending"})
	d.open == true
	d.reasons[0] == `status "pending" unknown: treating the alert as firing`
}

test_missing_status_is_treated_as_firing if {
	d := routing.decision with input as shallow(firing, {"alert": object.remove(firing.alert, ["status"])})
	d.open == true
	d.reasons[0] == "status missing: treating the alert as firing"
}

# Group.

test_group_falls_back_to_source_service_and_alertname if {
	d := routing.decision with input as with_alert({"group_key": ""})
	d.group == "alertmanager/checkout/HighErrorRate"
	"no group key: grouped by source, service and label alertname" in d.reasons
}

test_group_falls_back_to_title_without_alertname if {
	d := routing.decision with input as bare({"service": "search"}, {"summary": "Search slow"})
	d.group == "alertmanager/search/Search slow"
	"no group key: grouped by source, service and title" in d.reasons
}

# Service.

test_service_from_the_first_service_label if {
	d := routing.decision with input as bare({"job": "search", "service": " "}, {})
	d.service == "search"
	"service search from label job" in d.reasons
}

test_service_labels_in_order if {
	d := routing.decision with input as bare({"job": "search", "service": "reports"}, {})
	d.service == "reports"
}

test_service_labels_from_settings if {
	d := routing.decision with input as with_settings(
		bare({"dimension_Service": "reports", "service": "search"}, {}),
		{"service_labels": ["dimension_Service"]},
	)
	d.service == "reports"
	"service reports from label dimension_Service" in d.reasons
}

test_unknown_service if {
	d := routing.decision with input as bare({"alertname": "DiskFull"}, {})
	d.service == "unknown"
	d.group == "alertmanager/unknown/DiskFull"
	`no service on the alert or in labels ["service","job"]: service unknown` in d.reasons
	"service unknown is not configured: the fallback team is engaged" in d.reasons
}

test_unconfigured_service_is_kept_with_a_reason if {
	d := routing.decision with input as with_alert({"service": "billing"})
	d.service == "billing"
	d.reasons[2] == "service billing from the alert"
	d.reasons[3] == "service billing is not configured: the fallback team is engaged"
}

test_configured_services_missing if {
	d := routing.decision with input as object.remove(firing, ["services"])
	d.service == "checkout"
	"service checkout is not configured: the fallback team is engaged" in d.reasons
}

# Type.

test_type_from_the_alert if {
	d := routing.decision with input as with_alert({"type": "security"})
	d.type == "security"
	"type security from the alert" in d.reasons
}

test_type_from_a_type_label if {
	d := routing.decision with input as with_labels({"incident_type": "data", "category": "security"})
	d.type == "data"
	"type data from label incident_type" in d.reasons
}

test_type_labels_from_settings if {
	d := routing.decision with input as with_settings(
		with_labels({"kind": "latency", "incident_type": "data"}),
		{"type_labels": ["kind"]},
	)
	d.type == "latency"
}

test_security_category_gives_security_type if {
	d := routing.decision with input as with_labels({"category": "security"})
	d.type == "security"
	"label category security: type security" in d.reasons
}

test_type_defaults_to_outage if {
	d := routing.decision with input as with_labels({"category": "capacity"})
	d.type == "outage"
}

# Title.

test_title_falls_back_to_summary if {
	d := routing.decision with input as bare({"alertname": "HighErrorRate"}, {"summary": "Errors high"})
	d.title == "Errors high"
	"no title: title from annotation summary" in d.reasons
}

test_title_falls_back_to_alertname if {
	d := routing.decision with input as bare({"alertname": "HighErrorRate"}, {})
	d.title == "HighErrorRate"
	"no title or summary: title from label alertname" in d.reasons
}

test_title_falls_back_to_the_source if {
	d := routing.decision with input as {"alert": {"source": "sns"}}
	d.title == "Alert from sns"
	d.group == "sns/unknown/Alert from sns"
	"no title, summary or alertname: title names the source" in d.reasons
}

# Impact.

test_alert_impact_keeps_only_known_facts if {
	d := routing.decision with input as with_alert({
		"labels": {},
		"impact": {"customers_affected": "all", "data_loss": true, "region": "eu", "support_cases": 3},
	})
	d.impact == {"customers_affected": "all", "data_loss": true, "support_cases": 3}
	"impact customers_affected, data_loss, support_cases from the alert" in d.reasons
	"alert impact region ignored: not an impact fact" in d.reasons
	"customers_affected given: nothing derived from the severity label" in d.reasons
}

test_labels_set_boolean_facts if {
	d := routing.decision with input as with_labels({
		"severity": "warning",
		"impact_data_loss": "true",
		"impact_workaround": "False",
		"impact_security_breach": " TRUE ",
	})
	d.impact == {
		"customers_affected": "none",
		"performance_degraded": true,
		"data_loss": true,
		"workaround": false,
		"security_breach": true,
	}
	"impact workaround false from label impact_workaround" in d.reasons
	not `label impact_workaround "False" ignored: must be true or false` in d.reasons
}

test_invalid_boolean_fact_is_ignored if {
	d := routing.decision with input as with_labels({"impact_data_loss": "yes"})
	not "data_loss" in object.keys(d.impact)
	`label impact_data_loss "yes" ignored: must be true or false` in d.reasons
}

test_support_cases_parsed_as_a_number if {
	d := routing.decision with input as with_alert({"annotations": {"impact_support_cases": "12"}})
	d.impact.support_cases == 12
	"impact support_cases 12 from annotation impact_support_cases" in d.reasons
}

test_non_numeric_support_cases_ignored if {
	every bad in ["many", "-3", "2.5", ""] {
		d := routing.decision with input as with_labels({"impact_support_cases": bad})
		not "support_cases" in object.keys(d.impact)
		sprintf("label impact_support_cases %s ignored: must be a non-negative integer", [json.marshal(bad)]) in d.reasons
	}
}

test_customers_affected_from_a_label if {
	d := routing.decision with input as with_labels({"severity": "critical", "impact_customers_affected": "All"})
	d.impact == {"customers_affected": "all"}
	"customers_affected given: nothing derived from the severity label" in d.reasons
}

test_unknown_customers_affected_ignored if {
	d := routing.decision with input as with_labels({"severity": "warning", "impact_customers_affected": "lots"})
	d.impact == {"customers_affected": "none", "performance_degraded": true}
	`label impact_customers_affected "lots" ignored: must be none, some or all` in d.reasons
}

test_started_at_must_be_rfc3339 if {
	good := routing.decision with input as with_labels({"impact_started_at": "2026-03-01T10:00:00Z"})
	good.impact.started_at == "2026-03-01T10:00:00Z"
	bad := routing.decision with input as with_labels({"impact_started_at": "yesterday"})
	not "started_at" in object.keys(bad.impact)
	`label impact_started_at "yesterday" ignored: must be an RFC3339 timestamp` in bad.reasons
}

test_unknown_prefixed_fact_is_named if {
	d := routing.decision with input as with_labels({"impact_dataloss": "true"})
	"label impact_dataloss ignored: dataloss is not an impact fact" in d.reasons
}

test_labels_win_over_annotations_and_the_alert if {
	d := routing.decision with input as with_alert({
		"labels": {"impact_data_loss": "false"},
		"annotations": {"impact_data_loss": "true", "impact_workaround": "true"},
		"impact": {"data_loss": true, "workaround": false, "core_degraded": true},
	})
	d.impact == {"data_loss": false, "workaround": true, "core_degraded": true}
	d.reasons[5] == "impact core_degraded from the alert"
	d.reasons[6] == "impact data_loss false from label impact_data_loss"
	d.reasons[7] == "impact workaround true from annotation impact_workaround"
}

test_explicit_facts_win_over_derived_ones if {
	d := routing.decision with input as with_labels({"severity": "critical", "impact_core_degraded": "false"})
	d.impact == {"customers_affected": "some", "core_degraded": false}
	`label severity "critical": assuming customers_affected "some"` in d.reasons
}

test_critical_derives_some_customers_and_core_degraded if {
	d := routing.decision with input as with_labels({"severity": "Critical"})
	d.impact == {"customers_affected": "some", "core_degraded": true}
}

test_warning_derives_no_customers_and_performance_degraded if {
	d := routing.decision with input as with_labels({"severity": "warning"})
	d.impact == {"customers_affected": "none", "performance_degraded": true}
	`label severity "warning": assuming customers_affected "none", performance_degraded true` in d.reasons
}

test_missing_severity_leaves_customers_affected_absent if {
	d := routing.decision with input as with_labels({"alertname": "HighErrorRate"})
	d.impact == {}
	"no severity label or customers_affected: customers_affected left unknown, so the severity policy fails safe to sev1" in d.reasons
}

test_other_severity_leaves_customers_affected_absent if {
	d := routing.decision with input as with_labels({"severity": "high"})
	d.impact == {}
	`label severity "high" is neither critical nor warning: customers_affected left unknown, so the severity policy fails safe to sev1` in d.reasons
}

test_impact_prefix_from_settings if {
	d := routing.decision with input as with_settings(
		with_labels({"fb_data_loss": "true", "impact_workaround": "true"}),
		{"impact_prefix": "fb_"},
	)
	d.impact == {"data_loss": true}
}

test_impact_has_only_known_facts if {
	d := routing.decision with input as with_alert({
		"labels": {"severity": "critical", "impact_region": "eu", "impact_support_cases": "2"},
		"annotations": {"impact_started_at": "2026-03-01T10:00:00Z", "impact_x": "1"},
		"impact": {"foo": 1, "security_breach": true},
	})
	every fact, _ in d.impact {
		fact in routing.impact_facts
	}
}

test_routed_impact_feeds_the_severity_policy if {
	expected := {"critical": "sev2", "warning": "sev3", "": "sev1", "info": "sev1"}
	every level, want in expected {
		d := routing.decision with input as with_labels({"severity": level})
		s := severity.decision with input as {"impact": d.impact}
		s.severity == want
	}
}

# Settings.

test_settings_from_input if {
	d := routing.decision with input as with_settings(firing, {"false_alarm_grace_seconds": 0, "reopen_window_seconds": 600})
	d.false_alarm_grace_seconds == 0
	d.reopen_window_seconds == 600
	d.close_false_alarms == true
	"when every alert resolves before anyone acknowledges, the incident closes as a false alarm after 0 seconds" in d.reasons
	"a firing alert within 600 seconds of resolution starts a new incident linked to the resolved one" in d.reasons
}

test_invalid_settings_use_defaults if {
	d := routing.decision with input as with_settings(firing, {
		"false_alarm_grace_seconds": -1,
		"reopen_window_seconds": "30m",
		"service_labels": "service",
		"type_labels": [1],
		"impact_prefix": "",
	})
	d.false_alarm_grace_seconds == 300
	d.reopen_window_seconds == 1800
	d.service == "checkout"
	"settings.false_alarm_grace_seconds -1 ignored: must be a non-negative integer: using 300" in d.reasons
	`settings.reopen_window_seconds "30m" ignored: must be a non-negative integer: using 1800` in d.reasons
	`settings.service_labels "service" ignored: must be an array of label names: using ["service","job"]` in d.reasons
	`settings.type_labels [1] ignored: must be an array of label names: using ["incident_type"]` in d.reasons
	`settings.impact_prefix "" ignored: must be a non-empty string: using "impact_"` in d.reasons
}

test_fractional_window_uses_default if {
	d := routing.decision with input as with_settings(firing, {"reopen_window_seconds": 1.5})
	d.reopen_window_seconds == 1800
}

test_missing_setting_fields_use_defaults if {
	d := routing.decision with input as with_settings(
		bare({"job": "search", "impact_data_loss": "true"}, {}),
		{"reopen_window_seconds": 60},
	)
	d.service == "search"
	d.impact == {"data_loss": true}
	d.false_alarm_grace_seconds == 300
	d.reopen_window_seconds == 60
	"settings.false_alarm_grace_seconds missing: using 300" in d.reasons
	`settings.service_labels missing: using ["service","job"]` in d.reasons
}

test_missing_settings_use_defaults if {
	d := routing.decision with input as object.remove(bare({"job": "search", "impact_workaround": "true"}, {}), ["settings"])
	d.service == "search"
	d.impact == {"workaround": true}
	d.false_alarm_grace_seconds == 300
	d.reopen_window_seconds == 1800
	"settings missing: using the default labels, impact prefix and windows" in d.reasons
}

test_every_decision_has_every_field_and_reasons if {
	inputs := [
		{},
		firing,
		with_alert({"status": "resolved"}),
		with_labels({"severity": "info"}),
		bare({}, {}),
		{"alert": {"source": "generic", "impact": {"customers_affected": "bogus"}}},
		pagerduty_trigger,
		{"alert": {"source": "pagerduty", "status": "acknowledged", "labels": {"class": 7}}},
	]
	every case in inputs {
		d := routing.decision with input as case
		object.keys(d) == {
			"open", "group", "service", "type", "title", "impact", "close_false_alarms",
			"false_alarm_grace_seconds", "reopen_window_seconds", "resolve_with_alerts", "reasons",
		}
		count(d.reasons) > 0
	}
}

# pagerduty_trigger is a PagerDuty Events API v2 trigger as its parser normalises it, from a
# routing key that names no service of its own.
pagerduty_trigger := {
	"alert": {
		"source": "pagerduty",
		"sender": "pagerduty/prometheus",
		"fingerprint": "srv01/mysql",
		"group_key": "pagerduty/prometheus/srv01/mysql",
		"status": "firing",
		"title": "DISK at 99% on machine prod-datapipe03.example.com",
		"labels": {
			"severity": "critical",
			"source": "prod-datapipe03.example.com",
			"component": "mysql",
			"group": "checkout",
			"class": "disk",
		},
		"annotations": {"free space": "1%", "ping time": "1500ms"},
	},
	"settings": settings,
	"services": ["checkout", "search", "reports"],
}

with_pagerduty(patch) := shallow(pagerduty_trigger, {"alert": shallow(pagerduty_trigger.alert, patch)})

with_payload(patch) := with_pagerduty({"labels": shallow(pagerduty_trigger.alert.labels, patch)})

test_pagerduty_trigger if {
	routing.decision == {
		"open": true,
		"group": "pagerduty/prometheus/srv01/mysql",
		"service": "checkout",
		"type": "disk",
		"title": "DISK at 99% on machine prod-datapipe03.example.com",
		"impact": {"customers_affected": "some", "core_degraded": true},
		"close_false_alarms": false,
		"false_alarm_grace_seconds": 300,
		"reopen_window_seconds": 1800,
		"resolve_with_alerts": true,
		"reasons": [
			"firing alert: may open an incident",
			"grouped by the alert's group key",
			"service checkout from payload group",
			"type disk from payload class",
			"title from the alert",
			`payload severity "critical": assuming core_degraded true, customers_affected "some"`,
			"PagerDuty event: the incident resolves as soon as every alert has resolved",
			"a firing alert within 1800 seconds of resolution starts a new incident linked to the resolved one",
		],
	} with input as pagerduty_trigger
}

test_pagerduty_service if {
	cases := [
		{
			"note": "the routing key's service wins",
			"input": with_pagerduty({"service": "search"}),
			"service": "search",
			"reason": "service search from the routing key",
		},
		{
			"note": "a configured component when the group is not one",
			"input": with_payload({"group": "prod-datapipe", "component": "reports"}),
			"service": "reports",
			"reason": "service reports from payload component",
		},
		{
			"note": "a configured source when neither group nor component is one",
			"input": with_payload({"group": "prod-datapipe", "source": "search"}),
			"service": "search",
			"reason": "service search from payload source",
		},
		{
			"note": "else the group, even when it is not configured",
			"input": with_payload({"group": "prod-datapipe"}),
			"service": "prod-datapipe",
			"reason": "service prod-datapipe from payload group",
		},
		{
			"note": "else unknown",
			"input": with_pagerduty({"labels": {"severity": "error", "source": "db01"}}),
			"service": "unknown",
			"reason": "no service for the routing key and none in the payload's group, component or source: service unknown",
		},
	]
	every case in cases {
		d := routing.decision with input as case.input
		d.service == case.service
		case.reason in d.reasons
	}
}

test_pagerduty_unconfigured_group_engages_the_fallback_team if {
	d := routing.decision with input as with_payload({"group": "prod-datapipe"})
	"service prod-datapipe is not configured: the fallback team is engaged" in d.reasons
}

test_pagerduty_type_from_class if {
	cases := [
		{"class": "CPU Load", "type": "cpu load", "reason": "type cpu load from payload class"},
		{"class": "Security breach", "type": "security", "reason": `payload class "Security breach": type security`},
		{"class": "", "type": "outage", "reason": `no type on the alert or in labels ["incident_type"]: type outage`},
		{"class": concat("", ["x" | some _ in numbers.range(1, 100)]), "type": concat("", ["x" | some _ in numbers.range(1, 64)])},
	]
	every case in cases {
		d := routing.decision with input as with_payload({"class": case.class})
		d.type == case.type
		object.get(case, "reason", d.reasons[0]) in d.reasons
	}
}

test_pagerduty_severity_gives_impact_and_severity if {
	cases := [
		{"severity": "critical", "impact": {"customers_affected": "some", "core_degraded": true}, "sev": "sev2"},
		{"severity": "error", "impact": {"customers_affected": "some"}, "sev": "sev2"},
		{"severity": "warning", "impact": {"customers_affected": "none", "performance_degraded": true}, "sev": "sev3"},
	]
	every case in cases {
		d := routing.decision with input as with_payload({"severity": case.severity})
		d.open == true
		d.impact == case.impact
		severity.decision.severity == case.sev with input as {"impact": d.impact}
	}
}

test_pagerduty_info_does_not_open if {
	d := routing.decision with input as with_payload({"severity": "info"})
	d.open == false
	`payload severity "info": informational alerts do not open an incident` in d.reasons
}

test_pagerduty_custom_details_carry_impact if {
	d := routing.decision with input as with_pagerduty({"annotations": {"impact_customers_affected": "all", "impact_data_loss": "true"}})
	d.impact == {"customers_affected": "all", "data_loss": true}
	severity.decision.severity == "sev1" with input as {"impact": d.impact}
}

test_pagerduty_acknowledge_and_resolve_only_update if {
	every status in ["acknowledged", "resolved"] {
		d := routing.decision with input as with_pagerduty({"status": status})
		d.open == false
		d.group == "pagerduty/prometheus/srv01/mysql"
		d.resolve_with_alerts == true
	}
	d := routing.decision with input as with_pagerduty({"status": "acknowledged"})
	"acknowledge events only update an incident" in d.reasons
}

test_other_sources_do_not_resolve_with_alerts if {
	every case in [firing, with_alert({"status": "acknowledged"}), {}] {
		d := routing.decision with input as case
		d.resolve_with_alerts == false
	}
}
