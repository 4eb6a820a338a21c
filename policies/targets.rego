# METADATA
# title: Response and resolution targets
# description: |
#   The service-level targets for an incident: how soon someone must respond and how
#   soon it should be resolved. A missing or unknown severity gets sev1's targets,
#   the strictest.
package firebreak.targets

# slas holds each severity's targets in seconds.
slas := {
	"sev1": {"response_target_seconds": 300, "resolution_target_seconds": 14400},
	"sev2": {"response_target_seconds": 900, "resolution_target_seconds": 28800},
	"sev3": {"response_target_seconds": 14400, "resolution_target_seconds": 432000},
}

# METADATA
# title: Targets decision
# description: The response and resolution targets in seconds, with the reasons for them.
# entrypoint: true
default decision := {
	"response_target_seconds": 300,
	"resolution_target_seconds": 14400,
	"reasons": ["targets could not be evaluated: using sev1 targets"],
}

decision := {
	"response_target_seconds": sla.response_target_seconds,
	"resolution_target_seconds": sla.resolution_target_seconds,
	"reasons": [severity_reason, sprintf(
		"respond within %d seconds, resolve within %d seconds",
		[sla.response_target_seconds, sla.resolution_target_seconds],
	)],
}

severity := input.severity if {
	slas[input.severity]
} else := "sev1"

sla := slas[severity]

severity_reason := sprintf("severity %s", [severity]) if {
	slas[input.severity]
} else := sprintf("severity %s unknown: using sev1 targets (strictest)", [json.marshal(input.severity)]) if {
	"severity" in object.keys(input)
} else := "severity missing: using sev1 targets (strictest)"
