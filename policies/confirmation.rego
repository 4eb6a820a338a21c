# METADATA
# title: Incident confirmation
# description: |
#   Decides when an incident counts as confirmed, so that customers may hear of it. An
#   incident a person declared (source cli) is confirmed at start. An incident an alert
#   opened (any other source) is confirmed when someone acknowledges it, or once its
#   alerts have kept firing for 300 seconds (sev1: 120 seconds). While every alert has
#   resolved and the incident may yet close as a false alarm, paging pauses for sev2 and
#   sev3 and carries on for sev1. Missing input fails safe: not confirmed at start, the
#   longer firing time, and paging never pauses.
package firebreak.confirmation

# declared_source is the source of incidents a person declared.
declared_source := "cli"

# firing_seconds is how long each severity's alerts must keep firing to confirm it.
firing_seconds := {"sev1": 120, "sev2": 300, "sev3": 300}

# fallback_firing_seconds applies to a missing or unknown severity: the longer wait, so
# customers never hear early.
fallback_firing_seconds := 300

# pausing_severities may pause paging while the incident may be a false alarm.
pausing_severities := {"sev2", "sev3"}

# METADATA
# title: Confirmation decision
# description: |
#   Whether the incident is confirmed at start, how long its alerts must keep firing to
#   confirm it (acknowledging confirms it too), whether paging pauses during the
#   false-alarm grace, and the reasons for each.
# entrypoint: true
default decision := {
	"at_start": false,
	"after_firing_seconds": 300,
	"pause_paging_during_false_alarm_grace": false,
	"reasons": ["confirmation could not be evaluated: not confirmed at start, confirmed after 300 seconds of firing, paging never pauses"],
}

decision := {
	"at_start": at_start,
	"after_firing_seconds": after_firing,
	"pause_paging_during_false_alarm_grace": pause,
	"reasons": [source_reason, firing_reason, pause_reason],
}

# severity is the incident's severity when it is known; otherwise it is undefined.
severity := input.incident.severity if {
	firing_seconds[input.incident.severity]
}

at_start if input.incident.source == declared_source

default at_start := false

after_firing := firing_seconds[severity] if {
	severity
} else := fallback_firing_seconds

pause if severity in pausing_severities

default pause := false

source_reason := "declared by a person (source cli): confirmed at start" if {
	at_start
} else := sprintf(
	"opened by source %s: confirmed when acknowledged or after its alerts keep firing for %d seconds",
	[input.incident.source, after_firing],
) if {
	non_empty_string(input.incident.source)
} else := sprintf(
	"source %s is not a source name: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for %d seconds",
	[show(input.incident.source), after_firing],
) if {
	"source" in object.keys(input.incident)
} else := sprintf(
	"source missing: treated as alert-opened, confirmed when acknowledged or after its alerts keep firing for %d seconds",
	[after_firing],
)

firing_reason := sprintf("severity %s: alerts firing for %d seconds confirm it", [severity, after_firing]) if {
	severity
} else := sprintf("severity %s unknown: alerts firing for %d seconds confirm it (the longer wait)", [
	show(input.incident.severity),
	after_firing,
]) if {
	"severity" in object.keys(input.incident)
} else := sprintf("severity missing: alerts firing for %d seconds confirm it (the longer wait)", [after_firing])

pause_reason := sprintf("%s: paging pauses while the incident may be a false alarm", [severity]) if {
	pause
} else := "sev1: paging carries on while the incident may be a false alarm" if {
	severity == "sev1"
} else := "severity missing or unknown: paging carries on while the incident may be a false alarm"

non_empty_string(value) if {
	is_string(value)
	trim_space(value) != ""
}

show(value) := json.marshal(value)
