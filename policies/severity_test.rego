package firebreak.severity_test

import data.firebreak.severity

# calm is an incident with no customer impact; tests change one field at a time.
calm := {
	"impact": {
		"customers_affected": "none",
		"data_loss": false,
		"security_breach": false,
		"core_degraded": false,
		"performance_degraded": false,
		"workaround": false,
		"support_cases": 0,
		"started_at": "2026-03-01T10:00:00Z",
	},
	"service": {"id": "checkout", "customer_facing": true},
}

with_impact(patch) := object.union(calm, {"impact": patch})

test_no_impact_is_sev3 if {
	severity.decision == {
		"severity": "sev3",
		"overridden": false,
		"reasons": ["no customer impact reported"],
	} with input as calm
}

test_all_customers_is_sev1 if {
	d := severity.decision with input as with_impact({"customers_affected": "all"})
	d.severity == "sev1"
	d.reasons == ["service down for all customers"]
	d.overridden == false
}

test_data_loss_is_sev1 if {
	d := severity.decision with input as with_impact({"data_loss": true})
	d.severity == "sev1"
	d.reasons == ["customer data lost"]
}

test_security_breach_is_sev1 if {
	d := severity.decision with input as with_impact({"security_breach": true})
	d.severity == "sev1"
	d.reasons == ["security or privacy breached"]
}

test_some_customers_without_workaround_is_sev2 if {
	d := severity.decision with input as with_impact({"customers_affected": "some"})
	d.severity == "sev2"
	d.reasons == ["service down for some customers with no workaround"]
}

test_some_customers_with_workaround_is_sev3 if {
	d := severity.decision with input as with_impact({"customers_affected": "some", "workaround": true})
	d.severity == "sev3"
	d.reasons == ["workaround available"]
}

test_core_degraded_is_sev2 if {
	d := severity.decision with input as with_impact({"core_degraded": true})
	d.severity == "sev2"
	d.reasons == ["core functionality significantly degraded"]
}

test_ten_support_cases_is_sev2 if {
	d := severity.decision with input as with_impact({"support_cases": 10})
	d.severity == "sev2"
	d.reasons == ["10 support cases opened (10 or more is major)"]
}

test_nine_support_cases_is_sev3 if {
	d := severity.decision with input as with_impact({"support_cases": 9})
	d.severity == "sev3"
}

test_performance_degraded_is_sev3 if {
	d := severity.decision with input as with_impact({"performance_degraded": true})
	d.severity == "sev3"
	d.reasons == ["performance degraded"]
}

test_workaround_and_performance_listed if {
	d := severity.decision with input as with_impact({
		"customers_affected": "some",
		"workaround": true,
		"performance_degraded": true,
	})
	d.severity == "sev3"
	d.reasons == ["performance degraded", "workaround available"]
}

test_most_severe_wins_and_every_cause_listed if {
	d := severity.decision with input as with_impact({
		"customers_affected": "all",
		"data_loss": true,
		"core_degraded": true,
		"support_cases": 12,
	})
	d.severity == "sev1"
	d.reasons == [
		"customer data lost",
		"service down for all customers",
		"12 support cases opened (10 or more is major)",
		"core functionality significantly degraded",
	]
}

test_empty_input_is_sev1 if {
	d := severity.decision with input as {}
	d.severity == "sev1"
	d.overridden == false
	"customers affected unknown: assuming all" in d.reasons
}

test_missing_customers_affected_is_sev1 if {
	d := severity.decision with input as json.remove(calm, ["impact/customers_affected"])
	d.severity == "sev1"
	d.reasons == ["customers affected unknown: assuming all"]
}

test_unknown_customers_affected_is_sev1 if {
	d := severity.decision with input as with_impact({"customers_affected": "most"})
	d.severity == "sev1"
	d.reasons == ["customers affected unknown: assuming all"]
}

test_wrongly_typed_field_is_sev1_naming_the_field if {
	d := severity.decision with input as with_impact({"data_loss": "yes"})
	d.severity == "sev1"
	d.reasons == [`invalid input: impact.data_loss must be a boolean, got string "yes": assuming sev1`]
}

test_every_wrongly_typed_field_gives_sev1_naming_it if {
	every case in [
		{"patch": {"impact": {"workaround": 1}}, "field": "impact.workaround"},
		{"patch": {"impact": {"security_breach": "no"}}, "field": "impact.security_breach"},
		{"patch": {"impact": {"core_degraded": null}}, "field": "impact.core_degraded"},
		{"patch": {"impact": {"performance_degraded": []}}, "field": "impact.performance_degraded"},
		{"patch": {"impact": {"support_cases": "3"}}, "field": "impact.support_cases"},
		{"patch": {"impact": {"support_cases": -1}}, "field": "impact.support_cases"},
		{"patch": {"impact": {"support_cases": 1.5}}, "field": "impact.support_cases"},
		{"patch": {"impact": {"started_at": "yesterday"}}, "field": "impact.started_at"},
		{"patch": {"impact": {"started_at": 1700000000}}, "field": "impact.started_at"},
		{"patch": {"service": {"id": 7}}, "field": "service.id"},
		{"patch": {"service": {"customer_facing": "true"}}, "field": "service.customer_facing"},
		{"patch": {"service": []}, "field": "service"},
	] {
		d := severity.decision with input as object.union(calm, case.patch)
		d.severity == "sev1"
		count(d.reasons) == 1
		startswith(d.reasons[0], sprintf("invalid input: %s must be", [case.field]))
	}
}

test_impact_not_an_object_is_sev1 if {
	d := severity.decision with input as {"impact": "bad", "service": {"id": "checkout"}}
	d.severity == "sev1"
	d.reasons == [
		"customers affected unknown: assuming all",
		`invalid input: impact must be an object, got string "bad": assuming sev1`,
	]
}

test_valid_override_wins if {
	d := severity.decision with input as object.union(
		with_impact({"customers_affected": "all"}),
		{"override": {"severity": "sev3", "reason": "customer escalation", "by": "alice"}},
	)
	d.severity == "sev3"
	d.overridden == true
	d.reasons == [
		"override by alice: customer escalation",
		"computed severity without the override: sev1",
		"service down for all customers",
	]
}

test_override_with_invalid_severity_ignored if {
	d := severity.decision with input as object.union(
		with_impact({"core_degraded": true}),
		{"override": {"severity": "sev0", "reason": "panic", "by": "bob"}},
	)
	d.severity == "sev2"
	d.overridden == false
	d.reasons == [
		"core functionality significantly degraded",
		`override ignored: severity string "sev0" is not one of sev1, sev2, sev3`,
	]
}

test_override_without_author_or_reason_ignored if {
	d := severity.decision with input as object.union(calm, {"override": {"severity": "sev1", "by": ""}})
	d.severity == "sev3"
	d.overridden == false
	d.reasons == [
		"no customer impact reported",
		"override ignored: by is missing or empty",
		"override ignored: reason is missing or empty",
	]
}

test_override_not_an_object_ignored if {
	d := severity.decision with input as object.union(calm, {"override": "sev1"})
	d.overridden == false
	"override ignored: it is not an object" in d.reasons
}
