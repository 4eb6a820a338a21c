# METADATA
# title: Escalation deadlines
# description: |
#   Decides how long each escalation level waits for an acknowledgement, how often the
#   whole ladder repeats, when an incident commander must be assigned, and whether a
#   minor incident may wait for working hours. A missing or unknown severity gets
#   sev1's deadlines; a missing clock never defers.
package firebreak.escalation

# ladders holds each severity's deadlines; commander_deadline_seconds 0 means none.
ladders := {
	"sev1": {"ack_timeout_seconds": [300, 300, 300], "repeats": 2, "commander_deadline_seconds": 600},
	"sev2": {"ack_timeout_seconds": [600, 600, 600], "repeats": 1, "commander_deadline_seconds": 1800},
	"sev3": {"ack_timeout_seconds": [1800, 1800], "repeats": 0, "commander_deadline_seconds": 0},
}

# METADATA
# title: Escalation decision
# description: |
#   One acknowledgement timeout per escalation level, the number of times the ladder
#   repeats after its last level, the commander deadline (0 for none), whether to
#   defer to working hours, and the reasons for each.
# entrypoint: true
default decision := {
	"ack_timeout_seconds": [300, 300, 300],
	"repeats": 2,
	"commander_deadline_seconds": 600,
	"defer_to_working_hours": false,
	"reasons": ["escalation could not be evaluated: using sev1 deadlines"],
}

decision := {
	"ack_timeout_seconds": ack_timeouts,
	"repeats": ladder.repeats,
	"commander_deadline_seconds": ladder.commander_deadline_seconds,
	"defer_to_working_hours": defer,
	"reasons": [reason |
		some reason in [severity_reason, timeout_reason, commander_reason, defer_reason]
		reason != ""
	],
}

severity := input.incident.severity if {
	ladders[input.incident.severity]
} else := "sev1"

ladder := ladders[severity]

ack_timeouts := [service_timeout | some _ in ladder.ack_timeout_seconds] if {
	service_timeout
} else := ladder.ack_timeout_seconds

# service_timeout is the service's own acknowledgement timeout, when it is a positive integer.
service_timeout := input.service.ack_timeout_seconds if {
	positive_integer(input.service.ack_timeout_seconds)
}

defer if {
	severity == "sev3"
	input.clock.working_hours == false
}

default defer := false

clock_known if is_boolean(input.clock.working_hours)

severity_reason := sprintf("severity %s: %d levels of %v seconds, ladder repeats %d times", [
	severity,
	count(ladder.ack_timeout_seconds),
	ladder.ack_timeout_seconds[0],
	ladder.repeats,
]) if {
	ladders[input.incident.severity]
} else := sprintf("severity %s unknown: using sev1 deadlines", [json.marshal(input.incident.severity)]) if {
	"severity" in object.keys(input.incident)
} else := "severity missing: using sev1 deadlines"

timeout_reason := sprintf("service acknowledgement timeout %d seconds replaces every level's timeout", [service_timeout]) if {
	service_timeout
} else := sprintf("service acknowledgement timeout %s ignored: must be a positive integer", [json.marshal(timeout)]) if {
	timeout := input.service.ack_timeout_seconds
} else := ""

commander_reason := sprintf("incident commander due within %d seconds", [ladder.commander_deadline_seconds]) if {
	ladder.commander_deadline_seconds > 0
} else := "no incident commander deadline"

defer_reason := "sev3 outside working hours: deferring to working hours" if {
	defer
} else := "clock missing: not deferring" if {
	severity == "sev3"
	not clock_known
} else := "sev3 during working hours: not deferring" if {
	severity == "sev3"
} else := sprintf("%s: never deferred", [severity])

positive_integer(value) if {
	is_number(value)
	value > 0
	value == floor(value)
}
