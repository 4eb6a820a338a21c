# METADATA
# title: Alert routing
# description: |
#   Decides what an incoming alert does: whether it may open an incident, which
#   incident it groups into, and the service, type, title and impact facts that
#   incident starts with (the impact facts feed the severity policy). Firing alerts
#   open an incident unless their severity label is info or none; resolved alerts
#   and acknowledge events only update one. PagerDuty Events API v2 events map their
#   payload's severity, group, component, source and class, and resolve their
#   incident as soon as its alerts resolve. Missing or malformed fields fall back to
#   defaults and never stop a firing alert from opening an incident.
package firebreak.routing

# default_settings applies to every setting that is missing or malformed.
default_settings := {
	"service_labels": ["service", "job"],
	"type_labels": ["incident_type"],
	"impact_prefix": "impact_",
	"false_alarm_grace_seconds": 300,
	"reopen_window_seconds": 1800,
}

customer_scopes := {"none", "some", "all"}

boolean_facts := {"data_loss", "security_breach", "core_degraded", "performance_degraded", "workaround"}

# impact_facts are the only facts the severity policy reads.
impact_facts := boolean_facts | {"customers_affected", "support_cases", "started_at"}

# quiet_severities are severity label values that never open an incident.
quiet_severities := {"info", "none"}

# METADATA
# title: Routing decision
# description: |
#   Whether the alert may start an incident, its grouping key, the incident's service,
#   type, title and impact facts, how false alarms close, whether the incident
#   resolves with its alerts, when a new alert reopens, and the reasons for each.
# entrypoint: true
default decision := {
	"open": true,
	"group": "unknown/unknown/Alert from unknown",
	"service": "unknown",
	"type": "outage",
	"title": "Alert from unknown",
	"impact": {},
	"close_false_alarms": false,
	"false_alarm_grace_seconds": 300,
	"reopen_window_seconds": 1800,
	"resolve_with_alerts": false,
	"reasons": ["routing could not be evaluated: opening an incident that is never closed as a false alarm"],
}

decision := {
	"open": open,
	"group": group,
	"service": service,
	"type": incident_type,
	"title": title,
	"impact": impact,
	"close_false_alarms": close_false_alarms,
	"false_alarm_grace_seconds": setting("false_alarm_grace_seconds"),
	"reopen_window_seconds": setting("reopen_window_seconds"),
	"resolve_with_alerts": pagerduty,
	"reasons": array.concat(
		array.concat(
			[reason |
				some reason in [
					alert_reason,
					open_reason,
					group_reason,
					service_reason,
					configured_reason,
					type_reason,
					title_reason,
				]
				reason != ""
			],
			impact_reasons,
		),
		array.concat(sort(setting_problems), [resolution_reason, reopen_reason]),
	),
}

# The alert and its parts, each an object even when missing or malformed.

alert := input.alert if is_object(input.alert)

else := {}

alert_given if is_object(input.alert)

labels := alert.labels if is_object(alert.labels)

else := {}

annotations := alert.annotations if is_object(alert.annotations)

else := {}

alert_reason := "" if alert_given

else := "alert missing or not an object: routing it with defaults"

source := alert.source if non_empty_string(alert.source)

else := "unknown"

# pagerduty holds for a PagerDuty Events API v2 event. Its parser puts the payload's
# severity, source, component, group and class in labels, its custom_details in
# annotations, its summary in the title, and the routing key's service (when the
# configuration names one) in the alert's service.
default pagerduty := false

pagerduty if alert.source == "pagerduty"

# Settings: each field falls back to its default on its own.

settings := input.settings if is_object(input.settings)

else := {}

settings_given if is_object(input.settings)

setting(field) := settings[field] if {
	valid_setting(field, settings[field])
} else := default_settings[field]

valid_setting("service_labels", value) if string_array(value)

valid_setting("type_labels", value) if string_array(value)

valid_setting("impact_prefix", value) if non_empty_string(value)

valid_setting("false_alarm_grace_seconds", value) if non_negative_integer(value)

valid_setting("reopen_window_seconds", value) if non_negative_integer(value)

setting_expectations := {
	"service_labels": "must be an array of label names",
	"type_labels": "must be an array of label names",
	"impact_prefix": "must be a non-empty string",
	"false_alarm_grace_seconds": "must be a non-negative integer",
	"reopen_window_seconds": "must be a non-negative integer",
}

setting_problems contains "settings missing: using the default labels, impact prefix and windows" if {
	not settings_given
}

setting_problems contains sprintf("settings.%s missing: using %s", [field, show(fallback)]) if {
	settings_given
	some field, fallback in default_settings
	not field in object.keys(settings)
}

setting_problems contains sprintf("settings.%s %s ignored: %s: using %s", [
	field,
	show(value),
	setting_expectations[field],
	show(default_settings[field]),
]) if {
	some field, value in settings
	field in object.keys(default_settings)
	not valid_setting(field, value)
}

impact_prefix := setting("impact_prefix")

# close_false_alarms: a PagerDuty event's incident resolves with its alerts instead.
close_false_alarms := false if pagerduty

else := true

resolution_reason := "PagerDuty event: the incident resolves as soon as every alert has resolved" if {
	pagerduty
} else := sprintf(
	"when every alert resolves before anyone acknowledges, the incident closes as a false alarm after %d seconds",
	[setting("false_alarm_grace_seconds")],
)

reopen_reason := sprintf(
	"a firing alert within %d seconds of resolution starts a new incident linked to the resolved one",
	[setting("reopen_window_seconds")],
)

# Open: firing alerts open an incident unless they are informational.

open := false if resolved

else := false if acknowledging

else := false if quiet

else := true

resolved if alert.status == "resolved"

acknowledging if alert.status == "acknowledged"

quiet if lower(severity_label) in quiet_severities

# severity_label is the alert's severity label when it is a string.
severity_label := labels.severity if is_string(labels.severity)

# severity_origin names where severity_label came from, for the reasons.
severity_origin := "payload severity" if pagerduty

else := "label severity"

open_reason := "resolved alerts only update an incident" if {
	resolved
} else := "acknowledge events only update an incident" if {
	acknowledging
} else := sprintf("%s %s: informational alerts do not open an incident", [severity_origin, show(severity_label)]) if {
	quiet
} else := "firing alert: may open an incident" if {
	alert.status == "firing"
} else := sprintf("status %s unknown: treating the alert as firing", [show(alert.status)]) if {
	"status" in object.keys(alert)
} else := "status missing: treating the alert as firing"

# Group: one incident per group.

group := alert.group_key if {
	non_empty_string(alert.group_key)
} else := sprintf("%s/%s/%s", [source, service, group_name])

group_name := labels.alertname if {
	non_empty_string(labels.alertname)
} else := title

group_reason := "grouped by the alert's group key" if {
	non_empty_string(alert.group_key)
} else := "no group key: grouped by source, service and label alertname" if {
	non_empty_string(labels.alertname)
} else := "no group key: grouped by source, service and title"

# Service: the alert's own, else the first service label, else unknown. A PagerDuty
# event's own service is its routing key's; else the first of its payload's group,
# component and source that names a configured service; else its group.

service := alert.service if {
	non_empty_string(alert.service)
} else := labels[pagerduty_service_field] if {
	pagerduty
	pagerduty_service_field
} else := labels.group if {
	pagerduty
	non_empty_string(labels.group)
} else := labels[service_label] if {
	service_label
} else := "unknown"

pagerduty_service_fields := ["group", "component", "source"]

# pagerduty_service_field is the first PagerDuty payload field that names a configured service.
pagerduty_service_field := [field |
	some field in pagerduty_service_fields
	labels[field] in configured_services
][0]

service_label := [name |
	some name in setting("service_labels")
	non_empty_string(labels[name])
][0]

service_reason := sprintf("service %s from the routing key", [service]) if {
	pagerduty
	non_empty_string(alert.service)
} else := sprintf("service %s from the alert", [service]) if {
	non_empty_string(alert.service)
} else := sprintf("service %s from payload %s", [service, pagerduty_service_field]) if {
	pagerduty
	pagerduty_service_field
} else := sprintf("service %s from payload group", [service]) if {
	pagerduty
	non_empty_string(labels.group)
} else := sprintf("service %s from label %s", [service, service_label]) if {
	service_label
} else := "no service for the routing key and none in the payload's group, component or source: service unknown" if {
	pagerduty
} else := sprintf("no service on the alert or in labels %s: service unknown", [show(setting("service_labels"))])

configured_services := input.services if is_array(input.services)

else := []

configured if service in configured_services

configured_reason := "" if configured

else := sprintf("service %s is not configured: the fallback team is engaged", [service])

# Type: the alert's own, else the first type label, else security or outage. A
# PagerDuty event's class is its type (security when it mentions security).

incident_type := alert.type if {
	non_empty_string(alert.type)
} else := labels[type_label] if {
	type_label
} else := "security" if {
	labels.category == "security"
} else := "security" if {
	pagerduty
	contains(pagerduty_class, "security")
} else := pagerduty_class if {
	pagerduty
	pagerduty_class != ""
} else := "outage"

# pagerduty_class is a PagerDuty event's class in lower case, at most 64 characters.
pagerduty_class := substring(lower(trim_space(labels.class)), 0, 64) if is_string(labels.class)

else := ""

type_label := [name |
	some name in setting("type_labels")
	non_empty_string(labels[name])
][0]

type_reason := sprintf("type %s from the alert", [incident_type]) if {
	non_empty_string(alert.type)
} else := sprintf("type %s from label %s", [incident_type, type_label]) if {
	type_label
} else := "label category security: type security" if {
	labels.category == "security"
} else := sprintf("payload class %s: type security", [show(labels.class)]) if {
	pagerduty
	incident_type == "security"
} else := sprintf("type %s from payload class", [incident_type]) if {
	pagerduty
	pagerduty_class != ""
} else := sprintf("no type on the alert or in labels %s: type outage", [show(setting("type_labels"))])

# Title: the alert's own, else its summary, else its alertname.

title := alert.title if {
	non_empty_string(alert.title)
} else := annotations.summary if {
	non_empty_string(annotations.summary)
} else := labels.alertname if {
	non_empty_string(labels.alertname)
} else := sprintf("Alert from %s", [source])

title_reason := "title from the alert" if {
	non_empty_string(alert.title)
} else := "no title: title from annotation summary" if {
	non_empty_string(annotations.summary)
} else := "no title or summary: title from label alertname" if {
	non_empty_string(labels.alertname)
} else := "no title, summary or alertname: title names the source"

# Impact: explicit facts from the alert, its annotations and its labels (each
# overriding the one before), over facts derived from the severity label.

impact := object.union(derived_impact, explicit_impact)

alert_impact := {fact: value |
	some fact, value in alert.impact
	fact in impact_facts
} if {
	is_object(alert.impact)
} else := {}

annotation_facts := prefixed_facts(annotations)

label_facts := prefixed_facts(labels)

explicit_impact := object.union(object.union(alert_impact, annotation_facts), label_facts)

# prefixed_facts holds the valid facts carried by values named <impact_prefix><fact>.
prefixed_facts(values) := {fact: value |
	some fact in impact_facts
	value := fact_value(fact, values[concat("", [impact_prefix, fact])])
}

# fact_value is the fact a label or annotation value carries, undefined when invalid.
fact_value(fact, value) := value if {
	fact in boolean_facts
	is_boolean(value)
}

fact_value(fact, value) if {
	fact in boolean_facts
	is_string(value)
	lower(trim_space(value)) == "true"
}

fact_value(fact, value) := false if {
	fact in boolean_facts
	is_string(value)
	lower(trim_space(value)) == "false"
}

fact_value("customers_affected", value) := scope if {
	is_string(value)
	scope := lower(trim_space(value))
	scope in customer_scopes
}

fact_value("support_cases", value) := value if non_negative_integer(value)

fact_value("support_cases", value) := to_number(trim_space(value)) if {
	is_string(value)
	regex.match(`^\s*[0-9]+\s*$`, value)
}

fact_value("started_at", value) := value if rfc3339(value)

# valid_fact holds when value carries the fact. Negate this, never fact_value: a
# valid "false" would make `not fact_value(...)` true.
valid_fact(fact, value) if {
	_ = fact_value(fact, value)
}

fact_expectations := object.union(
	{fact: "must be true or false" | some fact in boolean_facts},
	{
		"customers_affected": "must be none, some or all",
		"support_cases": "must be a non-negative integer",
		"started_at": "must be an RFC3339 timestamp",
	},
)

derived_impact := {} if {
	"customers_affected" in object.keys(explicit_impact)
} else := {"customers_affected": "some", "core_degraded": true} if {
	lower(severity_label) == "critical"
} else := {"customers_affected": "some"} if {
	pagerduty
	lower(severity_label) == "error"
} else := {"customers_affected": "none", "performance_degraded": true} if {
	lower(severity_label) == "warning"
} else := {}

impact_reasons := array.concat(sort(impact_sources | impact_problems), [derived_reason])

impact_sources contains sprintf("impact %s from the alert", [concat(", ", sort(facts))]) if {
	facts := (object.keys(alert_impact) - object.keys(annotation_facts)) - object.keys(label_facts)
	count(facts) > 0
}

impact_sources contains sprintf("impact %s %s from annotation %s%s", [fact, show(value), impact_prefix, fact]) if {
	some fact, value in annotation_facts
	not fact in object.keys(label_facts)
}

impact_sources contains sprintf("impact %s %s from label %s%s", [fact, show(value), impact_prefix, fact]) if {
	some fact, value in label_facts
}

impact_problems contains "alert impact ignored: must be an object" if {
	"impact" in object.keys(alert)
	not is_object(alert.impact)
}

impact_problems contains sprintf("alert impact %s ignored: not an impact fact", [fact]) if {
	is_object(alert.impact)
	some fact, _ in alert.impact
	not fact in impact_facts
}

impact_problems contains sprintf("%s %s %s ignored: %s", [kind, name, show(value), fact_expectations[fact]]) if {
	some kind, values in {"label": labels, "annotation": annotations}
	some name, value in values
	startswith(name, impact_prefix)
	fact := substring(name, count(impact_prefix), -1)
	fact in impact_facts
	not valid_fact(fact, value)
}

impact_problems contains sprintf("%s %s ignored: %s is not an impact fact", [kind, name, fact]) if {
	some kind, values in {"label": labels, "annotation": annotations}
	some name, _ in values
	startswith(name, impact_prefix)
	fact := substring(name, count(impact_prefix), -1)
	not fact in impact_facts
}

derived_reason := "customers_affected given: nothing derived from the severity label" if {
	"customers_affected" in object.keys(explicit_impact)
} else := sprintf("%s %s: assuming %s", [severity_origin, show(severity_label), show_facts(derived_applied)]) if {
	count(derived_impact) > 0
} else := sprintf(
	"%s %s is neither critical nor warning: customers_affected left unknown, so the severity policy fails safe to sev1",
	[severity_origin, show(severity_label)],
) if {
	severity_label
} else := "no severity label or customers_affected: customers_affected left unknown, so the severity policy fails safe to sev1"

# derived_applied is the part of derived_impact that no explicit fact overrides.
derived_applied := object.remove(derived_impact, object.keys(explicit_impact))

show_facts(facts) := concat(", ", [sprintf("%s %s", [fact, show(value)]) | some fact, value in facts])

# Helpers.

non_empty_string(value) if {
	is_string(value)
	trim_space(value) != ""
}

string_array(value) if {
	is_array(value)
	every item in value {
		is_string(item)
	}
}

non_negative_integer(value) if {
	is_number(value)
	value >= 0
	value == floor(value)
}

rfc3339(value) if {
	is_string(value)
	time.parse_rfc3339_ns(value)
}

show(value) := json.marshal(value)
