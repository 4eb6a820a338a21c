# METADATA
# title: Escalation deadlines
# description: |
#   Decides how long each escalation level waits for an acknowledgement, how often the
#   whole ladder repeats, how often the ladder's end pages again until someone
#   acknowledges, when an incident commander must be assigned, and whether a minor
#   incident may wait for working hours. Sev1 and sev2 never stop paging. A missing or
#   unknown severity gets sev1's deadlines; a missing clock never defers.
package firebreak.escalation

# ladders holds each severity's deadlines; commander_deadline_seconds 0 means none, and
# ladder_end_repeat_seconds 0 means the ladder's end pages once and stops.
ladders := {
	"sev1": {
		"ack_timeout_seconds": [300, 300, 300],
		"repeats": 2,
		"commander_deadline_seconds": 600,
		"ladder_end_repeat_seconds": 600,
	},
	"sev2": {
		"ack_timeout_seconds": [600, 600, 600],
		"repeats": 1,
		"commander_deadline_seconds": 1800,
		"ladder_end_repeat_seconds": 900,
	},
	"sev3": {
		"ack_timeout_seconds": [1800, 1800],
		"repeats": 0,
		"commander_deadline_seconds": 0,
		"ladder_end_repeat_seconds": 0,
	},
}

# never_quiet are the severities whose ladder end keeps paging until acknowledged, whatever
# the ladders table says.
never_quiet := {"sev1", "sev2"}

# The ladder end's repeat interval is kept within these bounds (0 aside, where allowed).
min_repeat_seconds := 60

max_repeat_seconds := 3600

# METADATA
# title: Escalation decision
# description: |
#   One acknowledgement timeout per escalation level, the number of times the ladder
#   repeats after its last level, the interval at which the ladder's end pages again
#   until acknowledged (0: page once and stop), the commander deadline (0 for none),
#   whether to defer to working hours, and the reasons for each.
# entrypoint: true
default decision := {
	"ack_timeout_seconds": [300, 300, 300],
	"repeats": 2,
	"ladder_end_repeat_seconds": 600,
	"commander_deadline_seconds": 600,
	"defer_to_working_hours": false,
	"reasons": ["escalation could not be evaluated: using sev1 deadlines"],
}

decision := {
	"ack_timeout_seconds": ack_timeouts,
	"repeats": ladder.repeats,
	"ladder_end_repeat_seconds": ladder_end_repeat,
	"commander_deadline_seconds": ladder.commander_deadline_seconds,
	"defer_to_working_hours": defer,
	"reasons": [reason |
		some reason in [
			severity_reason,
			timeout_reason,
			ladder_end_reason,
			ladder_end_bound_reason,
			commander_reason,
			defer_reason,
		]
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

# ladder_end_repeat is the ladders table's interval within the bounds; 0 only where the
# severity may go quiet, and anything that is not a number counts as 0.
ladder_end_repeat := 0 if {
	not severity in never_quiet
	configured_repeat <= 0
} else := clamp(configured_repeat, min_repeat_seconds, max_repeat_seconds)

configured_repeat := ladder.ladder_end_repeat_seconds if {
	is_number(ladder.ladder_end_repeat_seconds)
} else := 0

clamp(value, low, high) := min([max([value, low]), high])

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

ladder_end_reason := sprintf("ladder end: page again every %d seconds until acknowledged", [ladder_end_repeat]) if {
	ladder_end_repeat > 0
} else := "ladder end: page once and stop"

ladder_end_bound_reason := sprintf("ladder end repeat %s seconds raised to %d: %s never stops paging", [
	json.marshal(object.get(ladder, "ladder_end_repeat_seconds", null)),
	ladder_end_repeat,
	severity,
]) if {
	severity in never_quiet
	configured_repeat <= 0
} else := sprintf("ladder end repeat %s seconds raised to the minimum %d", [json.marshal(configured_repeat), ladder_end_repeat]) if {
	configured_repeat > 0
	configured_repeat < min_repeat_seconds
} else := sprintf("ladder end repeat %s seconds lowered to the maximum %d", [json.marshal(configured_repeat), ladder_end_repeat]) if {
	configured_repeat > max_repeat_seconds
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
