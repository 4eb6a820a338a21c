# METADATA
# title: Incident severity
# description: |
#   Classifies an incident as sev1, sev2 or sev3 from its reported impact.
#   Sev1 (critical): a service down for all customers, a security or privacy breach,
#   or customer data lost. Sev2 (major): down for some customers, or core
#   functionality significantly degraded. Sev3 (minor): an inconvenience with a
#   workaround, or degraded performance. Missing or malformed input fails safe to sev1.
package firebreak.severity

severities := {"sev1", "sev2", "sev3"}

customer_scopes := {"none", "some", "all"}

boolean_fields := {"data_loss", "security_breach", "core_degraded", "performance_degraded", "workaround"}

# support_threshold is the number of support cases that makes an incident major.
support_threshold := 10

# METADATA
# title: Severity decision
# description: |
#   The incident's severity with the reasons for it. A valid override wins; otherwise
#   the most severe matching rule wins and every matching cause is listed.
# entrypoint: true
default decision := {
	"severity": "sev1",
	"overridden": false,
	"reasons": ["severity could not be evaluated: assuming sev1"],
}

decision := {
	"severity": override.severity,
	"overridden": true,
	"reasons": array.concat(
		[
			sprintf("override by %s: %s", [override.by, override.reason]),
			sprintf("computed severity without the override: %s", [computed]),
		],
		computed_reasons,
	),
}

decision := {
	"severity": computed,
	"overridden": false,
	"reasons": array.concat(computed_reasons, override_notes),
} if {
	not override
}

# override is the caller's override when it names a known severity, who made it and why.
override := input.override if {
	input.override.severity in severities
	non_empty_string(input.override.by)
	non_empty_string(input.override.reason)
}

override_notes := sort(override_problems) if {
	override_given
} else := []

override_given if "override" in object.keys(input)

override_problems contains "override ignored: it is not an object" if {
	override_given
	not is_object(input.override)
}

override_problems contains sprintf("override ignored: severity %s is not one of sev1, sev2, sev3", [show(severity)]) if {
	is_object(input.override)
	severity := object.get(input.override, "severity", null)
	not severity in severities
}

override_problems contains sprintf("override ignored: %s is missing or empty", [field]) if {
	is_object(input.override)
	some field in ["by", "reason"]
	not non_empty_string(object.get(input.override, field, null))
}

computed := "sev1" if {
	count(critical_causes) > 0
} else := "sev2" if {
	count(major_causes) > 0
} else := "sev3"

computed_reasons := array.concat(sort(critical_causes), sort(major_causes)) if {
	computed != "sev3"
} else := sort(minor_causes)

# Sev1 causes.

critical_causes contains "customers affected unknown: assuming all" if {
	not known_customer_scope
}

critical_causes contains "service down for all customers" if {
	input.impact.customers_affected == "all"
}

critical_causes contains "customer data lost" if {
	input.impact.data_loss == true
}

critical_causes contains "security or privacy breached" if {
	input.impact.security_breach == true
}

critical_causes contains sprintf("invalid input: %s: assuming sev1", [problem]) if {
	some problem in input_problems
}

# known_customer_scope holds when customers_affected is one of the known scopes. Negate
# this rule, never `input.impact.customers_affected in customer_scopes`: OPA hoists the
# reference out of the negation, so a missing field would make the cause undefined
# instead of true (open-policy-agent/opa#1877).
known_customer_scope if input.impact.customers_affected in customer_scopes

# Sev2 causes.

major_causes contains "service down for some customers with no workaround" if {
	input.impact.customers_affected == "some"
	not input.impact.workaround == true
}

major_causes contains "core functionality significantly degraded" if {
	input.impact.core_degraded == true
}

major_causes contains sprintf("%d support cases opened (%d or more is major)", [input.impact.support_cases, support_threshold]) if {
	is_number(input.impact.support_cases)
	input.impact.support_cases >= support_threshold
}

# Sev3 explanations, used only when nothing more severe matched.

minor_causes contains "workaround available" if {
	input.impact.workaround == true
}

minor_causes contains "performance degraded" if {
	input.impact.performance_degraded == true
}

minor_causes contains "no customer impact reported" if {
	not input.impact.workaround == true
	not input.impact.performance_degraded == true
}

# Type checks: any present field of the wrong type makes the incident sev1.

input_problems contains sprintf("%s must be an object, got %s", [field, show(value)]) if {
	some field in ["impact", "service"]
	value := input[field]
	not is_object(value)
}

input_problems contains sprintf("impact.%s must be a boolean, got %s", [field, show(value)]) if {
	some field in boolean_fields
	value := input.impact[field]
	not is_boolean(value)
}

input_problems contains sprintf("impact.support_cases must be a non-negative integer, got %s", [show(cases)]) if {
	cases := input.impact.support_cases
	not non_negative_integer(cases)
}

input_problems contains sprintf("impact.started_at must be an RFC3339 timestamp, got %s", [show(started)]) if {
	started := input.impact.started_at
	not rfc3339(started)
}

input_problems contains sprintf("service.id must be a string, got %s", [show(id)]) if {
	id := input.service.id
	not is_string(id)
}

input_problems contains sprintf("service.customer_facing must be a boolean, got %s", [show(facing)]) if {
	facing := input.service.customer_facing
	not is_boolean(facing)
}

non_empty_string(value) if {
	is_string(value)
	trim_space(value) != ""
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

show(value) := sprintf("%s %s", [type_name(value), json.marshal(value)])
